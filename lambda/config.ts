/**
 * The only module that reads the environment. It returns a typed, validated Config and names
 * every bad or missing variable in one error, so a misconfigured function says everything
 * that is wrong in its first run.
 */
import { DEFAULTS, ENV } from './environment';
import { ConfigError } from './errors';
import { isDatadogSite, parseApiOrigin, siteApiOrigin, DATADOG_SITES } from './datadog/site';
import { parseLogLevel, type LogLevel } from './log';
import { metricPrefixProblem } from './metrics';

export interface Config {
  /** ARN of the Secrets Manager secret that holds the Datadog API key. */
  readonly apiKeySecretArn: string;
  /** Region of that secret, taken from its ARN. */
  readonly apiKeySecretRegion: string;
  /** Origin of the Datadog API, e.g. `https://api.datadoghq.com`. */
  readonly apiOrigin: string;
  /** Tags added to every series, raw (normalized when the series are built). */
  readonly globalTags: readonly string[];
  /** Prefix of every metric name. @default 'aws.billing' */
  readonly metricPrefix: string;
  readonly collectBudgets: boolean;
  readonly collectEstimatedCharges: boolean;
  /** Whether to send the per linked account, per service level of estimated charges. */
  readonly collectLinkedAccountServices: boolean;
  /** CloudWatch `ServiceName` values to keep, lowercased; empty keeps all. */
  readonly serviceAllowlist: ReadonlySet<string>;
  /** CloudWatch `ServiceName` values to drop, lowercased. */
  readonly serviceDenylist: ReadonlySet<string>;
  /** How long the API key is cached in the execution environment. @default 6 hours */
  readonly apiKeyMaxAgeMs: number;
  /** Whether to send the collector's own health metrics. @default true */
  readonly sendHealthMetrics: boolean;
  readonly logLevel: LogLevel;
}

type Environment = Readonly<Record<string, string | undefined>>;

export interface LoadConfigOptions {
  /**
   * Whether `DD_API_KEY_SECRET_ARN` must be set. The Lambda always needs it; the command-line
   * tool does not (a dry run needs no key, and `DD_API_KEY` may give one). When not required and
   * absent, `apiKeySecretArn` and `apiKeySecretRegion` are empty strings.
   * @default true
   */
  readonly requireApiKeySecret?: boolean;
}

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):\d{12}:secret:.+$/;

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming every variable that is missing or malformed.
 */
export function loadConfig(env: Environment, options: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = read(name);
    if (value === undefined) return fallback;
    if (/^(true|1|yes)$/i.test(value)) return true;
    if (/^(false|0|no)$/i.test(value)) return false;
    problems.push(`${name} must be true or false, got "${value}"`);
    return fallback;
  };
  const list = (name: string): string[] =>
    (read(name) ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');

  const apiKeySecretArn = read(ENV.apiKeySecretArn);
  let apiKeySecretRegion = '';
  if (apiKeySecretArn === undefined) {
    if (options.requireApiKeySecret ?? true) problems.push(`${ENV.apiKeySecretArn} is required: the ARN of the secret holding the Datadog API key`);
  } else {
    const match = SECRET_ARN.exec(apiKeySecretArn);
    if (match === null) {
      problems.push(
        `${ENV.apiKeySecretArn} must be a Secrets Manager secret ARN ` +
          '(arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      );
    } else {
      apiKeySecretRegion = match[1];
    }
  }

  const site = read(ENV.site) ?? DEFAULTS.site;
  let apiOrigin = '';
  if (isDatadogSite(site)) {
    apiOrigin = siteApiOrigin(site);
  } else {
    problems.push(`${ENV.site} "${site}" is not a Datadog site; use one of ${DATADOG_SITES.join(', ')}`);
  }
  const apiUrl = read(ENV.apiUrl);
  if (apiUrl !== undefined) {
    const parsed = parseApiOrigin(apiUrl);
    if ('problem' in parsed) problems.push(`${ENV.apiUrl} ${parsed.problem}`);
    else apiOrigin = parsed.origin;
  }

  const metricPrefix = read(ENV.metricPrefix) ?? DEFAULTS.metricPrefix;
  const prefixProblem = metricPrefixProblem(metricPrefix);
  if (prefixProblem !== undefined) problems.push(`${ENV.metricPrefix} ${prefixProblem}`);

  const globalTags = list(ENV.tags);
  const ddEnv = read(ENV.env);
  const ddService = read(ENV.service);
  if (ddEnv !== undefined) globalTags.push(`env:${ddEnv}`);
  if (ddService !== undefined) globalTags.push(`service:${ddService}`);

  const maxAgeText = read(ENV.apiKeyMaxAgeSeconds);
  let apiKeyMaxAgeMs = DEFAULTS.apiKeyMaxAgeSeconds * 1000;
  if (maxAgeText !== undefined) {
    const seconds = Number(maxAgeText);
    if (Number.isInteger(seconds) && seconds >= 0) apiKeyMaxAgeMs = seconds * 1000;
    else problems.push(`${ENV.apiKeyMaxAgeSeconds} must be a whole number of seconds, got "${maxAgeText}"`);
  }

  const logLevelText = read(ENV.logLevel) ?? DEFAULTS.logLevel;
  const logLevel = parseLogLevel(logLevelText);
  if (logLevel === undefined) {
    problems.push(`${ENV.logLevel} must be one of DEBUG, INFO, WARN, ERROR, got "${logLevelText}"`);
  }

  const collectBudgets = flag(ENV.collectBudgets, DEFAULTS.collectBudgets);
  const collectEstimatedCharges = flag(ENV.collectEstimatedCharges, DEFAULTS.collectEstimatedCharges);
  if (!collectBudgets && !collectEstimatedCharges) {
    problems.push(`${ENV.collectBudgets} and ${ENV.collectEstimatedCharges} are both false: nothing to collect`);
  }

  const config: Config = {
    apiKeySecretArn: apiKeySecretArn ?? '',
    apiKeySecretRegion,
    apiOrigin,
    globalTags,
    metricPrefix,
    collectBudgets,
    collectEstimatedCharges,
    collectLinkedAccountServices: flag(ENV.collectLinkedAccountServices, DEFAULTS.collectLinkedAccountServices),
    serviceAllowlist: new Set(list(ENV.serviceAllowlist).map((name) => name.toLowerCase())),
    serviceDenylist: new Set(list(ENV.serviceDenylist).map((name) => name.toLowerCase())),
    apiKeyMaxAgeMs,
    sendHealthMetrics: flag(ENV.sendHealthMetrics, DEFAULTS.sendHealthMetrics),
    logLevel: logLevel ?? 'INFO',
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

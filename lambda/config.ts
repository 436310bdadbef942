/**
 * The only module that reads the environment. It returns a typed, validated Config and names
 * every bad or missing variable in one error, so a misconfigured function says everything
 * that is wrong in its first run. Each variable is read by the type and checked by the rule
 * the settings table gives it; this module adds only what spans settings.
 */
import { shownValue } from './secret-shape';
import { ConfigError } from './errors';
import { isDatadogSite, parseApiOrigin, siteApiOrigin } from './datadog/site';
import { parseLogLevel, type LogLevel } from './log';
import { noSourceProblem } from './sources';
import {
  COLLECTOR_SETTING_NAMES,
  ENV,
  settingProblem,
  settingSpec,
  type AnySettingSpec,
  type CollectorSettingName,
  type CollectorValues,
  type SettingType,
  type SettingValueOf,
  TAG_SETTINGS,
} from './settings';

/**
 * The validated configuration: every collector setting of the table under its own name (so a
 * new setting reaches the code that reads it with no other change), and what is derived from
 * them.
 */
export type Config = CollectorValues & {
  /** ARN of the secret holding the Datadog API key; empty when not required and not given. */
  readonly apiKeySecretArn: string;
  /** Region of that secret, taken from its ARN. */
  readonly apiKeySecretRegion: string;
  /** Origin of the Datadog API, e.g. `https://api.datadoghq.com`: from the site, or `apiUrl`. */
  readonly apiOrigin: string;
  /** Tags added to every series, raw (normalized when the series are built): `tags`, `env:`, `service:`. */
  readonly globalTags: readonly string[];
  /** `apiKeyMaxAgeSeconds` in milliseconds. */
  readonly apiKeyMaxAgeMs: number;
  readonly logLevel: LogLevel;
};

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
 * Switches that are off in organization mode unless set, whatever the settings table's default
 * (self mode's): the level with the most series, about 300,000 CloudWatch metrics at 10,000
 * accounts. The command-line tool gives these both a flag to turn them on and one to turn them off.
 */
export const OFF_IN_ORGANIZATION_MODE = ['collectLinkedAccountServices'] as const satisfies readonly CollectorSettingName[];

function offInOrganizationMode(
  accounts: string,
  env: NodeJS.ProcessEnv,
): Partial<Record<(typeof OFF_IN_ORGANIZATION_MODE)[number], false>> {
  if (accounts !== 'organization') return {};
  return Object.fromEntries(OFF_IN_ORGANIZATION_MODE.filter((name) => (env[ENV[name]]?.trim() ?? '') === '').map((name) => [name, false]));
}

/**
 * Reads and validates the configuration.
 * @throws ConfigError naming every variable that is missing or malformed.
 */
export function loadConfig(env: Environment, options: LoadConfigOptions = {}): Config {
  const problems: string[] = [];
  // The one variable without which nothing works is named first.
  const secretGiven = (env[ENV.apiKeySecretArn]?.trim() ?? '') !== '';
  if (!secretGiven && (options.requireApiKeySecret ?? true)) {
    problems.push(`${ENV.apiKeySecretArn} is required: the ARN of the secret holding the Datadog API key`);
  }
  const values = readCollectorValues(env, problems);

  let apiKeySecretRegion = '';
  if (values.apiKeySecretArn !== undefined) {
    const match = SECRET_ARN.exec(values.apiKeySecretArn);
    if (match === null) {
      problems.push(
        `${ENV.apiKeySecretArn} must be a Secrets Manager secret ARN ` +
          `(arn:aws:secretsmanager:<region>:<account>:secret:<name>), got ${shownValue(values.apiKeySecretArn)}`,
      );
    } else {
      apiKeySecretRegion = match[1];
    }
  }

  let apiOrigin = isDatadogSite(values.datadogSite) ? siteApiOrigin(values.datadogSite) : '';
  if (values.apiUrl !== undefined) {
    const parsed = parseApiOrigin(values.apiUrl);
    if ('problem' in parsed) problems.push(`${ENV.apiUrl} ${parsed.problem}`);
    else apiOrigin = parsed.origin;
  }

  const globalTags = [...(values.tags ?? [])];
  for (const setting of TAG_SETTINGS) {
    const value = values[setting];
    if (value !== undefined) globalTags.push(`${setting}:${value}`);
  }

  const logLevel = parseLogLevel(values.logLevel);
  if (logLevel === undefined) {
    problems.push(`${ENV.logLevel} must be one of DEBUG, INFO, WARN, ERROR, got ${shownValue(values.logLevel)}`);
  }

  const noSource = noSourceProblem(values, (setting) => ENV[setting]);
  if (noSource !== undefined) problems.push(noSource);

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    ...values,
    ...offInOrganizationMode(values.accounts, env),
    apiKeySecretArn: values.apiKeySecretArn ?? '',
    apiKeySecretRegion,
    apiOrigin,
    globalTags,
    apiKeyMaxAgeMs: values.apiKeyMaxAgeSeconds * 1000,
    logLevel: logLevel ?? 'INFO',
  };
}

/**
 * Every collector setting of the table, read from its variable by its type, checked with the
 * table's check, and defaulted. A problem is pushed, naming the variable, and the default kept.
 */
function readCollectorValues(env: Environment, problems: string[]): CollectorValues {
  const values: Record<string, SettingValueOf[SettingType] | undefined> = {};
  for (const name of COLLECTOR_SETTING_NAMES) {
    const spec = settingSpec(name);
    const variable = ENV[name];
    const text = env[variable]?.trim();
    const parsed = text === undefined || text === '' ? undefined : parseEnvironmentText(spec, text);
    if (parsed !== undefined && 'problem' in parsed) problems.push(`${variable} ${parsed.problem}`);
    const value = parsed !== undefined && 'value' in parsed ? parsed.value : undefined;
    const problem = value === undefined ? undefined : settingProblem(name, value as never);
    if (problem !== undefined) problems.push(`${variable} ${problem}`);
    values[name] = problem === undefined && value !== undefined ? value : spec.default;
  }
  return values as CollectorValues;
}

type Parsed = { readonly value: SettingValueOf[SettingType] } | { readonly problem: string };

/** A variable's text as its setting's type: booleans as true/1/yes or false/0/no, lists comma-separated. */
function parseEnvironmentText(spec: AnySettingSpec, text: string): Parsed {
  switch (spec.type) {
    case 'string':
      return { value: text };
    case 'boolean':
      if (/^(true|1|yes)$/i.test(text)) return { value: true };
      if (/^(false|0|no)$/i.test(text)) return { value: false };
      return { problem: `must be true or false, got ${shownValue(text)}` };
    case 'wholeNumber': {
      const number = Number(text);
      return Number.isSafeInteger(number) && number >= 0
        ? { value: number }
        : { problem: `must be a whole number of ${spec.unit ?? 'units'}, got ${shownValue(text)}` };
    }
    case 'stringList':
      return {
        value: text
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== ''),
      };
    case 'stringMap':
      return { problem: 'is a map, which no environment variable carries' };
  }
}

/**
 * The contract between the stack and the function: the environment variable names the
 * collector reads, their defaults, and the placeholder a stack-created secret holds.
 *
 * The construct in `lib/` writes these names and `config.ts` reads them, so both import them
 * from here and a rename cannot leave one side behind. Nothing in this file does I/O.
 */

/** Environment variable names, one per setting. Datadog's own names where Datadog has one. */
export const ENV = {
  apiKeySecretArn: 'DD_API_KEY_SECRET_ARN',
  site: 'DD_SITE',
  apiUrl: 'DD_API_URL',
  tags: 'DD_TAGS',
  env: 'DD_ENV',
  service: 'DD_SERVICE',
  metricPrefix: 'METRIC_PREFIX',
  collectBudgets: 'COLLECT_BUDGETS',
  collectEstimatedCharges: 'COLLECT_ESTIMATED_CHARGES',
  collectLinkedAccountServices: 'COLLECT_LINKED_ACCOUNT_SERVICES',
  serviceAllowlist: 'SERVICE_ALLOWLIST',
  serviceDenylist: 'SERVICE_DENYLIST',
  apiKeyMaxAgeSeconds: 'API_KEY_MAX_AGE_SECONDS',
  sendHealthMetrics: 'SEND_HEALTH_METRICS',
  logLevel: 'AWS_LAMBDA_LOG_LEVEL',
} as const;

/** Defaults for every optional setting; `config.ts` and the construct both resolve from these. */
export const DEFAULTS = {
  site: 'datadoghq.com',
  metricPrefix: 'aws.billing',
  collectBudgets: true,
  collectEstimatedCharges: true,
  collectLinkedAccountServices: true,
  /** Six hours: a rotated key is picked up within that time, or at once on a 403. */
  apiKeyMaxAgeSeconds: 6 * 60 * 60,
  sendHealthMetrics: true,
  logLevel: 'INFO',
} as const;

/**
 * The value the stack writes into a secret it creates. The collector recognises it and says
 * "API key not set" with the command to set it, instead of a confusing format error.
 */
export const API_KEY_PLACEHOLDER = 'REPLACE-WITH-YOUR-DATADOG-API-KEY';

/**
 * The shell command that puts the key in the secret. It reads the key from standard input, so
 * the key lands neither in the shell history nor in the process list: run it, paste the key,
 * then press Enter and Ctrl-D (the collector trims the newline). Both arguments may be
 * CDK tokens: the string is built by interpolation only.
 */
export function putApiKeyCommand(secretArn: string, region: string): string {
  return (
    `aws secretsmanager put-secret-value --region ${region} --secret-id '${secretArn}' ` +
    '--secret-string file:///dev/stdin'
  );
}

/**
 * The collector's settings as the stack and the command-line tool both hold them. Each one
 * left undefined is left out of the environment, so the collector's own default applies.
 */
export interface CollectorSettings {
  readonly site?: string;
  readonly apiKeySecretArn?: string;
  readonly apiUrl?: string;
  readonly tags?: readonly string[];
  readonly env?: string;
  readonly service?: string;
  readonly metricPrefix?: string;
  readonly collectBudgets?: boolean;
  readonly collectEstimatedCharges?: boolean;
  readonly collectLinkedAccountServices?: boolean;
  readonly serviceAllowlist?: readonly string[];
  readonly serviceDenylist?: readonly string[];
  readonly apiKeyMaxAgeSeconds?: number;
  readonly sendHealthMetrics?: boolean;
  readonly logLevel?: string;
}

/** The environment variables that carry these settings to the collector: one mapping for every caller. */
export function collectorEnvironmentFor(settings: CollectorSettings): Record<string, string> {
  const environment: Record<string, string> = {};
  const set = (name: string, value: string | number | boolean | undefined): void => {
    if (value !== undefined) environment[name] = String(value);
  };
  const list = (items: readonly string[] | undefined): string | undefined =>
    items === undefined || items.length === 0 ? undefined : items.map((item) => item.trim()).join(',');

  set(ENV.site, settings.site);
  set(ENV.apiKeySecretArn, settings.apiKeySecretArn);
  set(ENV.apiUrl, settings.apiUrl);
  set(ENV.tags, list(settings.tags));
  set(ENV.env, settings.env?.trim());
  set(ENV.service, settings.service?.trim());
  set(ENV.metricPrefix, settings.metricPrefix);
  set(ENV.collectBudgets, settings.collectBudgets);
  set(ENV.collectEstimatedCharges, settings.collectEstimatedCharges);
  set(ENV.collectLinkedAccountServices, settings.collectLinkedAccountServices);
  set(ENV.serviceAllowlist, list(settings.serviceAllowlist));
  set(ENV.serviceDenylist, list(settings.serviceDenylist));
  set(ENV.apiKeyMaxAgeSeconds, settings.apiKeyMaxAgeSeconds);
  set(ENV.sendHealthMetrics, settings.sendHealthMetrics);
  set(ENV.logLevel, settings.logLevel);
  return environment;
}

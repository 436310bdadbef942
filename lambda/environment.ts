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

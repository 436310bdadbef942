/**
 * The contract between the stack and the function: how settings become the environment the
 * collector reads (names and defaults come from the settings table), and the placeholder a
 * stack-created secret holds.
 *
 * The construct in `lib/` and the command-line tool write this environment and `config.ts`
 * reads it. Nothing in this file does I/O.
 */
import { COLLECTOR_SETTING_NAMES, ENV, type CollectorSettings } from './settings';

export { DEFAULTS, ENV, type CollectorSettings } from './settings';

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
  return `aws secretsmanager put-secret-value --region ${region} --secret-id '${secretArn}' ` + '--secret-string file:///dev/stdin';
}

/**
 * The environment variables that carry these settings to the collector: one mapping for every
 * caller, derived from the settings table. A setting left undefined (or an empty list) is left
 * out, so the collector applies its own default.
 */
export function collectorEnvironmentFor(settings: CollectorSettings): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const name of COLLECTOR_SETTING_NAMES) {
    const text = environmentText(settings[name]);
    if (text !== undefined) environment[ENV[name]] = text;
  }
  return environment;
}

/** A value as its environment variable holds it: lists comma-separated, text trimmed. */
function environmentText(value: CollectorSettings[keyof CollectorSettings]): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) return value.length === 0 ? undefined : value.map((item: string) => item.trim()).join(',');
  return typeof value === 'string' ? value.trim() : String(value);
}

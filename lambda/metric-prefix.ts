/**
 * The one rule for a metric prefix. Its own module, importing only `secret-shape.ts`, because
 * the settings table checks the prefix with it and the metric table (which reads the sources)
 * must not be loaded for that.
 */
import { secretShape, shownValue } from './secret-shape';

/**
 * A valid metric prefix: Datadog metric-name characters, starting with a letter, not ending
 * with a dot (the collector adds the dot before each metric's own name).
 */
export const METRIC_PREFIX_PATTERN = /^[A-Za-z](?:[A-Za-z0-9_.]{0,98}[A-Za-z0-9_])?$/;

/**
 * The one rule for a metric prefix, shared by synth, the function, the command-line tool and
 * the dashboard generator: what is wrong with `prefix` and how to fix it, or undefined.
 */
export function metricPrefixProblem(prefix: string): string | undefined {
  if (METRIC_PREFIX_PATTERN.test(prefix)) return undefined;
  const trimmed = prefix.replace(/\.+$/, '');
  // A prefix shaped like a secret is described, never echoed, not even trimmed.
  if (prefix.endsWith('.') && METRIC_PREFIX_PATTERN.test(trimmed) && secretShape(prefix) === undefined) {
    return `"${prefix}" ends with "."; drop the trailing dot (give ${trimmed}): the collector adds the dot before each metric name`;
  }
  return (
    `${shownValue(prefix)} must start with a letter, hold only ASCII letters, digits, "_" and "." and not end with "." ` +
    '(at most 100 characters), such as aws.billing or custom.aws.billing'
  );
}

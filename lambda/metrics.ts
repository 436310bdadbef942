/**
 * Every metric the collector sends, defined once. The series builder, the README's metrics
 * table and the generated Datadog dashboard and monitors all read these definitions, so a
 * metric cannot be renamed in one place and forgotten in another.
 */

export interface MetricDefinition {
  /** Appended to the configured prefix: `<prefix>.<suffix>`. */
  readonly suffix: string;
  readonly description: string;
  /** Tag keys each series of this metric carries (besides the global tags). */
  readonly tagKeys: readonly string[];
}

export const METRICS = {
  estimatedCharges: {
    suffix: 'estimated_charges',
    description: 'Month-to-date estimated charges from CloudWatch AWS/Billing EstimatedCharges.',
    tagKeys: ['account_id', 'billing_scope', 'currency', 'servicename', 'linkedaccount'],
  },
  actualSpend: {
    suffix: 'actual_spend',
    description: "A COST budget's actual spend in its current period.",
    tagKeys: ['account_id', 'budget_name', 'budget_type', 'time_unit', 'currency'],
  },
  forecastedSpend: {
    suffix: 'forecasted_spend',
    description: "A COST budget's forecasted spend for its current period, when AWS has a forecast.",
    tagKeys: ['account_id', 'budget_name', 'budget_type', 'time_unit', 'currency'],
  },
  budgetLimit: {
    suffix: 'budget_limit',
    description: "A COST budget's limit for its current period (fixed or planned).",
    tagKeys: ['account_id', 'budget_name', 'budget_type', 'time_unit', 'currency'],
  },
  collectorRun: {
    suffix: 'collector.run',
    description: 'One point per collector run (value 1), tagged with how the run ended.',
    tagKeys: ['account_id', 'status'],
  },
  collectorSeries: {
    suffix: 'collector.series',
    description: 'Billing series the run sent.',
    tagKeys: ['account_id'],
  },
  collectorDuration: {
    suffix: 'collector.duration',
    description: 'Seconds the run took until its metrics were handed to Datadog.',
    tagKeys: ['account_id'],
  },
  estimatedChargesAge: {
    suffix: 'estimated_charges.age',
    description: 'Hours since the newest CloudWatch billing point; rises when billing alerts are off or AWS is late.',
    tagKeys: ['account_id'],
  },
} as const satisfies Record<string, MetricDefinition>;

export type MetricKey = keyof typeof METRICS;

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
  if (prefix.endsWith('.') && METRIC_PREFIX_PATTERN.test(prefix.replace(/\.+$/, ''))) {
    return `"${prefix}" ends with "."; drop the trailing dot (give ${prefix.replace(/\.+$/, '')}): the collector adds the dot before each metric name`;
  }
  return (
    `"${prefix}" must start with a letter, hold only ASCII letters, digits, "_" and "." and not end with "." ` +
    '(at most 100 characters), such as aws.billing or custom.aws.billing'
  );
}

/** The full metric name under a prefix. */
export function metricName(prefix: string, key: MetricKey): string {
  return `${prefix}.${METRICS[key].suffix}`;
}

/** Values of the `status` tag on `<prefix>.collector.run`. */
export type RunStatus = 'success' | 'partial' | 'failure';

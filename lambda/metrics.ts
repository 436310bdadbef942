/**
 * Every metric the collector sends, defined once: each source defines its own beside it (see
 * `sources/index.ts`), and the collector's health metrics are here. The series builder and the
 * generated Datadog dashboard and monitors read these definitions, so a metric cannot be renamed
 * in one place and forgotten in another. The docs' metrics table is written by hand;
 * `test/docs/metrics-table.test.ts` holds its names and tag keys against these definitions.
 */
import { SOURCE_METRICS } from './sources/metric-definitions';

export { METRIC_PREFIX_PATTERN, metricPrefixProblem } from './metric-prefix';

export interface MetricDefinition {
  /** Appended to the configured prefix: `<prefix>.<suffix>`. */
  readonly suffix: string;
  /** Tag keys each series of this metric carries (besides the global tags). */
  readonly tagKeys: readonly string[];
}

/** The collector's own metrics, whatever sources run. */
const COLLECTOR_HEALTH_METRICS = {
  /** One point per collector run (value 1), tagged with how the run ended. */
  collectorRun: {
    suffix: 'collector.run',
    tagKeys: ['account_id', 'status', 'trigger'],
  },
  /** Billing series the run sent. */
  collectorSeries: {
    suffix: 'collector.series',
    tagKeys: ['account_id'],
  },
  /** Organization mode: the accounts read (`status:ok`), failed and skipped in the run. */
  collectorAccounts: {
    suffix: 'collector.accounts',
    tagKeys: ['account_id', 'status'],
  },
  /** Cost Explorer requests the run made (each billed $0.01), sent by the runs of the `cost_explorer` trigger. */
  collectorCostExplorerRequests: {
    suffix: 'collector.cost_explorer_requests',
    tagKeys: ['account_id'],
  },
  /** Seconds the run took until its metrics were handed to Datadog. */
  collectorDuration: {
    suffix: 'collector.duration',
    tagKeys: ['account_id'],
  },
} as const satisfies Record<string, MetricDefinition>;

/**
 * The tag organization mode adds to every series of the sources: the name of the account that
 * owns the cost (the linked account's, or the account read), so that a query "by account name"
 * works alike on budgets and charges.
 */
export const ACCOUNT_NAME_TAG_KEY = 'account_name';

/** The sources' metrics, each defined beside its source, then the collector's own. */
export const METRICS = { ...SOURCE_METRICS, ...COLLECTOR_HEALTH_METRICS } as const;

export type MetricKey = keyof typeof METRICS;

/**
 * The tag keys the collector sets on its own series. A user's tag with one of these keys would
 * give a series a second value for it (`account_id:1` beside the real account), which splits or
 * merges every `by {account_id}` grouping: the settings table refuses them in `tags`.
 */
export const RESERVED_TAG_KEYS: readonly string[] = [...new Set(Object.values(METRICS).flatMap((metric) => metric.tagKeys))].sort();

/** The full metric name under a prefix. */
export function metricName(prefix: string, key: MetricKey): string {
  return `${prefix}.${METRICS[key].suffix}`;
}

/** Values of the `status` tag on `<prefix>.collector.run`. */
export type RunStatus = 'success' | 'partial' | 'failure';

/**
 * Reads the metric references out of Datadog query strings, independently of the code that
 * builds them, so the tests can check every metric name and tag key a query mentions.
 */

export interface MetricReference {
  readonly metric: string;
  /** Tag keys of `key:value` and `!key:value` scope items. */
  readonly scopeKeys: readonly string[];
  /** `key:value` scope items as written. */
  readonly scopeTags: readonly string[];
  /** Names of `$variable` scope items. */
  readonly variables: readonly string[];
  readonly groupBy: readonly string[];
}

export interface ParsedQuery {
  readonly references: readonly MetricReference[];
  /** The query with every metric reference and function call taken out: operators, numbers, time windows. */
  readonly rest: string;
}

/** `space_aggregation:metric.name{scope}` followed by an optional ` by {tags}`. */
const METRIC_REFERENCE = /\b(?:avg|sum|min|max):([A-Za-z][A-Za-z0-9_.]*)\{([^{}]*)\}(?:\s*by\s*\{([^{}]*)\})?/g;
/** Functions applied to a reference, such as `.rollup(max, 3600)`. */
const FUNCTION_CALL = /\.(?:rollup|as_count|as_rate|fill)\([^()]*\)/g;

export function parseMetricQuery(query: string): ParsedQuery {
  const references: MetricReference[] = [];
  for (const match of query.matchAll(METRIC_REFERENCE)) {
    const scope = splitList(match[2]).filter((item) => item !== '*');
    const tagItems = scope.filter((item) => !item.startsWith('$'));
    references.push({
      metric: match[1],
      scopeTags: tagItems,
      scopeKeys: tagItems.map((item) => item.replace(/^!/, '').split(':')[0]),
      variables: scope.filter((item) => item.startsWith('$')).map((item) => item.slice(1)),
      groupBy: splitList(match[3] ?? ''),
    });
  }
  const rest = query.replace(METRIC_REFERENCE, ' ').replace(FUNCTION_CALL, ' ');
  return { references, rest };
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Every `query` of a formulas-and-functions metric query anywhere inside a dashboard. */
export function dashboardQueries(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(dashboardQueries);
  if (typeof value !== 'object' || value === null) return [];
  const record = value as Record<string, unknown>;
  const own = record.data_source === 'metrics' && typeof record.query === 'string' ? [record.query] : [];
  const legacy = typeof record.q === 'string' ? [record.q] : [];
  return [...own, ...legacy, ...Object.values(record).flatMap(dashboardQueries)];
}

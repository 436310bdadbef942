/**
 * Whether a monitor would alert on the series of one run, read from the monitor's own query as
 * `buildMonitors` writes it (`max(last_2h):max:<a>{*} by {k} / max:<b>{*} by {k} > 1`), so that
 * what is judged is what is shipped.
 *
 * One run gives one point per series. A monitor whose time aggregation is `max`, `min` or `last`
 * over its window is judged by the newest point, which one run gives; a `sum` or `avg` over the
 * window counts or averages runs, and needs the runs before this one ("needs history").
 */
import type { DatadogMonitor } from './model';

/** One series as Datadog received it: its newest value and its `key:value` tags. */
export interface JudgedSeries {
  readonly metric: string;
  readonly value: number;
  readonly tags: readonly string[];
}

/** One group of the monitor (`by {...}`) and the value its query gives. */
export interface GroupValue {
  /** The group's tags, `budget_name:data_platform_planned`; empty for a query without `by`. */
  readonly group: readonly string[];
  readonly value: number;
  readonly alerts: boolean;
}

export type Judgement =
  | { readonly verdict: 'alert' | 'ok'; readonly condition: string; readonly groups: readonly GroupValue[] }
  | { readonly verdict: 'no data'; readonly condition: string }
  | { readonly verdict: 'needs history'; readonly reason: string };

interface MetricTerm {
  readonly aggregation: string;
  readonly metric: string;
  readonly scope: readonly string[];
  readonly groupBy: readonly string[];
}

const QUERY = /^(\w+)\(last_(\w+)\):(.+) (<=|>=|<|>) (-?[\d.]+)$/;
const TERM = /^(\w+):([\w.]+)\{([^}]*)\}(?: by \{([^}]*)\})?$/;
/** A moving rollup of one term: `moving_rollup(<term>, <seconds>, '<aggregator>')`. */
const MOVING_ROLLUP = /moving_rollup\(.*, (\d+), '(\w+)'\)/;
/** Time aggregations that one point decides. */
const POINTWISE = new Set(['max', 'min', 'last']);

/** Judges `monitor` on these series. @throws Error when its query is not of a shape `buildMonitors` writes. */
export function judgeMonitor(monitor: Pick<DatadogMonitor, 'query'>, series: readonly JudgedSeries[]): Judgement {
  const match = QUERY.exec(monitor.query);
  if (match === null) throw new Error(`cannot read the monitor query "${monitor.query}"`);
  const [, timeAggregation, window, expression, comparator, thresholdText] = match;
  // A moving rollup (`moving_rollup(<term>, <seconds>, 'avg')`) averages the runs before this one.
  const moving = MOVING_ROLLUP.exec(expression);
  if (moving !== null) {
    return { verdict: 'needs history', reason: `a moving ${moving[2]} over ${Number(moving[1]) / 3600} hours: takes the runs before this one` };
  }
  const terms = expression.split(' / ').map(parseTerm);
  if (!POINTWISE.has(timeAggregation)) {
    return { verdict: 'needs history', reason: `${timeAggregation} over the last ${window}: takes the runs before this one` };
  }
  const threshold = Number(thresholdText);
  const [numerator, denominator] = terms.map((term) => groupValues(term, series));
  const condition = `${terms.map((term) => term.metric).join(' / ')} ${comparator} ${threshold}`;
  const groups: GroupValue[] = [];
  for (const [key, value] of numerator) {
    const divisor = denominator === undefined ? 1 : denominator.get(key);
    if (divisor === undefined || divisor === 0) continue;
    const result = value / divisor;
    groups.push({ group: key === '' ? [] : key.split('\n'), value: result, alerts: compare(result, comparator, threshold) });
  }
  if (groups.length === 0) return { verdict: 'no data', condition };
  return { verdict: groups.some((group) => group.alerts) ? 'alert' : 'ok', condition, groups };
}

function parseTerm(text: string): MetricTerm {
  const match = TERM.exec(text.trim());
  if (match === null) throw new Error(`cannot read the metric query "${text}"`);
  const [, aggregation, metric, scope, groupBy] = match;
  const list = (items: string | undefined): string[] => (items === undefined || items === '*' ? [] : items.split(',').filter(Boolean));
  return { aggregation, metric, scope: list(scope), groupBy: list(groupBy) };
}

/** The term's value per group: the series in scope, grouped by the `by` tags, aggregated in space. */
function groupValues(term: MetricTerm, series: readonly JudgedSeries[]): Map<string, number> {
  const values = new Map<string, number[]>();
  for (const item of series) {
    if (item.metric !== term.metric || !term.scope.every((tag) => item.tags.includes(tag))) continue;
    const group = term.groupBy.map((key) => item.tags.find((tag) => tag.startsWith(`${key}:`)));
    // Datadog leaves a series without one of the group's tags out of the groups.
    if (group.some((tag) => tag === undefined)) continue;
    const key = group.join('\n');
    values.set(key, [...(values.get(key) ?? []), item.value]);
  }
  return new Map([...values].map(([key, list]) => [key, aggregate(term.aggregation, list)]));
}

function aggregate(aggregation: string, values: readonly number[]): number {
  switch (aggregation) {
    case 'max':
      return Math.max(...values);
    case 'min':
      return Math.min(...values);
    case 'sum':
      return values.reduce((total, value) => total + value, 0);
    case 'avg':
      return values.reduce((total, value) => total + value, 0) / values.length;
    default:
      throw new Error(`unknown space aggregation "${aggregation}"`);
  }
}

function compare(value: number, comparator: string, threshold: number): boolean {
  if (comparator === '>') return value > threshold;
  if (comparator === '>=') return value >= threshold;
  if (comparator === '<') return value < threshold;
  return value <= threshold;
}

/**
 * Datadog metric queries built from the collector's metric definitions. Tag keys are typed per
 * metric, so a query that filters or groups by a tag the collector does not send on that metric
 * does not compile.
 */
import { ACCOUNT_NAME_TAG_KEY, METRICS, metricName, type MetricKey } from '../../lambda/metrics';

/** Tags the collector adds to every series from `DD_ENV` and `DD_SERVICE`. */
export const GLOBAL_TAG_KEYS = ['env', 'service'] as const;
export type GlobalTagKey = (typeof GLOBAL_TAG_KEYS)[number];

/** The tag keys a series of metric `K` can carry (`account_name` in organization mode). */
export type TagKeyOf<K extends MetricKey> = (typeof METRICS)[K]['tagKeys'][number] | GlobalTagKey | typeof ACCOUNT_NAME_TAG_KEY;

/** The dashboard's template variables, each named after the tag it filters on. */
export const TEMPLATE_VARIABLES = ['account_id', ACCOUNT_NAME_TAG_KEY, 'env'] as const;
export type TemplateVariable = (typeof TEMPLATE_VARIABLES)[number];

/** One scope item: a tag filter, or a template variable the dashboard substitutes. */
export type ScopeItem<K extends MetricKey> =
  | { readonly tag: TagKeyOf<K>; readonly value: string }
  | { readonly variable: TemplateVariable & TagKeyOf<K> };

export interface MetricQuery<K extends MetricKey> {
  readonly metric: K;
  /** Space aggregation across the series that match the scope. */
  readonly aggregation: 'sum' | 'max' | 'min' | 'avg';
  readonly scope?: readonly ScopeItem<K>[];
  readonly groupBy?: readonly TagKeyOf<K>[];
  /** Time aggregation into buckets of this many seconds. */
  readonly rollup?: { readonly method: 'sum' | 'max' | 'avg'; readonly seconds: number };
}

/** `aggregation:<prefix>.<metric>{scope} by {tags}.rollup(method, seconds)` */
export function metricQuery<K extends MetricKey>(prefix: string, query: MetricQuery<K>): string {
  const scope = (query.scope ?? []).map((item) => ('variable' in item ? `$${item.variable}` : `${item.tag}:${item.value}`));
  const groupBy = query.groupBy === undefined || query.groupBy.length === 0 ? '' : ` by {${query.groupBy.join(',')}}`;
  const rollup = query.rollup === undefined ? '' : `.rollup(${query.rollup.method}, ${query.rollup.seconds})`;
  return `${query.aggregation}:${metricName(prefix, query.metric)}{${scope.length === 0 ? '*' : scope.join(',')}}${groupBy}${rollup}`;
}

/**
 * A duration in Datadog's monitor time-window notation, in the largest whole unit:
 * 180 minutes is `3h`, 2880 is `2d`, 45 is `45m`.
 */
export function timeWindow(minutes: number): string {
  if (minutes % (24 * 60) === 0) return `${minutes / (24 * 60)}d`;
  if (minutes % 60 === 0) return `${minutes / 60}h`;
  return `${minutes}m`;
}

/** Fixed widget time spans Datadog accepts (`WidgetLiveSpan`), with their length in minutes. */
const LIVE_SPANS = [
  ['1h', 60],
  ['4h', 4 * 60],
  ['1d', 24 * 60],
  ['2d', 2 * 24 * 60],
  ['1w', 7 * 24 * 60],
  ['1mo', 30 * 24 * 60],
] as const;

export type LiveSpan = (typeof LIVE_SPANS)[number][0];

/** The shortest widget time span that holds at least `minutes`; `1mo` at most. */
export function liveSpanCovering(minutes: number): LiveSpan {
  for (const [span, length] of LIVE_SPANS) if (length >= minutes) return span;
  return '1mo';
}

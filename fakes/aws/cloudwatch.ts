/**
 * CloudWatch in the fake AWS: `ListMetrics` and `GetMetricData` over `AWS/Billing`
 * `EstimatedCharges`, paged as CloudWatch pages them (which moto does not: it lists a series
 * once per data point and never pages, so call counts taken against it would be wrong).
 * Wire protocol: AWS JSON 1.0 with awsQueryCompatible (`x-amzn-query-mode: true`),
 * `X-Amz-Target: GraniteServiceVersion20100801.ListMetrics | .GetMetricData`;
 * timestamps travel as epoch seconds.
 */
import { pageOffset, pageToken } from './paging';
import { awsJson } from './protocols';
import { AwsError, type AwsService, type OperationContext, type OperationInput } from './service';

/** CloudWatch's limits: stated here on their own, so the fake checks the collector's. */
export const CLOUDWATCH_LIMITS = {
  listMetricsPageSize: 500,
  metricDataQueriesPerCall: 500,
  metricDataMaxDatapoints: 100_800,
} as const;

/** One CloudWatch dimension. */
export interface WireDimension {
  readonly Name: string;
  readonly Value: string;
}

/** One billing series to seed: its dimensions, in the order ListMetrics lists them. */
export interface BillingSeriesSeed {
  readonly dimensions: readonly WireDimension[];
  /**
   * The newest point's value in USD; older points (every 6 h back) are 0.5 lower each.
   * @default a value derived from the series' position, distinct for each series
   */
  readonly value?: number;
}

/** The CloudWatch part of the fake's data. */
export interface CloudWatchSeed {
  /** `AWS/Billing` `EstimatedCharges` series. @default none */
  readonly billingSeries?: readonly BillingSeriesSeed[];
  /** How far back the newest billing point of every series is. @default 60 */
  readonly pointAgeSeconds?: number;
}

/** The unit GetMetricData bills by, as counted in the fake's tally. */
export const METRICS_REQUESTED = 'metricsRequested';

const BILLING_NAMESPACE = 'AWS/Billing';
const BILLING_METRIC = 'EstimatedCharges';
/** AWS publishes EstimatedCharges a few times a day. */
const POINT_SPACING_SECONDS = 6 * 3600;
/** Points answered per series at most: enough for any look-back the collector could use. */
const MAX_POINTS_PER_SERIES = 64;
const METRIC_DATA_ID = /^[a-z][a-zA-Z0-9_]*$/;

function dimensionKey(dimensions: readonly { Name?: unknown; Value?: unknown }[]): string {
  return dimensions
    .map(({ Name, Value }) => `${String(Name)}=${String(Value)}`)
    .sort()
    .join('|');
}

/** The newest value of the series at `index` when none is seeded: spread out, never repeating within 100,000 series. */
function derivedValue(index: number): number {
  return 10 + ((index * 7_919) % 100_000) / 100;
}

/** The CloudWatch service over this data. */
export function cloudWatchService(seed: CloudWatchSeed): AwsService {
  const series = seed.billingSeries ?? [];
  const byDimensions = new Map<string, number>();
  series.forEach(({ dimensions }, index) => byDimensions.set(dimensionKey(dimensions), index));
  // Data never changes once started: each ListMetrics page is written once (see budgets.ts).
  const pages = new Map<string, string>();

  const listMetrics = (input: OperationInput): string => {
    const filters = Array.isArray(input.Dimensions) ? (input.Dimensions as { Name?: string; Value?: string }[]) : [];
    const matches = (dimensions: readonly WireDimension[]): boolean =>
      filters.every((filter) => dimensions.some((d) => d.Name === filter.Name && (filter.Value === undefined || d.Value === filter.Value)));
    const namespaceOk = input.Namespace === undefined || input.Namespace === BILLING_NAMESPACE;
    const metricOk = input.MetricName === undefined || input.MetricName === BILLING_METRIC;
    const offset = pageOffset('metrics', input.NextToken);
    const key = `${JSON.stringify([input.Namespace, input.MetricName, filters])}:${offset}`;
    let page = pages.get(key);
    if (page === undefined) {
      const listed = namespaceOk && metricOk ? series.filter(({ dimensions }) => matches(dimensions)) : [];
      const next = offset + CLOUDWATCH_LIMITS.listMetricsPageSize;
      page = JSON.stringify({
        Metrics: listed
          .slice(offset, next)
          .map(({ dimensions }) => ({ Namespace: BILLING_NAMESPACE, MetricName: BILLING_METRIC, Dimensions: dimensions })),
        ...(next < listed.length ? { NextToken: pageToken('metrics', next) } : {}),
      });
      pages.set(key, page);
    }
    return page;
  };

  const getMetricData = (input: OperationInput, context: OperationContext): string => {
    const queries = input.MetricDataQueries;
    if (!Array.isArray(queries) || queries.length === 0) throw new AwsError('InvalidParameterValue', 'MetricDataQueries is required');
    if (queries.length > CLOUDWATCH_LIMITS.metricDataQueriesPerCall) {
      throw new AwsError(
        'InvalidParameterValue',
        `The collection MetricDataQueries must not have a size greater than ${CLOUDWATCH_LIMITS.metricDataQueriesPerCall}.`,
      );
    }
    const start = Number(input.StartTime);
    const end = Number(input.EndTime);
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new AwsError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
    }
    const maxDatapoints = input.MaxDatapoints === undefined ? CLOUDWATCH_LIMITS.metricDataMaxDatapoints : Number(input.MaxDatapoints);
    const ascending = input.ScanBy === 'TimestampAscending';
    const ids = new Set<string>();
    // Results are written as JSON text directly: this runs inside the benchmark's latency window, six calls at once.
    const results: { json: string; points: number }[] = [];
    const newest = Math.floor(Date.now() / 1000) - (seed.pointAgeSeconds ?? 60);
    context.count(METRICS_REQUESTED, queries.length);
    for (const query of queries as Record<string, unknown>[]) {
      const id = query.Id;
      if (typeof id !== 'string' || !METRIC_DATA_ID.test(id) || ids.has(id)) {
        throw new AwsError(
          'InvalidParameterValue',
          `The value ${String(id)} for parameter MetricDataQueries.member.Id is not valid or not unique.`,
        );
      }
      ids.add(id);
      const stat = query.MetricStat as { Metric?: Record<string, unknown>; Period?: number; Stat?: string } | undefined;
      if (stat === undefined || query.Expression !== undefined)
        throw new AwsError('InvalidParameterValue', 'The fake answers MetricStat queries only');
      if (typeof stat.Period !== 'number' || stat.Period < 60 || stat.Period % 60 !== 0 || typeof stat.Stat !== 'string') {
        throw new AwsError('InvalidParameterValue', `Query ${id}: Period must be a multiple of 60 and Stat is required`);
      }
      const metric = stat.Metric ?? {};
      const dimensions = Array.isArray(metric.Dimensions) ? (metric.Dimensions as { Name?: unknown; Value?: unknown }[]) : [];
      const index =
        metric.Namespace === BILLING_NAMESPACE && metric.MetricName === BILLING_METRIC
          ? byDimensions.get(dimensionKey(dimensions))
          : undefined;
      const timestamps: number[] = [];
      const values: number[] = [];
      if (index !== undefined) {
        const latest = series[index].value ?? derivedValue(index);
        for (let t = newest, step = 0; t >= start && step < MAX_POINTS_PER_SERIES; t -= POINT_SPACING_SECONDS, step += 1) {
          if (t > end) continue;
          timestamps.push(t);
          values.push(Math.max(0, latest - step * 0.5));
        }
        if (ascending) {
          timestamps.reverse();
          values.reverse();
        }
      }
      results.push({
        json: `{"Id":"${id}","Label":"${BILLING_METRIC}","Timestamps":[${timestamps.join(',')}],"Values":[${values.join(',')}],"StatusCode":"Complete"}`,
        points: timestamps.length,
      });
    }
    // Pages by whole results once the datapoint cap would be passed (AWS may split finer).
    const first = pageOffset('data', input.NextToken);
    const page: string[] = [];
    let points = 0;
    let next = first;
    for (; next < results.length; next += 1) {
      if (page.length > 0 && points + results[next].points > maxDatapoints) break;
      page.push(results[next].json);
      points += results[next].points;
    }
    const token = next < results.length ? `,"NextToken":"${pageToken('data', next)}"` : '';
    return `{"MetricDataResults":[${page.join(',')}],"Messages":[]${token}}`;
  };

  return {
    protocol: awsJson({ targetPrefix: 'GraniteServiceVersion20100801', version: '1.0', queryCompatible: true }),
    operations: { ListMetrics: listMetrics, GetMetricData: getMetricData },
  };
}

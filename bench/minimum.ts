/**
 * The floors the call counts and the run time are measured against.
 */
import { gzipSync } from 'node:zlib';
import { BUDGET_NOTIFICATIONS_LIMITS, BUDGETS_LIMITS } from '../fakes/aws/budgets';
import { CLOUDWATCH_LIMITS } from '../fakes/aws/cloudwatch';
import { INTAKE_LIMITS, type IntakeSeries } from '../fakes/datadog/intake';

/** AWS page sizes the minimum follows: the largest pages the fake AWS serves, as AWS does. */
export const PAGE_SIZES = {
  describeBudgets: BUDGETS_LIMITS.maxResults,
  describeBudgetNotifications: BUDGET_NOTIFICATIONS_LIMITS.maxResults,
  listMetrics: CLOUDWATCH_LIMITS.listMetricsPageSize,
  getMetricData: CLOUDWATCH_LIMITS.metricDataQueriesPerCall,
} as const;

export interface CallCounts {
  readonly DescribeBudgets: number;
  readonly DescribeBudgetNotificationsForAccount: number;
  readonly ListMetrics: number;
  readonly GetMetricData: number;
  readonly GetSecretValue: number;
  readonly Datadog: number;
}

/**
 * The fewest calls one run can make: every budget page, every page of the budgets' notifications
 * (the budgets with notifications, 1000 a page; one call when none has any), every ListMetrics
 * page, one GetMetricData per 500 series, the secret once per execution environment, and as few
 * Datadog requests as the size limits allow (computed by the intake from what was sent).
 */
export function minimumCalls(budgets: number, series: number, cold: boolean, datadogRequests: number, notifiedBudgets = 0): CallCounts {
  return {
    DescribeBudgets: Math.max(1, Math.ceil(budgets / PAGE_SIZES.describeBudgets)),
    DescribeBudgetNotificationsForAccount: Math.max(1, Math.ceil(notifiedBudgets / PAGE_SIZES.describeBudgetNotifications)),
    ListMetrics: Math.max(1, Math.ceil(series / PAGE_SIZES.listMetrics)),
    GetMetricData: Math.ceil(series / PAGE_SIZES.getMetricData),
    GetSecretValue: cold ? 1 : 0,
    Datadog: datadogRequests,
  };
}

export interface Bound {
  /** Round trips on the critical path. */
  readonly rounds: number;
  readonly ms: number;
  readonly formula: string;
}

export const BOUND_FORMULA =
  'latency × (max(DescribeBudgets pages, notification pages, ListMetrics pages + 1 GetMetricData round, secret reads) + Datadog rounds)';

/**
 * The critical-path lower bound with a fixed latency per request. DescribeBudgets pages are
 * sequential (each needs the previous NextToken), and so are the notifications' pages, read
 * beside them; ListMetrics pages too, and then all
 * GetMetricData batches can run at once (one round); the secret read runs beside the sources.
 * The Datadog bodies need the data, so they come after, all at once (one round).
 */
export function criticalPathBound(latencyMs: number, minimum: CallCounts): Bound {
  const sources = Math.max(
    minimum.DescribeBudgets,
    minimum.DescribeBudgetNotificationsForAccount,
    minimum.ListMetrics + (minimum.GetMetricData > 0 ? 1 : 0),
    minimum.GetSecretValue,
  );
  const datadogRounds = minimum.Datadog > 0 ? 1 : 0;
  const rounds = sources + datadogRounds;
  return {
    rounds,
    ms: latencyMs * rounds,
    formula:
      `${latencyMs} ms × (max(${minimum.DescribeBudgets}, ${minimum.DescribeBudgetNotificationsForAccount}, ` +
      `${minimum.ListMetrics} + ${minimum.GetMetricData > 0 ? 1 : 0}, ` +
      `${minimum.GetSecretValue}) + ${datadogRounds}) = ${latencyMs} ms × ${rounds} = ${latencyMs * rounds} ms`,
  };
}

/**
 * The fewest requests that can carry these series within Datadog's limits: everything as one
 * body, measured raw and gzipped (the collector's own compression, zlib's default level).
 */
export function minimumDatadogRequests(series: readonly IntakeSeries[]): { requests: number; rawBytes: number; gzippedBytes: number } {
  if (series.length === 0) return { requests: 0, rawBytes: 0, gzippedBytes: 0 };
  const json = `{"series":[${series.map((item) => JSON.stringify(item)).join(',')}]}`;
  const rawBytes = Buffer.byteLength(json);
  const gzippedBytes = gzipSync(json).length;
  const requests = Math.max(Math.ceil(rawBytes / INTAKE_LIMITS.maxDecompressedBytes), Math.ceil(gzippedBytes / INTAKE_LIMITS.maxBodyBytes));
  return { requests, rawBytes, gzippedBytes };
}

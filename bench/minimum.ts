/**
 * The floors the call counts and the run time are measured against.
 */

/** AWS page sizes the minimum follows. */
export const PAGE_SIZES = { describeBudgets: 1000, listMetrics: 500, getMetricData: 500 } as const;

export interface CallCounts {
  readonly DescribeBudgets: number;
  readonly ListMetrics: number;
  readonly GetMetricData: number;
  readonly GetSecretValue: number;
  readonly Datadog: number;
}

/**
 * The fewest calls one run can make: every budget page, every ListMetrics page, one
 * GetMetricData per 500 series, the secret once per execution environment, and as few
 * Datadog requests as the size limits allow (computed by the intake from what was sent).
 */
export function minimumCalls(budgets: number, series: number, cold: boolean, datadogRequests: number): CallCounts {
  return {
    DescribeBudgets: Math.max(1, Math.ceil(budgets / PAGE_SIZES.describeBudgets)),
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
  'latency × (max(DescribeBudgets pages, ListMetrics pages + 1 GetMetricData round, secret reads) + Datadog rounds)';

/**
 * The critical-path lower bound with a fixed latency per request. DescribeBudgets pages are
 * sequential (each needs the previous NextToken); ListMetrics pages too, and then all
 * GetMetricData batches can run at once (one round); the secret read runs beside the sources.
 * The Datadog bodies need the data, so they come after, all at once (one round).
 */
export function criticalPathBound(latencyMs: number, minimum: CallCounts): Bound {
  const sources = Math.max(minimum.DescribeBudgets, minimum.ListMetrics + (minimum.GetMetricData > 0 ? 1 : 0), minimum.GetSecretValue);
  const datadogRounds = minimum.Datadog > 0 ? 1 : 0;
  const rounds = sources + datadogRounds;
  return {
    rounds,
    ms: latencyMs * rounds,
    formula:
      `${latencyMs} ms × (max(${minimum.DescribeBudgets}, ${minimum.ListMetrics} + ${minimum.GetMetricData > 0 ? 1 : 0}, ` +
      `${minimum.GetSecretValue}) + ${datadogRounds}) = ${latencyMs} ms × ${rounds} = ${latencyMs * rounds} ms`,
  };
}

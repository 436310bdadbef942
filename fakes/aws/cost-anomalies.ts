/**
 * AWS Cost Anomaly Detection in the fake AWS: `GetAnomalies` and `GetAnomalyMonitors`, which moto
 * does not serve. They are operations of Cost Explorer's endpoint (AWS JSON 1.1,
 * `X-Amz-Target: AWSInsightsIndexService.<Operation>`), so `cost-explorer.ts` serves them beside
 * its own, under the same access rules.
 *
 * As the SDK's shapes (`@aws-sdk/client-cost-explorer`, `models_0.d.ts`: `GetAnomaliesRequest`,
 * `Anomaly`, `Impact`, `RootCause`, `GetAnomalyMonitorsRequest`, `AnomalyMonitor`) and the API
 * reference say: `DateInterval.StartDate` is required and an anomaly is returned when its
 * `AnomalyEndDate` is in [StartDate, EndDate] (an open anomaly, with no end date yet, counts as
 * ending today); `MonitorArn` and `TotalImpact` (a `NumericOperator` on `Impact.TotalImpact`)
 * filter; pages of `MaxResults` follow `NextPageToken`. Each page is a request, and AWS bills each
 * GetAnomalies page at $0.01.
 *
 * Differences from AWS: no `Feedback` filter; dates are compared as `YYYY-MM-DD` (AWS's answers
 * may carry a time of day, which the fake returns as seeded); the default and largest page sizes
 * are the fake's (AWS documents none); the wording of its validation errors is the fake's.
 */
import type { Anomaly, AnomalyMonitor } from '@aws-sdk/client-cost-explorer';
import { pageOffset, pageToken } from './paging';
import { AwsError, type Operation, type OperationContext, type OperationInput } from './service';

/** The fake's page sizes (AWS documents none for these two operations). */
export const ANOMALY_PAGE_SIZES = { default: 20, max: 100 } as const;

/** The anomalies and monitors of the payer account. */
export interface CostAnomaliesData {
  /**
   * The account's anomaly monitors. @default none: `check` then says to create one
   */
  readonly monitors?: readonly AnomalyMonitor[];
  /**
   * The anomalies Cost Anomaly Detection found, in AWS's shape. Read at each request, so a test
   * may replace or grow them between runs (an anomaly whose impact grew).
   */
  readonly anomalies?: readonly Anomaly[];
}

/** The anomaly part of the fake's data. */
export interface CostAnomaliesSeed {
  /** @default none: no monitor, no anomaly */
  readonly costAnomalies?: CostAnomaliesData;
}

const DATE = /^\d{4}-\d{2}-\d{2}/;
const validation = (message: string) => new AwsError('ValidationException', message);

/** Anything after the date (a time of day) is left out of the comparisons. */
function dateOf(value: unknown, field: string): string {
  if (typeof value !== 'string' || !DATE.test(value)) throw validation(`${field} is a YYYY-MM-DD date`);
  return value.slice(0, 10);
}

/** The page size a request asks for, checked. */
function pageSizeOf(value: unknown): number {
  if (value === undefined) return ANOMALY_PAGE_SIZES.default;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > ANOMALY_PAGE_SIZES.max) {
    throw validation(`MaxResults is a whole number from 1 to ${ANOMALY_PAGE_SIZES.max}`);
  }
  return value;
}

/** Whether `impact` passes a `TotalImpactFilter`. */
function passes(filter: unknown, impact: number): boolean {
  if (filter === undefined) return true;
  const { NumericOperator: operator, StartValue: start, EndValue: end } = filter as Record<string, unknown>;
  if (typeof start !== 'number') throw validation('TotalImpact.StartValue is required');
  switch (operator) {
    case 'EQUAL':
      return impact === start;
    case 'GREATER_THAN':
      return impact > start;
    case 'GREATER_THAN_OR_EQUAL':
      return impact >= start;
    case 'LESS_THAN':
      return impact < start;
    case 'LESS_THAN_OR_EQUAL':
      return impact <= start;
    case 'BETWEEN':
      if (typeof end !== 'number') throw validation('TotalImpact.EndValue is required with BETWEEN');
      return impact >= start && impact <= end;
    default:
      throw validation(`TotalImpact.NumericOperator is not valid: ${String(operator)}`);
  }
}

/** One page of `items` from the offset of the request's token. */
function page<T>(kind: string, items: readonly T[], input: OperationInput): { items: T[]; NextPageToken?: string } {
  const size = pageSizeOf(input.MaxResults);
  const offset = pageOffset(kind, input.NextPageToken);
  const end = offset + size;
  return { items: items.slice(offset, end), ...(end < items.length ? { NextPageToken: pageToken(kind, end) } : {}) };
}

/**
 * The two operations over `seed`, answered as `today` and refused as `refuse` decides (Cost
 * Explorer not enabled, a member account without access).
 */
export function costAnomalyOperations(
  seed: CostAnomaliesSeed,
  today: () => string,
  refuse: (context: OperationContext) => void,
): Readonly<Record<'GetAnomalies' | 'GetAnomalyMonitors', Operation>> {
  return {
    GetAnomalies: (input, context) => {
      refuse(context);
      const interval = input.DateInterval as Record<string, unknown> | undefined;
      if (interval === undefined) throw validation('DateInterval is required');
      const start = dateOf(interval.StartDate, 'DateInterval.StartDate');
      const end = interval.EndDate === undefined ? today() : dateOf(interval.EndDate, 'DateInterval.EndDate');
      if (start > end) throw validation('DateInterval.StartDate is after its EndDate');
      const monitor = input.MonitorArn;
      const found = (seed.costAnomalies?.anomalies ?? []).filter((anomaly) => {
        const ended = anomaly.AnomalyEndDate === undefined ? today() : dateOf(anomaly.AnomalyEndDate, 'a seeded AnomalyEndDate');
        return (
          ended >= start &&
          ended <= end &&
          (monitor === undefined || anomaly.MonitorArn === monitor) &&
          passes(input.TotalImpact, anomaly.Impact?.TotalImpact ?? 0)
        );
      });
      const { items, NextPageToken } = page('GetAnomalies', found, input);
      return JSON.stringify({ Anomalies: items, ...(NextPageToken === undefined ? {} : { NextPageToken }) });
    },
    GetAnomalyMonitors: (input, context) => {
      refuse(context);
      const wanted = input.MonitorArnList as readonly string[] | undefined;
      const monitors = (seed.costAnomalies?.monitors ?? []).filter(
        (monitor) => wanted === undefined || wanted.length === 0 || wanted.includes(monitor.MonitorArn ?? ''),
      );
      const { items, NextPageToken } = page('GetAnomalyMonitors', monitors, input);
      return JSON.stringify({ AnomalyMonitors: items, ...(NextPageToken === undefined ? {} : { NextPageToken }) });
    },
  };
}

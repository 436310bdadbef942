/**
 * CloudWatch `AWS/Billing` `EstimatedCharges`: month-to-date charges for the account, per
 * service, per linked account, and per linked account and service.
 */
import {
  GetMetricDataCommand,
  ListMetricsCommand,
  type CloudWatchClient,
  type Dimension,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  BILLING_LOOKBACK_HOURS,
  BILLING_NAMESPACE,
  BILLING_PERIOD_SECONDS,
  ESTIMATED_CHARGES_METRIC,
  METRIC_DATA_QUERIES_PER_CALL,
} from '../billing-facts';
import { NoBillingMetricsError } from '../errors';
import { increment, type CallCounter, type RawTag, type Sample, type SkipReason, type SourceResult } from '../samples';
import { callNeeding } from './aws-errors';
import { runWithConcurrency } from '../concurrency';

export interface EstimatedChargesOptions {
  /** The account the data belongs to, sent as the `account_id` tag. */
  readonly accountId: string;
  /** The collection time; points from before its UTC month are stale. */
  readonly now: Date;
  /** Send the per linked account, per service level. @default true */
  readonly includeLinkedAccountServices: boolean;
  /** `ServiceName` values to keep, lowercased; empty keeps all. */
  readonly serviceAllowlist: ReadonlySet<string>;
  /** `ServiceName` values to drop, lowercased. */
  readonly serviceDenylist: ReadonlySet<string>;
  /** Incremented once per AWS call. */
  readonly calls: CallCounter;
  /** Aborts AWS calls still running when the run must move on to sending. */
  readonly signal?: AbortSignal;
  /** How many GetMetricData calls may be in flight at once. @default 8 */
  readonly concurrency?: number;
}

/** Which slice of the bill a series is; `total` alone never double counts. */
export type BillingScope = 'total' | 'service' | 'linked_account' | 'linked_account_service';

/** CloudWatch dimension names and the tag keys Datadog's own integration uses for them. */
const DIMENSION_TAG_KEYS: Record<string, string> = {
  Currency: 'currency',
  ServiceName: 'servicename',
  LinkedAccount: 'linkedaccount',
};

export function billingScope(dimensions: Readonly<Record<string, string>>): BillingScope {
  const service = 'ServiceName' in dimensions;
  const linked = 'LinkedAccount' in dimensions;
  if (linked && service) return 'linked_account_service';
  if (linked) return 'linked_account';
  if (service) return 'service';
  return 'total';
}

/** Start of the UTC month that contains `now`. */
export function startOfUtcMonth(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
}

type Dimensions = Readonly<Record<string, string>>;

/**
 * Lists every `EstimatedCharges` series, reads the newest point of each, and turns the
 * current ones into samples.
 * @throws NoBillingMetricsError when the account has no billing metrics at all.
 * @throws AccessDeniedError naming the CloudWatch action the role lacks.
 */
export async function collectEstimatedCharges(
  client: CloudWatchClient,
  options: EstimatedChargesOptions,
): Promise<SourceResult> {
  const skipped: Partial<Record<SkipReason, number>> = {};

  const listed = await listBillingSeries(client, options);
  if (listed.length === 0) throw new NoBillingMetricsError();

  const wanted = listed.filter((dimensions) => {
    const reason = filterReason(dimensions, options);
    if (reason !== undefined) increment(skipped, reason);
    return reason === undefined;
  });

  const newest = await readNewestPoints(client, wanted, options);
  const monthStart = startOfUtcMonth(options.now).getTime();
  const samples: Sample[] = [];
  let newestDataTime: Date | undefined;
  wanted.forEach((dimensions, index) => {
    const point = newest[index];
    if (point === undefined) {
      increment(skipped, 'no_billing_point');
      return;
    }
    if (newestDataTime === undefined || point.timestamp > newestDataTime) newestDataTime = point.timestamp;
    // EstimatedCharges is month-to-date: last month's figure is not this month's spend.
    if (point.timestamp.getTime() < monthStart) {
      increment(skipped, 'stale_billing_point');
      return;
    }
    samples.push(chargeSample(dimensions, point.value, options.accountId));
  });
  return { samples, skipped, newestDataTime };
}

function chargeSample(dimensions: Dimensions, value: number, accountId: string): Sample {
  const tags: RawTag[] = [
    ['account_id', accountId],
    ['billing_scope', billingScope(dimensions)],
  ];
  for (const [name, dimensionValue] of Object.entries(dimensions)) {
    tags.push([DIMENSION_TAG_KEYS[name] ?? name.toLowerCase(), dimensionValue]);
  }
  return { metric: 'estimatedCharges', value, currency: dimensions.Currency ?? 'USD', tags };
}

function filterReason(dimensions: Dimensions, options: EstimatedChargesOptions): SkipReason | undefined {
  if (!options.includeLinkedAccountServices && billingScope(dimensions) === 'linked_account_service') {
    return 'linked_account_service_disabled';
  }
  const service = dimensions.ServiceName?.toLowerCase();
  if (service === undefined) return undefined;
  if (options.serviceDenylist.has(service)) return 'service_filtered';
  if (options.serviceAllowlist.size > 0 && !options.serviceAllowlist.has(service)) return 'service_filtered';
  return undefined;
}

/** Every distinct dimension set of `EstimatedCharges`, in a stable order. */
async function listBillingSeries(
  client: CloudWatchClient,
  options: Pick<EstimatedChargesOptions, 'calls' | 'signal'>,
): Promise<Dimensions[]> {
  const byKey = new Map<string, Dimensions>();
  let nextToken: string | undefined;
  do {
    increment(options.calls, 'ListMetrics');
    const request = new ListMetricsCommand({ Namespace: BILLING_NAMESPACE, MetricName: ESTIMATED_CHARGES_METRIC, NextToken: nextToken });
    const page = await callNeeding('cloudwatch:ListMetrics', () => client.send(request, { abortSignal: options.signal }));
    for (const metric of page.Metrics ?? []) {
      const dimensions = toRecord(metric.Dimensions ?? []);
      // The same series can be listed more than once; keep one.
      byKey.set(seriesKey(dimensions), dimensions);
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return [...byKey.values()].sort(compareSeries);
}

const SCOPE_ORDER: readonly BillingScope[] = ['total', 'service', 'linked_account', 'linked_account_service'];

/** Account total first, then services, linked accounts, and linked account services: the order of the dry run's table. */
function compareSeries(a: Dimensions, b: Dimensions): number {
  const byScope = SCOPE_ORDER.indexOf(billingScope(a)) - SCOPE_ORDER.indexOf(billingScope(b));
  if (byScope !== 0) return byScope;
  for (const name of ['LinkedAccount', 'ServiceName', 'Currency']) {
    const order = (a[name] ?? '').localeCompare(b[name] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}

function toRecord(dimensions: readonly Dimension[]): Dimensions {
  const record: Record<string, string> = {};
  for (const { Name, Value } of dimensions) if (Name !== undefined && Value !== undefined) record[Name] = Value;
  return record;
}

function seriesKey(dimensions: Dimensions): string {
  return JSON.stringify(Object.entries(dimensions).sort(([a], [b]) => (a < b ? -1 : 1)));
}

interface Point {
  readonly timestamp: Date;
  readonly value: number;
}

/**
 * The newest `Maximum` point of each series, by index; `undefined` where the window holds none.
 * Batches of at most 500 queries run concurrently, each following its own `NextToken`.
 */
async function readNewestPoints(
  client: CloudWatchClient,
  series: readonly Dimensions[],
  options: EstimatedChargesOptions,
): Promise<(Point | undefined)[]> {
  const endTime = options.now;
  const hour = BILLING_PERIOD_SECONDS * 1000;
  const startTime = new Date(Math.floor((endTime.getTime() - BILLING_LOOKBACK_HOURS * hour) / hour) * hour);
  const newest: (Point | undefined)[] = new Array<Point | undefined>(series.length).fill(undefined);

  const batches: number[] = [];
  for (let first = 0; first < series.length; first += METRIC_DATA_QUERIES_PER_CALL) batches.push(first);

  const readBatch = async (first: number): Promise<void> => {
    const queries: MetricDataQuery[] = series.slice(first, first + METRIC_DATA_QUERIES_PER_CALL).map((dimensions, offset) => ({
      Id: `q${first + offset}`,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: BILLING_NAMESPACE,
          MetricName: ESTIMATED_CHARGES_METRIC,
          Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        },
        Period: BILLING_PERIOD_SECONDS,
        Stat: 'Maximum',
      },
    }));
    let nextToken: string | undefined;
    do {
      increment(options.calls, 'GetMetricData');
      const request = new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: startTime,
        EndTime: endTime,
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      });
      const page = await callNeeding('cloudwatch:GetMetricData', () => client.send(request, { abortSignal: options.signal }));
      for (const result of page.MetricDataResults ?? []) {
        const index = Number(result.Id?.slice(1));
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        // Pages may split one series' points; keep the newest across all of them.
        for (let i = 0; i < Math.min(timestamps.length, values.length); i += 1) {
          const current = newest[index];
          if (Number.isFinite(values[i]) && (current === undefined || timestamps[i] > current.timestamp)) {
            newest[index] = { timestamp: timestamps[i], value: values[i] };
          }
        }
      }
      nextToken = page.NextToken;
    } while (nextToken);
  };

  await runWithConcurrency(batches, options.concurrency ?? 8, readBatch);
  return newest;
}

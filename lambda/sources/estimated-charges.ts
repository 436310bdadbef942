/**
 * CloudWatch `AWS/Billing` `EstimatedCharges`: month-to-date charges for the account, per
 * service, per linked account, and per linked account and service.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  type GetMetricDataCommandInput,
  type Dimension,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import {
  BILLING_LOOKBACK_HOURS,
  BILLING_NAMESPACE,
  BILLING_REGION,
  BILLING_PERIOD_SECONDS,
  ESTIMATED_CHARGES_METRIC,
  LIST_METRICS_PAGE_SIZE,
  MAX_BILLING_SERIES,
  METRIC_DATA_POINTS_PER_PAGE,
  METRIC_DATA_QUERIES_PER_CALL,
} from '../billing-facts';
import { awsListing, followPages, pageCap } from '../paging';
import { BILLING_ALERTS_FIX, NoBillingMetricsError } from '../errors';
import type { Logger } from '../log';
import { increment, type CallCounter, type RawTag, type Sample, type SkipReason, type SourceResult } from '../samples';
import { shownValue } from '../secret-shape';
import { callNeeding } from './aws-errors';
import type { MetricDefinition } from '../metrics';
import { counted, defineSource, metricKeys, type SourceSwitch } from './source';

/** The metrics of this source (see `metrics.ts`): the charges, and the age of the newest point read. */
export const ESTIMATED_CHARGES_METRICS = {
  /** Month-to-date estimated charges from CloudWatch AWS/Billing EstimatedCharges. */
  estimatedCharges: {
    suffix: 'estimated_charges',
    tagKeys: ['account_id', 'billing_scope', 'currency', 'servicename', 'linkedaccount', 'account_name'],
  },
  /** Hours since the newest CloudWatch billing point; rises when billing alerts are off or AWS is late. */
  estimatedChargesAge: {
    suffix: 'estimated_charges.age',
    tagKeys: ['account_id'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Every series a run is built for, in full pages. */
const LIST_METRICS_PAGES = awsListing('ListMetrics', pageCap(MAX_BILLING_SERIES, LIST_METRICS_PAGE_SIZE));
/** The hourly points of one call's series over the look-back window, in full pages. */
const GET_METRIC_DATA_PAGES = awsListing(
  'GetMetricData',
  pageCap((METRIC_DATA_QUERIES_PER_CALL * BILLING_LOOKBACK_HOURS * 3600) / BILLING_PERIOD_SECONDS, METRIC_DATA_POINTS_PER_PAGE),
);

/** The IAM actions of the two CloudWatch calls. */
const LIST_METRICS = 'cloudwatch:ListMetrics';
const GET_METRIC_DATA = 'cloudwatch:GetMetricData';

/** CloudWatch billing metrics as a source: its switch, permissions and client, for every layer that loops over sources. */
export const estimatedChargesSource = defineSource({
  id: 'billing-metrics',
  title: `AWS/Billing metrics in ${BILLING_REGION}`,
  setting: 'collectEstimatedCharges',
  // The management account's EstimatedCharges carries every linked account's (LinkedAccount).
  scope: 'payer',
  trigger: 'schedule',
  switchDoc: 'Send CloudWatch `AWS/Billing` `EstimatedCharges`.',
  iam: [
    {
      sid: 'ReadBillingMetrics',
      actions: [GET_METRIC_DATA, LIST_METRICS],
      resource: '*',
      wildcardReason: 'cloudwatch:ListMetrics and cloudwatch:GetMetricData have no resource-level permissions.',
    },
  ],
  clients: { cloudWatch: (config) => new CloudWatchClient(config) },
  operations: [
    // CloudWatch bills GetMetricData per metric requested, not per call.
    {
      name: 'GetMetricData',
      title: 'CloudWatch GetMetricData',
      billedPer: 'metric',
      price: { usd: 0.01, per: 1_000 },
      billedUnits: (input) => (input as GetMetricDataCommandInput).MetricDataQueries?.length ?? 0,
    },
    { name: 'ListMetrics', title: 'CloudWatch ListMetrics', billedPer: 'request', price: { usd: 0.01, per: 1_000 } },
  ],
  skipReasons: [
    'stale_billing_point',
    'no_billing_point',
    'service_filtered',
    'linked_account_service_disabled',
    'unknown_dimension_set',
    'empty_dimension_value',
  ],
  metrics: metricKeys(ESTIMATED_CHARGES_METRICS),
  collect: ({ cloudWatch }, run) =>
    collectEstimatedCharges(cloudWatch, {
      accountId: run.accountId,
      now: run.now,
      includeLinkedAccountServices: run.config.collectLinkedAccountServices,
      serviceAllowlist: lowercased(run.config.serviceAllowlist),
      serviceDenylist: lowercased(run.config.serviceDenylist),
      calls: run.calls,
      signal: run.signal,
      log: run.log,
    }),
  probe: async ({ cloudWatch }, accountId) => {
    const page = await cloudWatch.send(new ListMetricsCommand({ Namespace: BILLING_NAMESPACE, MetricName: ESTIMATED_CHARGES_METRIC }));
    const listed = page.Metrics?.length ?? 0;
    if (listed === 0) {
      return {
        ok: false,
        detail: `no ${BILLING_NAMESPACE} ${ESTIMATED_CHARGES_METRIC} metrics in account ${accountId}: billing alerts are off`,
        fix: BILLING_ALERTS_FIX,
      };
    }
    return { ok: true, detail: `${page.NextToken === undefined ? '' : 'at least '}${counted(listed, 'metric')} listed` };
  },
});

/** CloudWatch's service names are matched without regard to case. */
function lowercased(names: readonly string[] | undefined): ReadonlySet<string> {
  return new Set((names ?? []).map((name) => name.toLowerCase()));
}

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
  /** Warns of the series skipped for their dimensions. */
  readonly log: Logger;
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

/**
 * The dimension names of each scope, sorted: the four sets CloudWatch gives `EstimatedCharges`.
 * A series with any other set is not sent: folded into a known scope it would double count
 * (a second `billing_scope:total`), and its other dimensions would become tags of their own,
 * even the collector's (`account_id`). Within these sets every dimension has a tag key of its
 * own, so AWS data cannot give one of the collector's tag keys a second value.
 */
const SCOPE_DIMENSIONS: Readonly<Record<BillingScope, readonly string[]>> = {
  total: ['Currency'],
  service: ['Currency', 'ServiceName'],
  linked_account: ['Currency', 'LinkedAccount'],
  linked_account_service: ['Currency', 'LinkedAccount', 'ServiceName'],
};

/** The levels, from the account total to the linked account services. */
export const BILLING_SCOPES = Object.keys(SCOPE_DIMENSIONS) as readonly BillingScope[];

/** The linked account × service level's switch, and the reason its series are counted as skipped when it is off. */
const LINKED_ACCOUNT_SERVICES_SWITCH = { setting: 'collectLinkedAccountServices', reason: 'linked_account_service_disabled' } as const;

/** The levels a setting can switch off: the setting, and the reason their series are then counted as skipped. */
export const LEVEL_SWITCHES: Readonly<Partial<Record<BillingScope, { readonly setting: SourceSwitch; readonly reason: SkipReason }>>> = {
  linked_account_service: LINKED_ACCOUNT_SERVICES_SWITCH,
};

/** The known set of a record's scope, when the record has exactly its names; else undefined. */
function knownNames(dimensions: Dimensions): readonly string[] | undefined {
  const names = SCOPE_DIMENSIONS[billingScope(dimensions)];
  let count = 0;
  for (const name in dimensions) {
    if (!names.includes(name)) return undefined;
    count += 1;
  }
  return count === names.length ? names : undefined;
}

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
export async function collectEstimatedCharges(client: CloudWatchClient, options: EstimatedChargesOptions): Promise<SourceResult> {
  const skipped: Partial<Record<SkipReason, number>> = {};
  // GetMetricData starts as soon as 500 wanted series are listed, while the next ListMetrics
  // pages are still on their way: the reading overlaps the listing instead of following it.
  const reader = new NewestPointReader(client, options);
  const wanted: Dimensions[] = [];
  let listedCount = 0;
  /** `reason\0dimension names` -> series skipped: one warning per kind of series, not per series. */
  const unusable = new Map<string, number>();
  await listBillingSeries(client, options, (dimensions, problem) => {
    listedCount += 1;
    if (problem !== undefined) {
      increment(skipped, problem.reason);
      unusable.set(`${problem.reason}\0${problem.names}`, (unusable.get(`${problem.reason}\0${problem.names}`) ?? 0) + 1);
      return;
    }
    const reason = filterReason(dimensions, options);
    if (reason !== undefined) {
      increment(skipped, reason);
      return;
    }
    wanted.push(dimensions);
    reader.add(dimensions);
  });
  if (listedCount === 0) throw new NoBillingMetricsError();
  for (const [id, count] of unusable) {
    const [reason, names] = id.split('\0');
    const set = names === '' ? 'none' : `{${names.split(',').map(shownValue).join(', ')}}`;
    // The reason names the problem; the docs' table of skip reasons says what it means.
    options.log.warn(`Skipped ${count} EstimatedCharges series with the dimensions ${set}: ${reason}`, {
      reason,
      dimensions: names.split(','),
      series: count,
    });
  }
  const newestBySeries = await reader.finish();
  const monthStart = startOfUtcMonth(options.now).getTime();
  const samples: Sample[] = [];
  let newestDataTime: Date | undefined;
  for (const dimensions of sortedSeries(wanted)) {
    const point = newestBySeries.get(dimensions);
    if (point === undefined) {
      increment(skipped, 'no_billing_point');
      continue;
    }
    if (newestDataTime === undefined || point.timestamp > newestDataTime) newestDataTime = point.timestamp;
    // EstimatedCharges is month-to-date: last month's figure is not this month's spend.
    if (point.timestamp.getTime() < monthStart) {
      increment(skipped, 'stale_billing_point');
      continue;
    }
    samples.push(chargeSample(dimensions, point.value, options.accountId));
  }
  return { samples, skipped, newestDataTime };
}

function chargeSample(dimensions: Dimensions, value: number, accountId: string): Sample {
  const tags: RawTag[] = [
    ['account_id', accountId],
    ['billing_scope', billingScope(dimensions)],
  ];
  // for...in rather than Object.entries: no array per dimension (a run has thousands of series).
  for (const name in dimensions) tags.push([DIMENSION_TAG_KEYS[name], dimensions[name]]);
  // Every known dimension set has a Currency.
  return { metric: 'estimatedCharges', value, currency: dimensions.Currency, tags };
}

function filterReason(dimensions: Dimensions, options: EstimatedChargesOptions): SkipReason | undefined {
  if (!options.includeLinkedAccountServices && billingScope(dimensions) === 'linked_account_service') {
    return LINKED_ACCOUNT_SERVICES_SWITCH.reason;
  }
  const service = dimensions.ServiceName?.toLowerCase();
  if (service === undefined) return undefined;
  if (options.serviceDenylist.has(service)) return 'service_filtered';
  if (options.serviceAllowlist.size > 0 && !options.serviceAllowlist.has(service)) return 'service_filtered';
  return undefined;
}

/** Why a listed series cannot be sent, and its dimension names, sorted and comma-separated. */
interface DimensionProblem {
  readonly reason: Extract<SkipReason, 'unknown_dimension_set' | 'empty_dimension_value'>;
  readonly names: string;
}

/** Whether a series (as listed, and as a record) has one of the four known dimension sets, each with a value. */
function dimensionProblem(listed: readonly Dimension[], dimensions: Dimensions): DimensionProblem | undefined {
  // The usual series, told without sorting: as many listed as its known set has names, and the
  // record has exactly those (so each was listed once, with a value).
  const known = knownNames(dimensions);
  if (known !== undefined && listed.length === known.length && listed.every(({ Value }) => (Value ?? '').trim() !== '')) return undefined;
  // The names as listed, so that a repeated name is an unknown set too.
  const names = listed.map(({ Name }) => Name ?? '').sort();
  const joined = names.join(',');
  if (joined !== SCOPE_DIMENSIONS[billingScope(dimensions)].join(',')) return { reason: 'unknown_dimension_set', names: joined };
  if (listed.some(({ Value }) => (Value ?? '').trim() === '')) return { reason: 'empty_dimension_value', names: joined };
  return undefined;
}

/**
 * Every distinct dimension set of `EstimatedCharges`, handed to `onSeries` as each page arrives,
 * with the reason it cannot be sent, if any.
 */
async function listBillingSeries(
  client: CloudWatchClient,
  options: Pick<EstimatedChargesOptions, 'calls' | 'signal'>,
  onSeries: (dimensions: Dimensions, problem: DimensionProblem | undefined) => void,
): Promise<void> {
  const seen = new Set<string>();
  await followPages(LIST_METRICS_PAGES, async (nextToken) => {
    increment(options.calls, 'ListMetrics');
    const request = new ListMetricsCommand({ Namespace: BILLING_NAMESPACE, MetricName: ESTIMATED_CHARGES_METRIC, NextToken: nextToken });
    const page = await callNeeding(LIST_METRICS, () => client.send(request, { abortSignal: options.signal }));
    for (const metric of page.Metrics ?? []) {
      const listed = metric.Dimensions ?? [];
      const dimensions = toRecord(listed);
      const key = seriesKey(dimensions);
      // The same series can be listed more than once; keep one.
      if (seen.has(key)) continue;
      seen.add(key);
      onSeries(dimensions, dimensionProblem(listed, dimensions));
    }
    return page.NextToken;
  });
}

/** Within a scope, series are ordered by these dimensions' values. */
const SORTED_BY = ['LinkedAccount', 'ServiceName', 'Currency'] as const;

/**
 * Account total first, then services, linked accounts, and linked account services (the order of
 * the dry run's table); within a scope by linked account, service and currency (a missing
 * dimension as ''), each by `compareText`. Each distinct value is ranked once, so that sorting
 * thousands of series compares numbers.
 */
function sortedSeries(series: readonly Dimensions[]): Dimensions[] {
  const distinct = new Set<string>();
  for (const dimensions of series) for (const name of SORTED_BY) distinct.add(dimensions[name] ?? '');
  const rank = new Map([...distinct].sort(compareText).map((value, index) => [value, index]));
  const keyed = series.map((dimensions) => ({
    dimensions,
    key: [BILLING_SCOPES.indexOf(billingScope(dimensions)), ...SORTED_BY.map((name) => rank.get(dimensions[name] ?? '') as number)],
  }));
  // No two series have one key: the listing keeps one per dimension set.
  keyed.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || a.key[3] - b.key[3]);
  return keyed.map(({ dimensions }) => dimensions);
}

/**
 * Code-unit order of the lowercased texts, then of the texts (`Amazon EC2`, `amazon S3`, `AWS
 * Lambda`): the same on every runtime whatever its locale, and without `localeCompare`, whose
 * first call in a process loads ICU's collator (15 ms and more of a cold run's CPU).
 */
export function compareText(a: string, b: string): number {
  const lowerA = a.toLowerCase();
  const lowerB = b.toLowerCase();
  if (lowerA !== lowerB) return lowerA < lowerB ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A record back as CloudWatch's list, in the listing's order. */
function dimensionList(dimensions: Dimensions): Dimension[] {
  const list: Dimension[] = [];
  for (const Name in dimensions) list.push({ Name, Value: dimensions[Name] });
  return list;
}

function toRecord(dimensions: readonly Dimension[]): Dimensions {
  const record: Record<string, string> = {};
  for (const { Name, Value } of dimensions) if (Name !== undefined && Value !== undefined) record[Name] = Value;
  return record;
}

/** `[["Currency","USD"],["ServiceName","AmazonEC2"]]`: the names in code-unit order, whatever the listing's. */
function seriesKey(dimensions: Dimensions): string {
  // A known set's names are in that order already: only other sets are sorted.
  const names = knownNames(dimensions) ?? Object.keys(dimensions).sort();
  return JSON.stringify(names.map((name) => [name, dimensions[name]]));
}

interface Point {
  readonly timestamp: Date;
  readonly value: number;
}

/**
 * Reads the newest `Maximum` point of series handed to it one by one: a GetMetricData call per
 * 500 series, started as soon as 500 are waiting, at most `concurrency` at once, each following
 * its own `NextToken`.
 */
class NewestPointReader {
  private readonly newest = new Map<Dimensions, Point>();
  private pending: Dimensions[] = [];
  /** Batches waiting for a free slot, with the run-wide index of their first series (query ids stay unique across calls). */
  private readonly queue: { readonly first: number; readonly batch: Dimensions[] }[] = [];
  private queued = 0;
  private readonly reads: Promise<void>[] = [];
  private running = 0;
  private readonly startTime: Date;

  constructor(
    private readonly client: CloudWatchClient,
    private readonly options: EstimatedChargesOptions,
  ) {
    const hour = BILLING_PERIOD_SECONDS * 1000;
    this.startTime = new Date(Math.floor((options.now.getTime() - BILLING_LOOKBACK_HOURS * hour) / hour) * hour);
  }

  public add(dimensions: Dimensions): void {
    this.pending.push(dimensions);
    if (this.pending.length === METRIC_DATA_QUERIES_PER_CALL) this.flush();
  }

  /** Reads what is still waiting and returns the newest point of every series that has one. */
  public async finish(): Promise<Map<Dimensions, Point>> {
    if (this.pending.length > 0) this.flush();
    // allSettled first, so no read is left running unobserved when one fails.
    const settled = await Promise.allSettled(this.reads);
    const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return this.newest;
  }

  private flush(): void {
    this.queue.push({ first: this.queued, batch: this.pending });
    this.queued += this.pending.length;
    this.pending = [];
    this.startQueued();
  }

  private startQueued(): void {
    while (this.running < (this.options.concurrency ?? 8) && this.queue.length > 0) {
      const { first, batch } = this.queue.shift() as { first: number; batch: Dimensions[] };
      this.running += 1;
      const read = this.readBatch(first, batch).finally(() => {
        this.running -= 1;
        this.startQueued();
      });
      read.catch(() => undefined); // observed in finish()
      this.reads.push(read);
    }
  }

  private async readBatch(first: number, batch: readonly Dimensions[]): Promise<void> {
    const queries: MetricDataQuery[] = batch.map((dimensions, offset) => ({
      Id: `q${first + offset}`,
      ReturnData: true,
      MetricStat: {
        Metric: {
          Namespace: BILLING_NAMESPACE,
          MetricName: ESTIMATED_CHARGES_METRIC,
          Dimensions: dimensionList(dimensions),
        },
        Period: BILLING_PERIOD_SECONDS,
        Stat: 'Maximum',
      },
    }));
    await followPages(GET_METRIC_DATA_PAGES, async (nextToken) => {
      increment(this.options.calls, 'GetMetricData');
      const request = new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: this.startTime,
        EndTime: this.options.now,
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      });
      const page = await callNeeding(GET_METRIC_DATA, () => this.client.send(request, { abortSignal: this.options.signal }));
      for (const result of page.MetricDataResults ?? []) {
        const dimensions = batch[Number(result.Id?.slice(1)) - first];
        if (dimensions === undefined) continue;
        const timestamps = result.Timestamps ?? [];
        const values = result.Values ?? [];
        // Pages may split one series' points; keep the newest across all of them.
        const current = this.newest.get(dimensions);
        let newest = current;
        for (let i = 0; i < Math.min(timestamps.length, values.length); i += 1) {
          if (Number.isFinite(values[i]) && (newest === undefined || timestamps[i].getTime() > newest.timestamp.getTime())) {
            newest = { timestamp: timestamps[i], value: values[i] };
          }
        }
        if (newest !== current && newest !== undefined) this.newest.set(dimensions, newest);
      }
      return page.NextToken;
    });
  }
}

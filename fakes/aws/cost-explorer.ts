/**
 * AWS Cost Explorer in the fake AWS: `GetCostAndUsage` and `GetCostForecast`, which moto does not
 * serve (it answers `GetCostAndUsage` only from results queued in advance, without grouping or
 * paging, and has no forecast). Answered from daily cost rows (per account, service and
 * cost-allocation tags) and a forecast rate, seeded as plain objects.
 * Wire protocol: AWS JSON 1.1, `X-Amz-Target: AWSInsightsIndexService.<Operation>`.
 *
 * As AWS answers (the SDK's shapes in `@aws-sdk/client-cost-explorer`, `models_0.d.ts`, and
 * answers AWS gave others): end dates are exclusive; a MONTHLY period is the part of a calendar
 * month inside the request; amounts are decimal strings of at most 10 places ("0.000000155") and
 * may be negative (credits, refunds); a grouped period carries `Total: {}` and its `Groups`,
 * sorted by their keys, an ungrouped one its `Total` and `Groups: []`; a tag's group key is
 * `<key>$<value>`, and `<key>$` for resources without the tag; grouping by `LINKED_ACCOUNT` names
 * each account in `DimensionValueAttributes` (`Attributes.description`); each period is
 * `Estimated` until AWS finalizes it. The payer account (the fake's own) reads every linked
 * account's costs; a member account reads its own only if the payer allowed member access, and is
 * refused otherwise. Each page is a request, and AWS bills each.
 *
 * Differences from AWS: only the four cost metrics (not `BlendedCost`, `UsageQuantity`,
 * `NormalizedUsageAmount`), DAILY and MONTHLY (not HOURLY), group-bys on the `SERVICE` and
 * `LINKED_ACCOUNT` dimensions and on tags (not other dimensions or cost categories), no `Filter`
 * and no billing views; a page holds `pageSize` groups (AWS documents no page size) and a period
 * whose groups span two pages appears on both with its part of them; the forecast is a seeded
 * daily rate, its interval a seeded fraction of the mean at every level; the wording of the
 * errors not quoted from AWS is the fake's own (marked below).
 */
import { createHash } from 'node:crypto';
import { pageToken } from './paging';
import { awsJson } from './protocols';
import { AwsError, type AwsService, type FakeAccounts, type OperationContext, type OperationInput } from './service';
import { accountNamed, type OrganizationsSeed } from './organizations';
import { costAnomalyOperations, type CostAnomaliesSeed } from './cost-anomalies';

/** The cost metrics the fake serves, as GetCostAndUsage names them in `Metrics` and in its answer. */
export const COST_METRICS = ['UnblendedCost', 'AmortizedCost', 'NetUnblendedCost', 'NetAmortizedCost'] as const;
export type CostMetric = (typeof COST_METRICS)[number];

/** The same metrics as GetCostForecast names them in `Metric`. */
export const FORECAST_METRICS: Readonly<Record<string, CostMetric>> = {
  UNBLENDED_COST: 'UnblendedCost',
  AMORTIZED_COST: 'AmortizedCost',
  NET_UNBLENDED_COST: 'NetUnblendedCost',
  NET_AMORTIZED_COST: 'NetAmortizedCost',
};

/** AWS's limits for Cost Explorer, and the fake's page size: stated here on their own, so the fake checks the collector's. */
export const COST_EXPLORER_LIMITS = {
  /** GetCostAndUsage `GroupBy`: at most two entries (the API reference; aws/aws-sdk#369). */
  maxGroupBy: 2,
  /** Groups (or, ungrouped, periods) per GetCostAndUsage page: the fake's choice, AWS documents none. */
  defaultPageSize: 1000,
  /** GetCostForecast reaches this many months ahead: 3 months of DAILY, 18 of MONTHLY (the SDK's `Granularity` doc). */
  forecastMonths: { DAILY: 3, MONTHLY: 18 },
  /**
   * GetCostForecast `PredictionIntervalLevel`: 51 to 99 in the API reference's request
   * parameters, expected, not confirmed (the SDK's types carry no range).
   */
  predictionIntervalLevel: { min: 51, max: 99 },
} as const;

/** One day's cost of one service in one linked account, for one combination of tags. */
export interface CostRowSeed {
  /** The UTC day, `YYYY-MM-DD`. */
  readonly date: string;
  /** The linked account whose usage it is. @default the fake's own account (the payer) */
  readonly accountId?: string;
  /** As Cost Explorer names services ("Amazon Elastic Compute Cloud - Compute"), not CloudWatch's `ServiceName` ("AmazonEC2"). */
  readonly service: string;
  /** The resources' cost-allocation tags; grouping by a key absent here gives the empty value. @default none */
  readonly tags?: Readonly<Record<string, string>>;
  /** In USD; negative for a credit or a refund. */
  readonly UnblendedCost: number;
  /** @default UnblendedCost */
  readonly AmortizedCost?: number;
  /** @default UnblendedCost */
  readonly NetUnblendedCost?: number;
  /** @default AmortizedCost */
  readonly NetAmortizedCost?: number;
}

/** What GetCostForecast predicts, per day from today on. */
export interface ForecastSeed {
  /** The mean forecast of one day's cost in USD: one figure for every metric, or per metric (a metric left out has no forecast). */
  readonly dailyMean: number | Readonly<Partial<Record<CostMetric, number>>>;
  /** Half the prediction interval's width, as a fraction of the mean, at any `PredictionIntervalLevel`. @default 0.1 */
  readonly spread?: number;
}

/** The state of Cost Explorer in the payer account. */
export type CostExplorerState = 'enabled' | 'not-enabled' | 'no-data-yet';

/** The Cost Explorer data of the payer account. */
export interface CostExplorerData {
  /** `enabled`; `not-enabled`: every call is `AccessDeniedException`; `no-data-yet` (just enabled): every call is `DataUnavailableException`. @default 'enabled' */
  readonly state?: CostExplorerState;
  /** Daily costs, in any order; rows of one day, account, service and tags add up. @default none */
  readonly costs?: readonly CostRowSeed[];
  /** @default none: GetCostForecast is `DataUnavailableException` (too little history) */
  readonly forecast?: ForecastSeed;
  /** Account names for `DimensionValueAttributes`, by account id. @default the organization's names (`organization.accounts`) */
  readonly accountNames?: Readonly<Record<string, string>>;
  /** The fake's current UTC day, `YYYY-MM-DD`, which bounds requests and forecasts. @default the real UTC day of each request */
  readonly today?: string;
  /**
   * Costs before this day (`YYYY-MM-DD`) are final: a period whose (exclusive) `End` is on or
   * before it is `Estimated: false`, any other `Estimated: true`. @default the 1st of today's month
   */
  readonly finalBefore?: string;
  /** Groups (or, ungrouped, periods) per GetCostAndUsage page. @default COST_EXPLORER_LIMITS.defaultPageSize */
  readonly pageSize?: number;
  /** The payer lets member accounts read their own costs; otherwise a member's call is `AccessDeniedException`. @default false */
  readonly memberAccess?: boolean;
}

/** The Cost Explorer part of the fake's data. */
export interface CostExplorerSeed {
  /** @default none: Cost Explorer is not enabled, every call is `AccessDeniedException` */
  readonly costExplorer?: CostExplorerData;
}

// Messages AWS gave (quoted in public reports of these errors).
const NOT_ENABLED = 'User not enabled for cost explorer access';
const NO_DATA =
  'Data is not available. Please try to adjust the time period. If just enabled Cost Explorer, data might not be ingested yet';
const START_NOT_BEFORE_END = 'Start date (and hour) should be before end date (and hour)';
const PAST_NEXT_MONTH = 'end date past the beginning of next month';
const GROUP_TYPE = 'Group Definition type is invalid.';
const GROUP_EMPTY = 'Group Definition is invalid. Both type an key need to be set to a non-empty value.';
// The service model's documentation of these errors.
const BAD_TOKEN = 'The pagination token is invalid. Try again without a pagination token.';
const CHANGED = 'Your request parameters changed between pages. Try again with the old parameters or without a pagination token.';
// The fake's own wording (AWS's is not known here).
const TOO_MANY_GROUPS = `GroupBy has at most ${COST_EXPLORER_LIMITS.maxGroupBy} entries`;
const NO_FORECAST = 'Insufficient amount of historical data to generate forecast.';

const DAY_MS = 86_400_000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ACCOUNT_ID = /^\d{12}$/;

/** A day as a count of days since 1970-01-01, so that ranges are integer arithmetic. */
type Day = number;

function dayOf(text: string): Day | undefined {
  const match = DATE.exec(text);
  if (match === null) return undefined;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  // Date.UTC rolls 2024-02-30 over into March: a date that does not round-trip does not exist.
  return new Date(ms).toISOString().slice(0, 10) === text ? ms / DAY_MS : undefined;
}

function textOf(day: Day): string {
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** The 1st of the month `months` after the month of `day`. */
function monthStart(day: Day, months = 0): Day {
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, 1) / DAY_MS;
}

/** The same day of the month `months` later (rolled over into the next month past its end, as Date.UTC does). */
function monthsLater(day: Day, months: number): Day {
  const date = new Date(day * DAY_MS);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + months, date.getUTCDate()) / DAY_MS;
}

/** An amount as Cost Explorer writes it: at most 10 decimal places, no trailing zeros, never `-0`. */
export function amountText(value: number): string {
  const text = value.toFixed(10).replace(/\.?0+$/, '');
  return text === '-0' ? '0' : text;
}

interface Row {
  readonly day: Day;
  readonly accountId: string;
  readonly service: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly amounts: Readonly<Record<CostMetric, number>>;
}

/** One GroupBy entry, checked. */
interface Grouping {
  readonly Type: 'DIMENSION' | 'TAG';
  readonly Key: string;
}

interface Period {
  readonly start: Day;
  readonly end: Day;
}

/** A period's answer before paging: its groups (or, ungrouped, its total). */
interface PeriodResult {
  readonly period: Period;
  readonly estimated: boolean;
  readonly total?: Readonly<Record<string, { Amount: string; Unit: string }>>;
  readonly groups: readonly { Keys: string[]; Metrics: Record<string, { Amount: string; Unit: string }> }[];
}

const validation = (message: string) => new AwsError('ValidationException', message);

/** The request's `TimePeriod`, checked as both operations check it. */
function timePeriodOf(input: OperationInput): Period & { startText: string; endText: string } {
  const period = input.TimePeriod as { Start?: unknown; End?: unknown } | undefined;
  const startText = typeof period?.Start === 'string' ? period.Start : '';
  const endText = typeof period?.End === 'string' ? period.End : '';
  const start = dayOf(startText);
  const end = dayOf(endText);
  if (start === undefined || end === undefined) {
    // The fake's wording.
    throw validation(`TimePeriod needs Start and End as YYYY-MM-DD dates, got "${startText}" and "${endText}"`);
  }
  return { start, end, startText, endText };
}

function granularityOf(input: OperationInput): 'DAILY' | 'MONTHLY' {
  const granularity = input.Granularity;
  if (granularity === 'DAILY' || granularity === 'MONTHLY') return granularity;
  // The fake's wording; AWS also serves HOURLY, which the fake does not.
  throw validation(`The fake AWS serves Granularity DAILY or MONTHLY, got "${String(granularity)}"`);
}

/** The periods of [start, end) at this granularity: days, or the parts of calendar months inside it. */
function periodsOf(start: Day, end: Day, granularity: 'DAILY' | 'MONTHLY'): Period[] {
  const periods: Period[] = [];
  for (let at = start; at < end;) {
    const next = granularity === 'DAILY' ? at + 1 : Math.min(monthStart(at, 1), end);
    periods.push({ start: at, end: next });
    at = next;
  }
  return periods;
}

/** The Cost Explorer service over this data. */
export function costExplorerService(seed: CostExplorerSeed & CostAnomaliesSeed & OrganizationsSeed, accounts: FakeAccounts): AwsService {
  const data = seed.costExplorer;
  const state: CostExplorerState = data === undefined ? 'not-enabled' : (data.state ?? 'enabled');
  const pageSize = data?.pageSize ?? COST_EXPLORER_LIMITS.defaultPageSize;
  if (!Number.isInteger(pageSize) || pageSize < 1) {
    throw new RangeError(`costExplorer.pageSize is a whole number of 1 or more, got ${pageSize}`);
  }
  const fixedToday = data?.today === undefined ? undefined : dayOf(data.today);
  if (data?.today !== undefined && fixedToday === undefined) {
    throw new RangeError(`costExplorer.today is a YYYY-MM-DD date, got "${data.today}"`);
  }
  const finalBefore = data?.finalBefore === undefined ? undefined : dayOf(data.finalBefore);
  if (data?.finalBefore !== undefined && finalBefore === undefined) {
    throw new RangeError(`costExplorer.finalBefore is a YYYY-MM-DD date, got "${data.finalBefore}"`);
  }
  // The organization's names are looked up when a group is named: a generated organization
  // (the benchmark's 10,000 accounts) is not made whole for them.
  const given = new Map(Object.entries(data?.accountNames ?? {}));
  const organizationAccounts = seed.organization?.accounts;
  const nameOf = (id: string): string | undefined =>
    given.get(id) ?? (organizationAccounts === undefined ? undefined : accountNamed(organizationAccounts, id));
  const rowsByDay = new Map<Day, Row[]>();
  for (const row of data?.costs ?? []) {
    const day = dayOf(row.date);
    if (day === undefined) throw new RangeError(`a seeded cost row's date is YYYY-MM-DD, got "${row.date}"`);
    const accountId = row.accountId ?? accounts.ownAccountId;
    if (!ACCOUNT_ID.test(accountId)) throw new RangeError(`a seeded cost row's accountId is 12 digits, got "${accountId}"`);
    const amortized = row.AmortizedCost ?? row.UnblendedCost;
    const amounts = {
      UnblendedCost: row.UnblendedCost,
      AmortizedCost: amortized,
      NetUnblendedCost: row.NetUnblendedCost ?? row.UnblendedCost,
      NetAmortizedCost: row.NetAmortizedCost ?? amortized,
    };
    for (const [metric, amount] of Object.entries(amounts)) {
      if (!Number.isFinite(amount)) throw new RangeError(`a seeded cost row's ${metric} is a finite number, got ${amount}`);
    }
    const rows = rowsByDay.get(day) ?? [];
    rows.push({ day, accountId, service: row.service, tags: row.tags ?? {}, amounts });
    rowsByDay.set(day, rows);
  }

  const todayNow = (): Day => fixedToday ?? Math.floor(Date.now() / DAY_MS);

  /** Refuses a caller Cost Explorer would refuse, and says which accounts' costs it reads (`undefined`: all). */
  const readableBy = ({ caller }: OperationContext): string | undefined => {
    if (state === 'not-enabled') throw new AwsError('AccessDeniedException', NOT_ENABLED);
    if (caller.accountId === accounts.ownAccountId) return undefined;
    if (data?.memberAccess !== true) throw new AwsError('AccessDeniedException', NOT_ENABLED);
    return caller.accountId;
  };

  const isEstimated = (period: Period, today: Day): boolean => period.end > (finalBefore ?? monthStart(today));

  const getCostAndUsage = (input: OperationInput, context: OperationContext): string => {
    const account = readableBy(context);
    const today = todayNow();
    const { start, end } = timePeriodOf(input);
    if (start >= end) throw validation(START_NOT_BEFORE_END);
    if (end > monthStart(today, 1)) throw validation(PAST_NEXT_MONTH);
    const granularity = granularityOf(input);
    const metrics = metricsOf(input.Metrics);
    const groupings = groupingsOf(input.GroupBy);
    if (state === 'no-data-yet') throw new AwsError('DataUnavailableException', NO_DATA);
    const fingerprint = fingerprintOf(input);
    const offset = offsetOf(input.NextPageToken, fingerprint);

    const results: PeriodResult[] = periodsOf(start, end, granularity).map((period) => {
      const sums = new Map<string, { keys: string[]; amounts: Record<CostMetric, number> }>();
      for (let day = period.start; day < period.end; day += 1) {
        for (const row of rowsByDay.get(day) ?? []) {
          if (account !== undefined && row.accountId !== account) continue;
          const keys = groupings.map((grouping) => groupKey(row, grouping));
          const id = keys.join('\u0000');
          const sum = sums.get(id) ?? { keys, amounts: { UnblendedCost: 0, AmortizedCost: 0, NetUnblendedCost: 0, NetAmortizedCost: 0 } };
          for (const metric of COST_METRICS) sum.amounts[metric] += row.amounts[metric];
          sums.set(id, sum);
        }
      }
      const metricValues = (amounts: Record<CostMetric, number>) =>
        Object.fromEntries(metrics.map((metric) => [metric, { Amount: amountText(amounts[metric]), Unit: 'USD' }]));
      const estimated = isEstimated(period, today);
      if (groupings.length === 0) {
        const all = [...sums.values()][0]?.amounts ?? { UnblendedCost: 0, AmortizedCost: 0, NetUnblendedCost: 0, NetAmortizedCost: 0 };
        return { period, estimated, total: metricValues(all), groups: [] };
      }
      const groups = [...sums.values()]
        .sort((a, b) => compareKeys(a.keys, b.keys))
        .map((sum) => ({ Keys: sum.keys, Metrics: metricValues(sum.amounts) }));
      return { period, estimated, groups };
    });

    // A page holds `pageSize` slots: a group, or a period with no groups (or ungrouped).
    const slots = results.reduce((count, result) => count + Math.max(1, result.groups.length), 0);
    if (offset >= slots && offset > 0) throw new AwsError('InvalidNextTokenException', BAD_TOKEN);
    const pageEnd = offset + pageSize;
    const page: object[] = [];
    const accountsOnPage = new Set<string>();
    let at = 0;
    for (const result of results) {
      const width = Math.max(1, result.groups.length);
      const from = Math.max(offset, at);
      const to = Math.min(pageEnd, at + width);
      if (from < to) {
        const groups = result.groups.slice(from - at, to - at);
        page.push({
          TimePeriod: { Start: textOf(result.period.start), End: textOf(result.period.end) },
          Total: result.total ?? {},
          Groups: groups,
          Estimated: result.estimated,
        });
        groupings.forEach((grouping, index) => {
          if (grouping.Type === 'DIMENSION' && grouping.Key === 'LINKED_ACCOUNT')
            for (const group of groups) accountsOnPage.add(group.Keys[index]);
        });
      }
      at += width;
    }
    return JSON.stringify({
      ...(groupings.length > 0 ? { GroupDefinitions: groupings } : {}),
      ResultsByTime: page,
      DimensionValueAttributes: [...accountsOnPage].map((id) => ({
        Value: id,
        Attributes: nameOf(id) === undefined ? {} : { description: nameOf(id) },
      })),
      ...(pageEnd < slots ? { NextPageToken: pageToken(`${TOKEN_KIND}:${fingerprint}`, pageEnd) } : {}),
    });
  };

  const getCostForecast = (input: OperationInput, context: OperationContext): string => {
    readableBy(context);
    const today = todayNow();
    const { start, end, startText, endText } = timePeriodOf(input);
    if (start >= end) throw validation(`Requested Start: ${startText} must be before requested End: ${endText}`);
    // The fake's wording: the API reference says only that a start before today is a validation error.
    if (start < today) throw validation(`Requested Start: ${startText} must not be before the current date: ${textOf(today)}`);
    const granularity = granularityOf(input);
    if (end > monthsLater(today, COST_EXPLORER_LIMITS.forecastMonths[granularity])) {
      throw validation(`A ${granularity} forecast reaches at most ${COST_EXPLORER_LIMITS.forecastMonths[granularity]} months ahead`);
    }
    const metric = typeof input.Metric === 'string' ? FORECAST_METRICS[input.Metric] : undefined;
    if (metric === undefined) {
      throw validation(`The fake AWS forecasts Metric ${Object.keys(FORECAST_METRICS).join(', ')}, got "${String(input.Metric)}"`);
    }
    const level = input.PredictionIntervalLevel;
    const { min, max } = COST_EXPLORER_LIMITS.predictionIntervalLevel;
    if (level !== undefined && (typeof level !== 'number' || !Number.isInteger(level) || level < min || level > max)) {
      throw validation(`PredictionIntervalLevel is a whole number from ${min} to ${max}, got ${String(level)}`);
    }
    if (state === 'no-data-yet') throw new AwsError('DataUnavailableException', NO_DATA);
    const forecast = data?.forecast;
    const daily = typeof forecast?.dailyMean === 'number' ? forecast.dailyMean : forecast?.dailyMean[metric];
    if (forecast === undefined || daily === undefined) throw new AwsError('DataUnavailableException', NO_FORECAST);
    const spread = forecast.spread ?? 0.1;
    return JSON.stringify({
      Total: { Amount: amountText(daily * (end - start)), Unit: 'USD' },
      ForecastResultsByTime: periodsOf(start, end, granularity).map((period) => {
        const mean = daily * (period.end - period.start);
        return {
          TimePeriod: { Start: textOf(period.start), End: textOf(period.end) },
          MeanValue: amountText(mean),
          // The interval is sent only when a level is asked for: "You can request a prediction interval".
          ...(level === undefined
            ? {}
            : {
                PredictionIntervalLowerBound: amountText(mean - Math.abs(mean) * spread),
                PredictionIntervalUpperBound: amountText(mean + Math.abs(mean) * spread),
              }),
        };
      }),
    });
  };

  return {
    protocol: awsJson({ targetPrefix: 'AWSInsightsIndexService', version: '1.1' }),
    operations: {
      GetCostAndUsage: getCostAndUsage,
      GetCostForecast: getCostForecast,
      // Cost Anomaly Detection answers on the same endpoint, to the same callers.
      ...costAnomalyOperations(seed, () => textOf(todayNow()), readableBy),
    },
  };
}

const TOKEN_KIND = 'GetCostAndUsage';

/** The request without its page token: a token is good only for the request that got it. */
function fingerprintOf(input: OperationInput): string {
  // JSON.stringify leaves out a key whose value is undefined.
  return createHash('sha256')
    .update(JSON.stringify({ ...input, NextPageToken: undefined }))
    .digest('hex')
    .slice(0, 12);
}

/** Where the page a token names starts: `InvalidNextTokenException` for a token the fake did not issue, `RequestChangedException` for one of another request. */
function offsetOf(token: unknown, fingerprint: string): number {
  if (token === undefined || token === null) return 0;
  const text = typeof token === 'string' ? Buffer.from(token, 'base64').toString() : '';
  const match = new RegExp(`^${TOKEN_KIND}:([0-9a-f]{12}):(\\d+)$`).exec(text);
  if (match === null) throw new AwsError('InvalidNextTokenException', BAD_TOKEN);
  if (match[1] !== fingerprint) throw new AwsError('RequestChangedException', CHANGED);
  return Number(match[2]);
}

function metricsOf(value: unknown): CostMetric[] {
  const metrics = Array.isArray(value) ? (value as unknown[]) : [];
  // The fake's wording; AWS requires Metrics and also serves BlendedCost and the usage metrics.
  if (metrics.length === 0) throw validation(`Metrics is required: one or more of ${COST_METRICS.join(', ')}`);
  for (const metric of metrics) {
    if (!(COST_METRICS as readonly unknown[]).includes(metric)) {
      throw validation(`The fake AWS serves Metrics ${COST_METRICS.join(', ')}, got "${String(metric)}"`);
    }
  }
  return [...new Set(metrics as CostMetric[])];
}

function groupingsOf(value: unknown): Grouping[] {
  if (value === undefined) return [];
  const entries = Array.isArray(value) ? (value as { Type?: unknown; Key?: unknown }[]) : [];
  if (entries.length > COST_EXPLORER_LIMITS.maxGroupBy) throw validation(TOO_MANY_GROUPS);
  const groupings = entries.map(({ Type, Key }): Grouping => {
    if (typeof Type !== 'string' || Type === '' || typeof Key !== 'string' || Key === '') throw validation(GROUP_EMPTY);
    if (Type !== 'DIMENSION' && Type !== 'TAG' && Type !== 'COST_CATEGORY') throw validation(GROUP_TYPE);
    if (Type === 'COST_CATEGORY' || (Type === 'DIMENSION' && Key !== 'SERVICE' && Key !== 'LINKED_ACCOUNT')) {
      // The fake's wording: AWS groups by other dimensions and by cost categories too.
      throw validation(`The fake AWS groups by DIMENSION SERVICE or LINKED_ACCOUNT, or by TAG; not ${Type} "${Key}"`);
    }
    return { Type, Key };
  });
  if (new Set(groupings.map(({ Type, Key }) => `${Type}:${Key}`)).size < groupings.length) {
    // The fake's wording.
    throw validation('GroupBy names the same group twice');
  }
  return groupings;
}

/** A row's key in one grouping: the service, the account id, or `<tag key>$<value>` (`<tag key>$` without the tag). */
function groupKey(row: Row, grouping: Grouping): string {
  if (grouping.Type === 'TAG') return `${grouping.Key}$${row.tags[grouping.Key] ?? ''}`;
  return grouping.Key === 'SERVICE' ? row.service : row.accountId;
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let i = 0; i < a.length; i += 1) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return 0;
}

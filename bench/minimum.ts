/**
 * The floors the call counts and the run time are measured against.
 */
import { gzipSync } from 'node:zlib';
import { BUDGET_NOTIFICATIONS_LIMITS, BUDGETS_LIMITS } from '../fakes/aws/budgets';
import { CLOUDWATCH_LIMITS } from '../fakes/aws/cloudwatch';
import { COST_EXPLORER_LIMITS } from '../fakes/aws/cost-explorer';
import { INTAKE_LIMITS, type IntakeSeries } from '../fakes/datadog/intake';
import { FAMILY_QUERIES } from '../lambda/sources/cost-explorer';
import { costFamilies, type BillingScope } from '../lambda/sources/cost-explorer-families';
import { costPeriods, type DateRange } from '../lambda/sources/cost-periods';

/** AWS page sizes the minimum follows: the largest pages the fake AWS serves, as AWS does. */
export const PAGE_SIZES = {
  describeBudgets: BUDGETS_LIMITS.maxResults,
  describeBudgetNotifications: BUDGET_NOTIFICATIONS_LIMITS.maxResults,
  listMetrics: CLOUDWATCH_LIMITS.listMetricsPageSize,
  getMetricData: CLOUDWATCH_LIMITS.metricDataQueriesPerCall,
  /** Groups (or periods without groups) per GetCostAndUsage page: the fake's, since AWS documents none. */
  getCostAndUsage: COST_EXPLORER_LIMITS.defaultPageSize,
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

/** The organization the organization scenario reads, as the minimum counts it. */
export interface OrganizationShape {
  /** Accounts `ListAccounts` lists, in every state. */
  readonly listed: number;
  /** Accounts read through their member role (`AssumeRole`): every active one but the function's own and the management account. */
  readonly assumed: number;
  /** Accounts read with the function's own credentials or the management role's: the function's own and the management account (1 when they are one). */
  readonly direct: number;
  /** Budgets in each account read. */
  readonly budgetsPerAccount: number;
  /** `ACCOUNT_TAG_KEYS` is set: one `ListTagsForResource` per account read. */
  readonly tagKeys: boolean;
  /** The management data is read through `MANAGEMENT_ROLE_ARN`: one more `AssumeRole`. */
  readonly managementRole: boolean;
  /** `ACCOUNT_CONCURRENCY`: accounts read at once. */
  readonly concurrency: number;
  /** `AWS/Billing` series of the payer (linked-account charges). */
  readonly series: number;
}

export interface OrganizationCalls {
  readonly ListAccounts: number;
  readonly AssumeRole: number;
  readonly DescribeBudgets: number;
  readonly DescribeBudgetNotificationsForAccount: number;
  readonly ListTagsForResource: number;
  readonly ListMetrics: number;
  readonly GetMetricData: number;
  readonly GetSecretValue: number;
  readonly Datadog: number;
}

/** The operations of {@link OrganizationCalls}, in the order the benchmark prints them. */
export const ORGANIZATION_CALL_NAMES: readonly (keyof OrganizationCalls)[] = [
  'ListAccounts',
  'AssumeRole',
  'DescribeBudgets',
  'DescribeBudgetNotificationsForAccount',
  'ListTagsForResource',
  'ListMetrics',
  'GetMetricData',
  'GetSecretValue',
  'Datadog',
];

/** The largest `ListAccounts` page (AWS-FACTS.md: `MaxResults` 1 to 20). */
export const ACCOUNTS_PAGE_SIZE = 20;

/**
 * The fewest calls one organization run can make (issue 13): every `ListAccounts` page, one
 * `AssumeRole` per account read through its member role (and one into the management role when
 * there is one), every `DescribeBudgets` page of every account read, one
 * `DescribeBudgetNotificationsForAccount` per account read (the scenario's accounts hold far
 * fewer than the 1,000 notifications of one page), one `ListTagsForResource`
 * per account read when tag keys are set, the payer's billing series as in one account, the
 * secret once per execution environment, and as few Datadog requests as the size limits allow.
 */
export function minimumOrganizationCalls(shape: OrganizationShape, cold: boolean, datadogRequests: number): OrganizationCalls {
  const read = shape.assumed + shape.direct;
  return {
    ListAccounts: Math.max(1, Math.ceil(shape.listed / ACCOUNTS_PAGE_SIZE)),
    AssumeRole: shape.assumed + (shape.managementRole ? 1 : 0),
    DescribeBudgets: read * budgetPages(shape.budgetsPerAccount),
    DescribeBudgetNotificationsForAccount: read,
    ListTagsForResource: shape.tagKeys ? read : 0,
    ListMetrics: Math.max(1, Math.ceil(shape.series / PAGE_SIZES.listMetrics)),
    GetMetricData: Math.ceil(shape.series / PAGE_SIZES.getMetricData),
    GetSecretValue: cold ? 1 : 0,
    Datadog: datadogRequests,
  };
}

function budgetPages(budgets: number): number {
  return Math.max(1, Math.ceil(budgets / PAGE_SIZES.describeBudgets));
}

export const ORGANIZATION_BOUND_FORMULA =
  'latency × (max(ListAccounts pages, ⌈accounts × per-account round trips ÷ concurrency⌉, ListMetrics pages + 1 GetMetricData round) + Datadog rounds)';

/**
 * The critical-path lower bound of an organization run with a fixed latency per request: the
 * longer of the `ListAccounts` chain (each page needs the previous token) and the accounts' own
 * round trips (`AssumeRole`, then each `DescribeBudgets` page, one after another) spread over the
 * concurrency, beside the payer's billing metrics; then the last Datadog round. `ListTagsForResource`
 * needs no account credentials, so it runs beside the account's own chain and adds no round.
 */
export function organizationBound(latencyMs: number, shape: OrganizationShape, minimum: OrganizationCalls): Bound {
  const listing = minimum.ListAccounts;
  const perAccount = budgetPages(shape.budgetsPerAccount);
  const accountRounds = Math.ceil((shape.assumed * (1 + perAccount) + shape.direct * perAccount) / shape.concurrency);
  const billing = minimum.ListMetrics + (minimum.GetMetricData > 0 ? 1 : 0);
  const datadogRounds = minimum.Datadog > 0 ? 1 : 0;
  const rounds = Math.max(listing, accountRounds, billing, minimum.GetSecretValue) + datadogRounds;
  return {
    rounds,
    ms: latencyMs * rounds,
    formula:
      `${latencyMs} ms × (max(${listing}, ⌈(${shape.assumed} × ${1 + perAccount} + ${shape.direct} × ${perAccount}) ÷ ${shape.concurrency}⌉ = ${accountRounds}, ` +
      `${minimum.ListMetrics} + ${minimum.GetMetricData > 0 ? 1 : 0}) + ${datadogRounds}) = ${latencyMs} ms × ${rounds} = ${latencyMs * rounds} ms`,
  };
}

/** What one Cost Explorer run (the second rule's) asks for, as its minimum counts it. */
export interface CostExplorerShape {
  /** `costGroupBy`: one family each, after the total. */
  readonly groupBy: readonly string[];
  /** `costMetrics`: every query asks for all of them; one forecast each. */
  readonly costMetrics: readonly string[];
  /** Groups in every period of a family's answer, by its `billing_scope` (the total has none). */
  readonly groups: Readonly<Partial<Record<BillingScope, number>>>;
  /** Slots (a group, or a period without groups) per GetCostAndUsage page. @default PAGE_SIZES.getCostAndUsage */
  readonly pageSize?: number;
  /** The run's time, which decides the periods of each query (one fewer on the 1st). */
  readonly now: Date;
}

export interface CostExplorerCalls {
  readonly GetCostAndUsage: number;
  readonly GetCostForecast: number;
}

/** The operations of {@link CostExplorerCalls}, in the order the benchmark prints them. */
export const COST_EXPLORER_CALL_NAMES: readonly (keyof CostExplorerCalls)[] = ['GetCostAndUsage', 'GetCostForecast'];

/**
 * The fewest requests one Cost Explorer run can make, from the source's own facts: for each
 * family (the total and each `costGroupBy` entry, `costFamilies`), each of its queries
 * (`FAMILY_QUERIES`, over the run's ranges, `costPeriods`), every page of its answer at the page
 * size; and one GetCostForecast per cost metric (the total only). Each page is a request, and
 * AWS bills each.
 */
export function minimumCostExplorerCalls(shape: CostExplorerShape): CostExplorerCalls {
  const periods = costPeriods(shape.now);
  const pageSize = shape.pageSize ?? PAGE_SIZES.getCostAndUsage;
  let pages = 0;
  for (const family of costFamilies(shape.groupBy)) {
    const groups = family.groupBy.length === 0 ? 0 : (shape.groups[family.scope] ?? 0);
    for (const query of FAMILY_QUERIES) {
      const slots = periodsIn(periods[query.range], query.granularity) * Math.max(1, groups);
      pages += Math.max(1, Math.ceil(slots / pageSize));
    }
  }
  return { GetCostAndUsage: pages, GetCostForecast: shape.costMetrics.length };
}

/** The periods Cost Explorer answers a range with: its days, or the calendar months it touches. */
function periodsIn(range: DateRange, granularity: 'DAILY' | 'MONTHLY'): number {
  const start = new Date(`${range.Start}T00:00:00Z`);
  const end = new Date(`${range.End}T00:00:00Z`);
  if (granularity === 'DAILY') return Math.round((end.getTime() - start.getTime()) / 86_400_000);
  // The End is exclusive: the last day in the range is the day before it.
  const last = new Date(end.getTime() - 86_400_000);
  return (last.getUTCFullYear() - start.getUTCFullYear()) * 12 + last.getUTCMonth() - start.getUTCMonth() + 1;
}

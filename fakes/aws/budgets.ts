/**
 * AWS Budgets in the fake AWS: `DescribeBudgets`, paged as AWS pages it, answered from the
 * budgets of the account the caller's credentials belong to (budgets belong to the account that
 * owns them: another account's are read only with credentials from a role in it).
 * Wire protocol: AWS JSON 1.1, `X-Amz-Target: AWSBudgetServiceGateway.DescribeBudgets`;
 * timestamps travel as epoch seconds.
 */
import { pageOffset, pageToken } from './paging';
import { awsJson } from './protocols';
import { AwsError, type AwsService, type FakeAccounts, type OperationContext, type OperationInput } from './service';

/** AWS's limits for DescribeBudgets: stated here on their own, so the fake checks the collector's. */
export const BUDGETS_LIMITS = {
  maxResults: 1000,
  defaultMaxResults: 100,
} as const;

/** An amount as Budgets writes it: a decimal string and a unit (`USD`, `GBMo`, `PERCENT`). */
export interface WireSpend {
  readonly Amount: string;
  readonly Unit: string;
}

/** A budget as the DescribeBudgets wire format carries it (timestamps in epoch seconds). */
export interface WireBudget {
  readonly BudgetName: string;
  readonly BudgetType: string;
  readonly TimeUnit: string;
  readonly BudgetLimit?: WireSpend;
  /** Limits per period, keyed by the period's start in epoch seconds. */
  readonly PlannedBudgetLimits?: Readonly<Record<string, WireSpend>>;
  readonly CostTypes: Readonly<Record<string, boolean>>;
  readonly TimePeriod: { readonly Start: number; readonly End: number };
  readonly CalculatedSpend?: { readonly ActualSpend: WireSpend; readonly ForecastedSpend?: WireSpend };
  readonly LastUpdatedTime: number;
}

/** A budget to seed: the wire format, with the fields the collector does not read made optional. */
export type BudgetSeed = Omit<WireBudget, 'TimeUnit' | 'CostTypes' | 'TimePeriod' | 'LastUpdatedTime'> &
  Partial<Pick<WireBudget, 'TimeUnit' | 'CostTypes' | 'TimePeriod' | 'LastUpdatedTime'>>;

/** The Budgets part of the fake's data. */
export interface BudgetsSeed {
  /** The budgets of the fake's own account (`accountId`). @default none */
  readonly budgets?: readonly BudgetSeed[];
  /**
   * Other accounts' budgets, by account id: answered to credentials from the fake's STS
   * `AssumeRole` into a role of that account. @default none
   */
  readonly budgetsByAccount?: Readonly<Record<string, readonly BudgetSeed[]>>;
}

/** The end AWS gives a budget created without one: 2087-06-15. */
const OPEN_END_SECONDS = 3_706_473_600;

/** A seeded budget with the defaults AWS gives a new monthly cost budget. */
function wireBudget(seed: BudgetSeed, monthStart: number): WireBudget {
  return {
    ...seed,
    TimeUnit: seed.TimeUnit ?? 'MONTHLY',
    CostTypes: seed.CostTypes ?? { IncludeTax: true, IncludeSubscription: true, UseBlended: false },
    TimePeriod: seed.TimePeriod ?? { Start: monthStart, End: OPEN_END_SECONDS },
    LastUpdatedTime: seed.LastUpdatedTime ?? monthStart,
  };
}

/** The Budgets service over this data. */
export function budgetsService(seed: BudgetsSeed, accounts: FakeAccounts): AwsService {
  const now = new Date();
  const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
  if (seed.budgetsByAccount?.[accounts.ownAccountId] !== undefined) {
    throw new RangeError(`the own account's budgets are seeded in \`budgets\`, not in \`budgetsByAccount\` under ${accounts.ownAccountId}`);
  }
  const byAccount = new Map(
    Object.entries({ ...seed.budgetsByAccount, [accounts.ownAccountId]: seed.budgets ?? [] }).map(([account, budgets]) => [
      account,
      budgets.map((budget) => wireBudget(budget, monthStart)),
    ]),
  );
  // The data never changes once started, so each page is written once: the benchmark asks for
  // the same pages run after run, and the fake's work must stay small beside its latency.
  const pages = new Map<string, string>();

  const describeBudgets = (input: OperationInput, { caller }: OperationContext): string => {
    const asked = input.AccountId;
    if (typeof asked !== 'string' || !/^\d{12}$/.test(asked)) throw new AwsError('ValidationException', 'AccountId must be 12 digits');
    // AWS's documented answer when the AccountId is not the caller's own (API_budgets_DescribeBudgets, Errors).
    if (asked !== caller.accountId) {
      throw new AwsError('AccessDeniedException', 'You are not authorized to use this operation with the given parameters.');
    }
    const budgets = byAccount.get(asked) ?? [];
    const max = input.MaxResults === undefined ? BUDGETS_LIMITS.defaultMaxResults : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > BUDGETS_LIMITS.maxResults) {
      throw new AwsError('ValidationException', `MaxResults must be between 1 and ${BUDGETS_LIMITS.maxResults}`);
    }
    const offset = pageOffset('budgets', input.NextToken);
    const key = `${asked}:${offset}:${max}`;
    let page = pages.get(key);
    if (page === undefined) {
      const next = offset + max;
      page = JSON.stringify({
        Budgets: budgets.slice(offset, next),
        ...(next < budgets.length ? { NextToken: pageToken('budgets', next) } : {}),
      });
      pages.set(key, page);
    }
    return page;
  };

  return {
    protocol: awsJson({ targetPrefix: 'AWSBudgetServiceGateway', version: '1.1' }),
    operations: { DescribeBudgets: describeBudgets },
  };
}

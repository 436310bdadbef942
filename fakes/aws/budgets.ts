/**
 * AWS Budgets in the fake AWS: `DescribeBudgets` and `DescribeBudgetNotificationsForAccount`
 * (which moto lacks: each budget's alert thresholds and whether each is in alarm), paged as AWS
 * pages them, answered from the budgets of the account the caller's credentials belong to
 * (budgets belong to the account that owns them: another account's are read only with
 * credentials from a role in it).
 * Wire protocol: AWS JSON 1.1, `X-Amz-Target: AWSBudgetServiceGateway.<Operation>`; timestamps
 * travel as epoch seconds.
 */
import { pageOffset, pageToken } from './paging';
import { awsJson } from './protocols';
import { AwsError, type AwsService, type FakeAccounts, type OperationContext, type OperationInput } from './service';

/** AWS's limits for DescribeBudgets: stated here on their own, so the fake checks the collector's. */
export const BUDGETS_LIMITS = {
  maxResults: 1000,
  defaultMaxResults: 100,
} as const;

/**
 * AWS's limits for DescribeBudgetNotificationsForAccount (API_budgets_DescribeBudgetNotificationsForAccount):
 * `MaxResults` counts budgets, 1 to 1000, default 50. A budget has at most ten notifications
 * (the `Notification` data type).
 */
export const BUDGET_NOTIFICATIONS_LIMITS = {
  maxResults: 1000,
  defaultMaxResults: 50,
  perBudget: 10,
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

/**
 * A budget's notification (an alert threshold) as DescribeBudgetNotificationsForAccount carries
 * it. `ThresholdType` and `NotificationState` are optional in the SDK's types, so a seed may leave
 * them out to give a reader their absence to handle; the fake adds nothing.
 */
export interface WireNotification {
  readonly NotificationType: 'ACTUAL' | 'FORECASTED';
  readonly ComparisonOperator: 'GREATER_THAN' | 'LESS_THAN' | 'EQUAL_TO';
  /** A percentage of the budget's limit, or an amount in its currency (`ABSOLUTE_VALUE`). */
  readonly Threshold: number;
  readonly ThresholdType?: 'PERCENTAGE' | 'ABSOLUTE_VALUE';
  /** `ALARM` once the threshold is crossed in the current period. */
  readonly NotificationState?: 'OK' | 'ALARM';
}

/** A budget to seed: the wire format, with the fields the collector does not read made optional. */
export type BudgetSeed = Omit<WireBudget, 'TimeUnit' | 'CostTypes' | 'TimePeriod' | 'LastUpdatedTime'> &
  Partial<Pick<WireBudget, 'TimeUnit' | 'CostTypes' | 'TimePeriod' | 'LastUpdatedTime'>> & {
    /**
     * The budget's notifications, at most ten: answered by DescribeBudgetNotificationsForAccount,
     * never by DescribeBudgets, which does not carry them. @default none
     */
    readonly Notifications?: readonly WireNotification[];
  };

/** One budget's entry in a DescribeBudgetNotificationsForAccount page. */
interface WireBudgetNotifications {
  readonly BudgetName: string;
  readonly Notifications: readonly WireNotification[];
}

/** The Budgets part of the fake's data. */
export interface BudgetsSeed {
  /** The budgets of the fake's own account (`accountId`). @default none */
  readonly budgets?: readonly BudgetSeed[];
  /**
   * Other accounts' budgets, by account id: answered to credentials from the fake's STS
   * `AssumeRole` into a role of that account. For thousands of accounts, a function that gives an
   * account's budgets when they are first asked for (return the same list for many accounts to
   * keep the fake small). @default none
   */
  readonly budgetsByAccount?: Readonly<Record<string, readonly BudgetSeed[]>> | ((accountId: string) => readonly BudgetSeed[] | undefined);
  /**
   * Answer for the `AccountId` asked, whoever the caller is, as moto does (it does not enforce
   * `AccountId`): for the fake behind moto's gaps, where the credentials are moto's, not this
   * fake's. @default false: another account's `AccountId` is `AccessDeniedException`, as in AWS
   */
  readonly answerAnyAccountId?: boolean;
}

/** An account without budgets (one list, so that its pages are written once too). */
const NONE: readonly BudgetSeed[] = [];

/** The end AWS gives a budget created without one: 2087-06-15. */
const OPEN_END_SECONDS = 3_706_473_600;

/** A seeded budget with the defaults AWS gives a new monthly cost budget, without its notifications. */
function wireBudget({ Notifications: _notifications, ...seed }: BudgetSeed, monthStart: number): WireBudget {
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
  const others = seed.budgetsByAccount;
  if (typeof others === 'object' && others[accounts.ownAccountId] !== undefined) {
    throw new RangeError(`the own account's budgets are seeded in \`budgets\`, not in \`budgetsByAccount\` under ${accounts.ownAccountId}`);
  }
  const seededOf = (account: string): readonly BudgetSeed[] =>
    account === accounts.ownAccountId
      ? (seed.budgets ?? NONE)
      : ((typeof others === 'function' ? others(account) : others?.[account]) ?? NONE);
  const check = (account: string, budgets: readonly BudgetSeed[]): void => {
    for (const budget of budgets) {
      if ((budget.Notifications?.length ?? 0) > BUDGET_NOTIFICATIONS_LIMITS.perBudget) {
        throw new RangeError(
          `budget "${budget.BudgetName}" of ${account} has more than the ${BUDGET_NOTIFICATIONS_LIMITS.perBudget} notifications AWS allows`,
        );
      }
    }
  };
  // A seeded record is checked at once; generated budgets as each account's are first asked for.
  check(accounts.ownAccountId, seed.budgets ?? []);
  if (typeof others === 'object') for (const [account, budgets] of Object.entries(others)) check(account, budgets);

  // The data never changes once started, so each list and each page is written once, by the
  // seeded list it comes from (generated accounts may share one): the benchmark asks for the same
  // pages run after run, and the fake's work must stay small beside its latency.
  const wire = new WeakMap<readonly BudgetSeed[], { budgets: WireBudget[]; notifications: WireBudgetNotifications[] }>();
  const wireOf = (account: string) => {
    const budgets = seededOf(account);
    let written = wire.get(budgets);
    if (written === undefined) {
      if (typeof others === 'function') check(account, budgets);
      written = {
        budgets: budgets.map((budget) => wireBudget(budget, monthStart)),
        // Only budgets with notifications are listed. AWS's reference does not say so outright ("the
        // budget names and notifications that are associated with an account"); a reader must treat a
        // budget that is absent as one without notifications either way.
        notifications: budgets.flatMap(({ BudgetName, Notifications }): WireBudgetNotifications[] =>
          Notifications !== undefined && Notifications.length > 0 ? [{ BudgetName, Notifications }] : [],
        ),
      };
      wire.set(budgets, written);
    }
    return { written, key: budgets };
  };
  const pages = new WeakMap<readonly BudgetSeed[], Map<string, string>>();

  /** One page of the caller's own items, under `field`, paged by `MaxResults` and `NextToken` as AWS pages them. */
  const page = (
    kind: 'budgets' | 'notifications',
    field: string,
    limits: { readonly maxResults: number; readonly defaultMaxResults: number },
    input: OperationInput,
    { caller }: OperationContext,
  ): string => {
    const asked = input.AccountId;
    if (typeof asked !== 'string' || !/^\d{12}$/.test(asked)) throw new AwsError('ValidationException', 'AccountId must be 12 digits');
    // AWS's documented answer when the AccountId is not the caller's own (the operations' Errors).
    if (asked !== caller.accountId && seed.answerAnyAccountId !== true) {
      throw new AwsError('AccessDeniedException', 'You are not authorized to use this operation with the given parameters.');
    }
    const { written, key: list } = wireOf(asked);
    const items: readonly unknown[] = written[kind];
    const max = input.MaxResults === undefined ? limits.defaultMaxResults : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > limits.maxResults) {
      throw new AwsError('ValidationException', `MaxResults must be between 1 and ${limits.maxResults}`);
    }
    const offset = pageOffset(kind, input.NextToken);
    const key = `${kind}:${offset}:${max}`;
    let cached = pages.get(list);
    if (cached === undefined) pages.set(list, (cached = new Map()));
    let answer = cached.get(key);
    if (answer === undefined) {
      const next = offset + max;
      answer = JSON.stringify({
        [field]: items.slice(offset, next),
        ...(next < items.length ? { NextToken: pageToken(kind, next) } : {}),
      });
      cached.set(key, answer);
    }
    return answer;
  };

  return {
    protocol: awsJson({ targetPrefix: 'AWSBudgetServiceGateway', version: '1.1' }),
    operations: {
      DescribeBudgets: (input, context) => page('budgets', 'Budgets', BUDGETS_LIMITS, input, context),
      // IAM: no action of this name; budgets:ViewBudget expected, not confirmed (Service Authorization Reference list_budgets.html: row unread).
      DescribeBudgetNotificationsForAccount: (input, context) =>
        page('notifications', 'BudgetNotificationsForAccount', BUDGET_NOTIFICATIONS_LIMITS, input, context),
    },
  };
}

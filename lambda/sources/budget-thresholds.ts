/**
 * The alert thresholds of an account's budgets (AWS Budgets "notifications"), read with one
 * paged `DescribeBudgetNotificationsForAccount`, and turned into samples against the limit the
 * budgets source sends. Part of the budgets source (`budgets.ts` calls it and declares its
 * metrics, operation and IAM); everything is per call, so one run may read many accounts.
 */
import { DescribeBudgetNotificationsForAccountCommand, type BudgetsClient, type Notification } from '@aws-sdk/client-budgets';
import { BUDGET_NOTIFICATIONS_PAGE_SIZE, BUDGETS_PER_ACCOUNT } from '../billing-facts';
import { awsListing, followPages, pageCap } from '../paging';
import { increment, type CallCounter, type RawTag, type Sample, type SkipReason } from '../samples';
import { callNeeding } from './aws-errors';

/** Every budget's notifications, in pages of up to 1000 budgets. */
const NOTIFICATION_PAGES = awsListing(
  'DescribeBudgetNotificationsForAccount',
  pageCap(BUDGETS_PER_ACCOUNT, BUDGET_NOTIFICATIONS_PAGE_SIZE),
);

/**
 * The share of its limit a budget without an actual-spend threshold is alerted at: the share
 * the "actual spend near its limit" monitor used before budgets' own thresholds were read.
 */
export const DEFAULT_ALERT_SHARE = 0.8;

/** What the budgets source sent for one COST budget: the thresholds are read against it. */
export interface SentBudget {
  readonly type: string | undefined;
  /** The limit `budget_limit` sent, if one was. */
  readonly limit: number | undefined;
  /** The budget's currency (the limit's, else the spend's), as AWS gave it. */
  readonly currency: string | undefined;
  /** The tags of the budget's money series, in that currency; undefined when it sent none. */
  readonly tags: readonly RawTag[] | undefined;
}

/**
 * Every notification of the account, by budget name. A budget without notifications may be
 * absent.
 * @throws AccessDeniedError naming `action` when the role lacks it.
 */
export async function readNotifications(
  client: BudgetsClient,
  options: { readonly accountId: string; readonly calls: CallCounter; readonly signal?: AbortSignal },
  action: string,
): Promise<Map<string, Notification[]>> {
  const byBudget = new Map<string, Notification[]>();
  await followPages(NOTIFICATION_PAGES, async (nextToken) => {
    increment(options.calls, 'DescribeBudgetNotificationsForAccount');
    const request = new DescribeBudgetNotificationsForAccountCommand({
      AccountId: options.accountId,
      MaxResults: BUDGET_NOTIFICATIONS_PAGE_SIZE,
      NextToken: nextToken,
    });
    const page = await callNeeding(action, () => client.send(request, { abortSignal: options.signal }));
    for (const entry of page.BudgetNotificationsForAccount ?? []) {
      const name = entry.BudgetName ?? '';
      byBudget.set(name, [...(byBudget.get(name) ?? []), ...(entry.Notifications ?? [])]);
    }
    return page.NextToken;
  });
  return byBudget;
}

/**
 * The threshold, alarm and alert-level samples of every budget sent. `notifications` is
 * undefined when thresholds are not read (switched off): each budget then gets its default
 * levels, as the monitors compared before.
 */
export function thresholdSamples(
  budgets: ReadonlyMap<string, SentBudget>,
  notifications: ReadonlyMap<string, readonly Notification[]> | undefined,
  skipped: Partial<Record<SkipReason, number>>,
): Sample[] {
  const samples: Sample[] = [];
  for (const [name, list] of notifications ?? []) {
    const budget = budgets.get(name);
    // A budget created or deleted between the two reads: its thresholds wait for the next run.
    if (budget === undefined) continue;
    if (budget.type !== 'COST') {
      increment(skipped, 'non_cost_budget_threshold', list.length);
      continue;
    }
    for (const notification of list) {
      const sample = thresholdSample(notification, budget, skipped);
      // The alarm is a state, not money: no currency, so no unit.
      if (sample !== undefined)
        samples.push(sample, { metric: 'budgetAlert', value: notification.NotificationState === 'ALARM' ? 1 : 0, tags: sample.tags });
    }
  }
  for (const [name, budget] of budgets) {
    const tags = budget.tags;
    if (tags === undefined) continue;
    const lowest = (type: 'ACTUAL' | 'FORECASTED'): number | undefined => {
      const amounts = (notifications?.get(name) ?? []).flatMap((notification) =>
        notification.NotificationType === type && notification.ComparisonOperator === 'GREATER_THAN'
          ? (amountOf(notification, budget.limit) ?? [])
          : [],
      );
      return amounts.length === 0 ? undefined : Math.min(...amounts);
    };
    const level = (metric: Sample['metric'], value: number | undefined): void => {
      if (value !== undefined) samples.push({ metric, value, currency: budget.currency, tags });
    };
    // Without a threshold of its own, a budget keeps the level its monitor compared with before.
    level('budgetAlertLevel', lowest('ACTUAL') ?? (budget.limit === undefined ? undefined : budget.limit * DEFAULT_ALERT_SHARE));
    level('budgetForecastAlertLevel', lowest('FORECASTED') ?? budget.limit);
  }
  return samples;
}

/** One notification's `budget_threshold` sample, or undefined (counted) when it has no amount. */
function thresholdSample(notification: Notification, budget: SentBudget, skipped: Partial<Record<SkipReason, number>>): Sample | undefined {
  const amount = amountOf(notification, budget.limit);
  if (amount === undefined || budget.tags === undefined) {
    increment(skipped, Number.isFinite(notification.Threshold) ? 'threshold_without_limit' : 'invalid_amount');
    return undefined;
  }
  const percentage = isPercentage(notification);
  const threshold = String(notification.Threshold);
  return {
    metric: 'budgetThreshold',
    value: amount,
    currency: budget.currency,
    tags: [
      ...budget.tags,
      ['notification_type', lower(notification.NotificationType)],
      ['comparison', lower(notification.ComparisonOperator)],
      ['threshold_type', percentage ? 'percentage' : 'absolute_value'],
      // Two thresholds of one budget, type and comparison differ only by this tag.
      percentage ? ['threshold_percent', threshold] : ['threshold_amount', threshold],
    ],
  };
}

/** A notification's threshold in the budget's currency; undefined without a usable one. */
function amountOf(notification: Notification, limit: number | undefined): number | undefined {
  const threshold = notification.Threshold;
  if (threshold === undefined || !Number.isFinite(threshold)) return undefined;
  if (!isPercentage(notification)) return threshold;
  // A percentage of the limit `budget_limit` sends; a budget without one has no amount for it.
  return limit === undefined ? undefined : (threshold * limit) / 100;
}

/** AWS's default threshold type is a percentage. */
function isPercentage(notification: Notification): boolean {
  return notification.ThresholdType !== 'ABSOLUTE_VALUE';
}

function lower(value: string | undefined): string {
  return (value ?? 'unknown').toLowerCase();
}

/**
 * AWS Budgets: actual spend, forecasted spend and limit of every COST budget of one account,
 * and, read beside them, the budgets' alert thresholds (`budget-thresholds.ts`).
 */
import { BudgetsClient, DescribeBudgetsCommand, type Budget, type Spend } from '@aws-sdk/client-budgets';
import { BUDGETS_PAGE_SIZE, BUDGETS_PER_ACCOUNT } from '../billing-facts';
import { awsListing, followPages, pageCap } from '../paging';
import type { Logger } from '../log';
import { increment, type CallCounter, type RawTag, type Sample, type SourceResult, type SkipReason } from '../samples';
import { shownValue } from '../secret-shape';
import { parseAmount } from './amount';
import { callNeeding } from './aws-errors';
import type { MetricDefinition } from '../metrics';
import { counted, defineSource, metricKeys } from './source';
import { readNotifications, thresholdSamples, type SentBudget } from './budget-thresholds';

/** The tags of every series of a budget. */
const BUDGET_TAG_KEYS = ['account_id', 'budget_name', 'budget_type', 'time_unit', 'currency', 'account_name'] as const;
/** The tags of each threshold's series: the budget's, and the notification's own. */
const THRESHOLD_TAG_KEYS = [
  ...BUDGET_TAG_KEYS,
  'notification_type',
  'comparison',
  'threshold_type',
  'threshold_percent',
  'threshold_amount',
] as const;

/** The metrics of this source (see `metrics.ts`). */
export const BUDGET_METRICS = {
  /** A COST budget's actual spend in its current period. */
  actualSpend: {
    suffix: 'actual_spend',
    tagKeys: BUDGET_TAG_KEYS,
  },
  /** A COST budget's forecasted spend for its current period, when AWS has a forecast. */
  forecastedSpend: {
    suffix: 'forecasted_spend',
    tagKeys: BUDGET_TAG_KEYS,
  },
  /** A COST budget's limit for its current period (fixed or planned). */
  budgetLimit: {
    suffix: 'budget_limit',
    tagKeys: BUDGET_TAG_KEYS,
  },
  /** One alert threshold of a COST budget, in its currency (a percentage is of the limit sent). */
  budgetThreshold: {
    suffix: 'budget_threshold',
    tagKeys: THRESHOLD_TAG_KEYS,
  },
  /** 1 while that threshold is in alarm (`NotificationState` `ALARM`), else 0. */
  budgetAlert: {
    suffix: 'budget_alert',
    tagKeys: THRESHOLD_TAG_KEYS,
  },
  /**
   * What the actual-spend monitor compares `actual_spend` with: the budget's lowest
   * greater-than actual threshold, else 80 % of its limit.
   */
  budgetAlertLevel: {
    suffix: 'budget_alert_level',
    tagKeys: BUDGET_TAG_KEYS,
  },
  /**
   * What the forecast monitor compares `forecasted_spend` with: the budget's lowest
   * greater-than forecasted threshold, else its limit.
   */
  budgetForecastAlertLevel: {
    suffix: 'budget_forecast_alert_level',
    tagKeys: BUDGET_TAG_KEYS,
  },
} as const satisfies Record<string, MetricDefinition>;

/** Every budget the account may hold, in full pages. */
const DESCRIBE_BUDGETS_PAGES = awsListing('DescribeBudgets', pageCap(BUDGETS_PER_ACCOUNT, BUDGETS_PAGE_SIZE));

/**
 * The IAM action behind `DescribeBudgets` and `DescribeBudgetNotificationsForAccount`: neither
 * has one of its own name. The Service Authorization Reference maps each Budgets operation to
 * the actions it needs, in "API operations defined by Amazon Budget Service":
 * https://docs.amazonaws.cn/en_us/service-authorization/latest/reference/list_budgets.html
 * That page's action list has no `DescribeBudgetNotificationsForAccount` either: AWS's own
 * read-only policy AWSBudgetsReadOnlyAccess grants `budgets:ViewBudget`, `budgets:Describe*` and
 * `budgets:ListTagsForResource`, and its `Describe*` matches only the four budget-action reads,
 * so `ViewBudget` is the action that reads budgets and their notifications (docs/iam.md).
 */
const VIEW_BUDGET = 'budgets:ViewBudget';

/** AWS Budgets as a source: its switch, permissions and client, for every layer that loops over sources. */
export const budgetsSource = defineSource({
  id: 'budgets',
  title: 'AWS Budgets readable',
  setting: 'collectBudgets',
  // Budgets belong to the account that owns them: each one is read with its own credentials.
  scope: 'eachAccount',
  trigger: 'schedule',
  switchDoc: 'Send the actual spend, forecast and limit of each AWS Budgets cost budget.',
  iam: [
    {
      sid: 'ReadBudgets',
      actions: [VIEW_BUDGET],
      // Budgets ARNs have no region; the wildcard covers the budgets of this account only.
      resource: 'arn:<partition>:budgets::<account>:budget/*',
      wildcardReason:
        'budgets:ViewBudget is granted on the budgets of this account only; the collector lists them ' +
        'all, and their names are not known at deploy time.',
    },
  ],
  clients: { budgets: (config) => new BudgetsClient(config) },
  operations: [
    {
      name: 'DescribeBudgets',
      title: 'AWS Budgets DescribeBudgets',
      billedPer: 'request',
      // AWS Budgets documents no charge for reading budgets through its API.
      price: { usd: 0, per: 1 },
      priceNote: 'no charge documented',
    },
    {
      name: 'DescribeBudgetNotificationsForAccount',
      title: 'AWS Budgets DescribeBudgetNotificationsForAccount',
      billedPer: 'request',
      // Nor for reading their notifications.
      price: { usd: 0, per: 1 },
      priceNote: 'no charge documented',
    },
  ],
  skipReasons: [
    'not_a_cost_budget',
    'invalid_amount',
    'unknown_currency',
    'currency_mismatch',
    'no_current_limit',
    'non_cost_budget_threshold',
    'threshold_without_limit',
  ],
  metrics: metricKeys(BUDGET_METRICS),
  collect: ({ budgets }, run) => collectBudgets(budgets, { ...run, thresholds: run.config.collectBudgetThresholds }),
  probe: async ({ budgets }, accountId) => {
    const page = await budgets.send(new DescribeBudgetsCommand({ AccountId: accountId, MaxResults: BUDGETS_PAGE_SIZE }));
    const found = page.Budgets ?? [];
    const more = page.NextToken === undefined ? '' : 'at least ';
    if (found.length === 0) {
      return { ok: true, detail: 'readable, and the account has no budgets: nothing to send from AWS Budgets until you create one' };
    }
    const cost = found.filter((budget) => budget.BudgetType === 'COST').length;
    return { ok: true, detail: `${more}${counted(found.length, 'budget')}, ${more}${cost} of them COST (the ones sent)` };
  },
});

export interface BudgetsSourceOptions {
  /** The account whose budgets are read (12 digits). */
  readonly accountId: string;
  /** The collection time; planned limits are chosen relative to it. */
  readonly now: Date;
  readonly log: Logger;
  /** Incremented once per AWS call. */
  readonly calls: CallCounter;
  /** Aborts AWS calls still running when the run must move on to sending. */
  readonly signal?: AbortSignal;
  /**
   * Read the budgets' alert thresholds too (`collectBudgetThresholds`); without them each budget
   * still gets its default alert levels. @default false
   */
  readonly thresholds?: boolean;
}

/**
 * Reads every page of `DescribeBudgets` and turns each COST budget into samples; with
 * `thresholds`, reads the budgets' notifications at the same time and adds their samples.
 * @param client a Budgets client in us-east-1, with the credentials of the account to read.
 * @returns the thresholds' failure in `errors`, with the budgets' own samples.
 * @throws AccessDeniedError naming `budgets:ViewBudget` when the role lacks it.
 */
export async function collectBudgets(client: BudgetsClient, options: BudgetsSourceOptions): Promise<SourceResult> {
  const samples: Sample[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  const sent = new Map<string, SentBudget>();
  // Settled now so that a failure waits, unhandled by nobody, for the budgets to be read.
  const notifications = options.thresholds
    ? readNotifications(client, options, VIEW_BUDGET).then(
        (byBudget) => ({ byBudget }),
        (error: unknown) => ({ error }),
      )
    : undefined;
  let budgetCount = 0;
  await followPages(DESCRIBE_BUDGETS_PAGES, async (nextToken) => {
    increment(options.calls, 'DescribeBudgets');
    const request = new DescribeBudgetsCommand({ AccountId: options.accountId, MaxResults: BUDGETS_PAGE_SIZE, NextToken: nextToken });
    const page = await callNeeding(VIEW_BUDGET, () => client.send(request, { abortSignal: options.signal }));
    for (const budget of page.Budgets ?? []) {
      budgetCount += 1;
      if (budget.BudgetType !== 'COST') {
        // Usage budgets count units and RI/Savings Plans budgets percentages: not money.
        increment(skipped, 'not_a_cost_budget');
        sent.set(budget.BudgetName ?? '', { type: budget.BudgetType, limit: undefined, currency: undefined, tags: undefined });
        continue;
      }
      const own = budgetSamples(budget, options, skipped);
      samples.push(...own);
      const limit = own.find((sample) => sample.metric === 'budgetLimit');
      // The budget's money is in its limit's currency, or, without a limit, its spend's.
      const money = limit ?? own[0];
      sent.set(budget.BudgetName ?? '', { type: 'COST', limit: limit?.value, currency: money?.currency, tags: money?.tags });
    }
    return page.NextToken;
  });

  if (budgetCount === 0) {
    options.log.info('The account has no budgets; nothing to send from AWS Budgets', { accountId: options.accountId });
  }
  const read = await notifications;
  if (read !== undefined && 'error' in read) {
    // The budgets' own points are sent; the thresholds and the alert levels that rest on them wait for the next run.
    return { samples, skipped, errors: [read.error] };
  }
  samples.push(...thresholdSamples(sent, read?.byBudget, skipped));
  return { samples, skipped };
}

/**
 * The samples of one COST budget. A point is skipped, counted and warned of when it cannot be
 * labelled truthfully: an unusable amount, an amount whose currency AWS does not give (no `Unit`,
 * or a blank one), or a spend in another currency than the limit's (the budget's currency), which
 * `by {budget_name}` would compare with the limit as if they were one. A budget whose planned
 * limits have none in force now has no limit to send: counted and warned of too.
 */
function budgetSamples(
  budget: Budget,
  options: Pick<BudgetsSourceOptions, 'accountId' | 'now' | 'log'>,
  skipped: Partial<Record<SkipReason, number>>,
): Sample[] {
  const name = budget.BudgetName ?? '';
  const skip = (reason: SkipReason, field: string, problem: string): void => {
    increment(skipped, reason);
    options.log.warn(`Skipped a point of budget ${shownValue(name)}: ${field} ${problem}`, { budgetName: name, field, reason });
  };
  const limitField = budget.BudgetLimit ? 'BudgetLimit' : 'PlannedBudgetLimits';
  const limit = budget.BudgetLimit ?? currentPlannedLimit(budget.PlannedBudgetLimits, options.now);
  if (limit === undefined) {
    // Every planned limit starts later (or there is none): no limit to send, but not without a word.
    skip('no_current_limit', limitField, 'has no limit in force now');
  }
  const limitCurrency = limit?.Unit?.trim() || undefined;
  const spend = budget.CalculatedSpend;
  /** The tags of each currency the budget's points are in: one list for all in the usual case. */
  const tagsByCurrency = new Map<string, RawTag[]>();
  const tagsFor = (currency: string): RawTag[] => {
    let tags = tagsByCurrency.get(currency);
    if (tags === undefined) {
      tags = [
        ['budget_name', name],
        ['budget_type', 'cost'],
        ['time_unit', (budget.TimeUnit ?? 'unknown').toLowerCase()],
        ['currency', currency.toLowerCase()],
        ['account_id', options.accountId],
      ];
      tagsByCurrency.set(currency, tags);
    }
    return tags;
  };

  const samples: Sample[] = [];
  const add = (metric: Sample['metric'], field: string, amount: Spend | undefined): void => {
    const parsed = parseAmount(amount?.Amount);
    if ('problem' in parsed) {
      skip('invalid_amount', field, parsed.problem);
      return;
    }
    const currency = amount?.Unit?.trim();
    if (currency === undefined || currency === '') {
      skip('unknown_currency', `${field}.Unit`, 'is missing or empty: currency unknown');
      return;
    }
    if (metric !== 'budgetLimit' && limitCurrency !== undefined && currency.toUpperCase() !== limitCurrency.toUpperCase()) {
      skip('currency_mismatch', `${field}.Unit`, `is ${shownValue(currency)}, the limit's is ${shownValue(limitCurrency)}`);
      return;
    }
    samples.push({ metric, value: parsed.value, currency, tags: tagsFor(currency) });
  };

  add('actualSpend', 'CalculatedSpend.ActualSpend', spend?.ActualSpend);
  // AWS has no forecast for a new budget or an account with little history: nothing to send.
  if (spend?.ForecastedSpend !== undefined) add('forecastedSpend', 'CalculatedSpend.ForecastedSpend', spend.ForecastedSpend);
  if (limit !== undefined) add('budgetLimit', limitField, limit);
  return samples;
}

/**
 * The planned limit in force at `now`: the entry with the newest start (epoch-seconds key)
 * that is not after `now`.
 */
export function currentPlannedLimit(planned: Record<string, Spend> | undefined, now: Date): Spend | undefined {
  if (planned === undefined) return undefined;
  const nowSeconds = now.getTime() / 1000;
  let best: { start: number; spend: Spend } | undefined;
  for (const [key, spend] of Object.entries(planned)) {
    if (!/^\d+$/.test(key)) continue;
    const start = Number(key);
    if (start > nowSeconds) continue;
    if (best === undefined || start > best.start) best = { start, spend };
  }
  return best?.spend;
}

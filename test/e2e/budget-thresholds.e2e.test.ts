/**
 * The budgets' alert thresholds (issue 15), from the CDK-built bundle: the budgets live in moto,
 * and `DescribeBudgetNotificationsForAccount`, which moto lacks, is answered by the project's fake
 * AWS seeded with the same budgets and their notifications (`test/support/moto-gaps.ts`). The
 * expected series are written by hand from the issue's rules, not from the collector's code.
 */
import { BudgetsClient, CreateBudgetCommand, type Budget } from '@aws-sdk/client-budgets';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BudgetSeed, WireNotification } from '../../fakes/aws/budgets';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { motoClientConfig, putEstimatedCharges } from '../support/seed';
import { aMinuteAgo, putApiKeySecret } from './support/aws-seed';
import { ACCOUNT, ACCOUNT_TAG, budgetTags, linesOf, type ExpectedSeries } from './support/expected-series';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from './support/harness';
import { runSummary, type Invocation } from './support/invoke';

const now = new Date();
/** Epoch seconds of the first of the month, `months` from now. */
const monthStart = (months: number): string => String(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, 1) / 1000);
const usd = (Amount: string) => ({ Amount, Unit: 'USD' });
const over = (
  NotificationType: WireNotification['NotificationType'],
  Threshold: number,
  NotificationState: 'OK' | 'ALARM',
  ThresholdType: WireNotification['ThresholdType'] = 'PERCENTAGE',
): WireNotification => ({ NotificationType, ComparisonOperator: 'GREATER_THAN', Threshold, ThresholdType, NotificationState });

/** The budgets, as moto and the fake AWS both hold them. */
const BUDGETS: BudgetSeed[] = [
  {
    // Both threshold types, one of each in alarm.
    BudgetName: 'Team fixed',
    BudgetType: 'COST',
    BudgetLimit: usd('1000'),
    CalculatedSpend: { ActualSpend: usd('850'), ForecastedSpend: usd('1200') },
    Notifications: [over('ACTUAL', 80, 'ALARM'), over('ACTUAL', 900, 'OK', 'ABSOLUTE_VALUE'), over('FORECASTED', 100, 'ALARM')],
  },
  {
    // Planned limits: this month's (2,400) is the one the percentages are of.
    BudgetName: 'Team planned',
    BudgetType: 'COST',
    PlannedBudgetLimits: { [monthStart(-1)]: usd('1000'), [monthStart(0)]: usd('2400'), [monthStart(1)]: usd('9000') },
    CalculatedSpend: { ActualSpend: usd('1000'), ForecastedSpend: usd('2000') },
    Notifications: [over('ACTUAL', 50, 'OK'), over('FORECASTED', 90, 'OK')],
  },
  {
    // No thresholds: the default levels.
    BudgetName: 'No thresholds',
    BudgetType: 'COST',
    BudgetLimit: usd('300'),
    CalculatedSpend: { ActualSpend: usd('10') },
  },
  {
    // Not money: its budget and its threshold are both skipped.
    BudgetName: 'S3 usage',
    BudgetType: 'USAGE',
    BudgetLimit: { Amount: '500', Unit: 'GBMo' },
    CalculatedSpend: { ActualSpend: { Amount: '100', Unit: 'GBMo' } },
    Notifications: [over('ACTUAL', 80, 'OK')],
  },
];

/** The budgets into moto, notifications and all, as CreateBudget takes them. */
async function seedMoto(endpoint: string): Promise<void> {
  const client = new BudgetsClient(motoClientConfig(endpoint));
  try {
    for (const { Notifications, ...budget } of BUDGETS) {
      await client.send(
        new CreateBudgetCommand({
          AccountId: ACCOUNT,
          Budget: { TimeUnit: 'MONTHLY', ...budget } as Budget,
          NotificationsWithSubscribers: Notifications?.map((Notification) => ({
            Notification,
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'billing@example.com' }],
          })),
        }),
      );
    }
  } finally {
    client.destroy();
  }
}

const dollars = (metric: string, tags: readonly string[], value: number): ExpectedSeries => ({ metric, tags, unit: 'dollar', value });

/** A threshold's two series: its amount, and 1 or 0 for its alarm. */
function threshold(
  budgetTag: string,
  kind: 'actual' | 'forecasted',
  stated: { percent: number } | { amount: number },
  amount: number,
  alarm: 0 | 1,
): ExpectedSeries[] {
  const tags = [
    ...budgetTags(budgetTag),
    `notification_type:${kind}`,
    'comparison:greater_than',
    ...('percent' in stated ? ['threshold_type:percentage', `threshold_percent:${stated.percent}`] : []),
    ...('amount' in stated ? ['threshold_type:absolute_value', `threshold_amount:${stated.amount}`] : []),
  ];
  // The alarm is a state, sent without a unit.
  return [dollars('aws.billing.budget_threshold', tags, amount), { metric: 'aws.billing.budget_alert', tags, value: alarm }];
}

const TOTAL: ExpectedSeries = dollars('aws.billing.estimated_charges', [ACCOUNT_TAG, 'billing_scope:total', 'currency:usd'], 42);

describe('budget alert thresholds from the bundled collector', () => {
  let h: Harness;
  let invocation: Invocation;

  useHarness((started) => (h = started), { gaps: { budgets: BUDGETS } });

  beforeAll(async () => {
    await h.reset();
    await Promise.all([
      putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
      seedMoto(h.moto.endpoint),
      putEstimatedCharges(h.moto.endpoint, [{ dimensions: { Currency: 'USD' }, value: 42, timestamp: aMinuteAgo() }]),
    ]);
    invocation = await h.run();
  }, SETUP_TIMEOUT_MS);

  it('sends each threshold in dollars and its alarm state, both types, a planned limit, and the alert levels with and without thresholds', () => {
    const fixed = budgetTags('team_fixed');
    const planned = budgetTags('team_planned');
    const none = budgetTags('no_thresholds');
    const budgets: ExpectedSeries[] = [
      dollars('aws.billing.actual_spend', fixed, 850),
      dollars('aws.billing.forecasted_spend', fixed, 1200),
      dollars('aws.billing.budget_limit', fixed, 1000),
      ...threshold('team_fixed', 'actual', { percent: 80 }, 800, 1),
      ...threshold('team_fixed', 'actual', { amount: 900 }, 900, 0),
      ...threshold('team_fixed', 'forecasted', { percent: 100 }, 1000, 1),
      // The lowest greater-than actual threshold, of either type; the lowest forecasted one.
      dollars('aws.billing.budget_alert_level', fixed, 800),
      dollars('aws.billing.budget_forecast_alert_level', fixed, 1000),

      dollars('aws.billing.actual_spend', planned, 1000),
      dollars('aws.billing.forecasted_spend', planned, 2000),
      dollars('aws.billing.budget_limit', planned, 2400),
      ...threshold('team_planned', 'actual', { percent: 50 }, 1200, 0),
      ...threshold('team_planned', 'forecasted', { percent: 90 }, 2160, 0),
      dollars('aws.billing.budget_alert_level', planned, 1200),
      dollars('aws.billing.budget_forecast_alert_level', planned, 2160),

      // Without thresholds: 80 % of the limit, and the limit.
      dollars('aws.billing.actual_spend', none, 10),
      dollars('aws.billing.budget_limit', none, 300),
      dollars('aws.billing.budget_alert_level', none, 240),
      dollars('aws.billing.budget_forecast_alert_level', none, 300),
      TOTAL,
    ];
    const health: ExpectedSeries[] = [
      { metric: 'aws.billing.collector.run', tags: [ACCOUNT_TAG, 'status:success', 'trigger:schedule'], value: 1 },
      { metric: 'aws.billing.collector.series', tags: [ACCOUNT_TAG], value: budgets.length },
      { metric: 'aws.billing.collector.duration', tags: [ACCOUNT_TAG], unit: 'second', value: 'any' },
      { metric: 'aws.billing.estimated_charges.age', tags: [ACCOUNT_TAG], unit: 'hour', value: 'any' },
    ];
    expect(linesOf(h.intake.series())).toEqual(linesOf([...budgets, ...health]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
  });

  it('reads the notifications in one call beside DescribeBudgets, and counts the threshold of the usage budget as skipped', () => {
    expect(runSummary(invocation)).toMatchObject({
      status: 'success',
      errors: [],
      skipped: { not_a_cost_budget: 1, non_cost_budget_threshold: 1 },
      awsCalls: { DescribeBudgets: 1, DescribeBudgetNotificationsForAccount: 1 },
    });
    expect(h.gaps.take().operations).toEqual({ DescribeBudgetNotificationsForAccount: 1 });
  });
});

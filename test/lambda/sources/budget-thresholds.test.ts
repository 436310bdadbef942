/**
 * The budgets' alert thresholds, read by the budgets source beside DescribeBudgets: the
 * threshold, alarm and alert-level samples, the skips, paging, and a failing read that leaves
 * the budgets' own points intact.
 */
import { RequestCap } from '../../../lambda/request-cap';
import {
  AccessDeniedException,
  BudgetsClient,
  DescribeBudgetNotificationsForAccountCommand,
  DescribeBudgetsCommand,
  type Budget,
  type BudgetNotificationsForAccount,
  type Notification,
} from '@aws-sdk/client-budgets';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../lambda/errors';
import { createLogger } from '../../../lambda/log';
import type { CallCounter, Sample, SourceResult } from '../../../lambda/samples';
import { DEFAULT_ALERT_SHARE } from '../../../lambda/sources/budget-thresholds';
import { budgetsSource, collectBudgets } from '../../../lambda/sources/budgets';

const ACCOUNT_ID = '123456789012';
const NOW = new Date('2024-03-15T12:00:00Z');
const budgetsMock = mockClient(BudgetsClient);

const usd = (Amount: string) => ({ Amount, Unit: 'USD' });
const epochSeconds = (iso: string): string => String(Date.parse(iso) / 1000);

function costBudget(name: string, overrides: Partial<Budget> = {}): Budget {
  return {
    BudgetName: name,
    BudgetType: 'COST',
    TimeUnit: 'MONTHLY',
    BudgetLimit: usd('1000.0'),
    CalculatedSpend: { ActualSpend: usd('600.0'), ForecastedSpend: usd('950.0') },
    ...overrides,
  };
}

/** A notification: above 80 % of the actual spend, not in alarm, unless told otherwise. */
function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    NotificationType: 'ACTUAL',
    ComparisonOperator: 'GREATER_THAN',
    Threshold: 80,
    ThresholdType: 'PERCENTAGE',
    NotificationState: 'OK',
    ...overrides,
  };
}

async function collect(
  budgets: Budget[],
  notifications: BudgetNotificationsForAccount[],
  options: { thresholds?: boolean; calls?: CallCounter } = {},
): Promise<SourceResult> {
  budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: budgets });
  budgetsMock.on(DescribeBudgetNotificationsForAccountCommand).resolves({ BudgetNotificationsForAccount: notifications });
  return collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
    accountId: ACCOUNT_ID,
    now: NOW,
    log: createLogger('ERROR', () => undefined),
    calls: options.calls ?? {},
    thresholds: options.thresholds ?? true,
  });
}

/** The samples of one metric, each as its value and its tags as an object. */
function pointsOf(result: SourceResult, metric: Sample['metric']): { value: number; tags: Record<string, string> }[] {
  return result.samples
    .filter((sample) => sample.metric === metric)
    .map((sample) => ({ value: sample.value, tags: Object.fromEntries(sample.tags) as Record<string, string> }));
}

const BUDGET_TAGS = { budget_name: 'Team A', budget_type: 'cost', time_unit: 'monthly', currency: 'usd', account_id: ACCOUNT_ID };

beforeEach(() => {
  budgetsMock.reset();
});

describe('budget thresholds: the two threshold types', () => {
  it('sends a percentage threshold as that share of the limit, and an absolute one as its amount, each with its tags', async () => {
    const result = await collect(
      [costBudget('Team A')],
      [
        {
          BudgetName: 'Team A',
          Notifications: [
            notification({ Threshold: 80 }),
            notification({
              NotificationType: 'FORECASTED',
              Threshold: 250,
              ThresholdType: 'ABSOLUTE_VALUE',
              ComparisonOperator: 'EQUAL_TO',
            }),
          ],
        },
      ],
    );

    expect(pointsOf(result, 'budgetThreshold')).toEqual([
      {
        value: 800,
        tags: {
          ...BUDGET_TAGS,
          notification_type: 'actual',
          comparison: 'greater_than',
          threshold_type: 'percentage',
          threshold_percent: '80',
        },
      },
      {
        value: 250,
        tags: {
          ...BUDGET_TAGS,
          notification_type: 'forecasted',
          comparison: 'equal_to',
          threshold_type: 'absolute_value',
          threshold_amount: '250',
        },
      },
    ]);
    // Money in the ISO code as AWS gave it, which makes the series' unit `dollar`; the alarm state has none.
    const currencies = (alarms: boolean) =>
      new Set(result.samples.filter((sample) => (sample.metric === 'budgetAlert') === alarms).map((sample) => sample.currency));
    expect(currencies(false)).toEqual(new Set(['USD']));
    expect(currencies(true)).toEqual(new Set([undefined]));
    expect(result.errors).toBeUndefined();
  });

  it('reads a threshold without a ThresholdType as a percentage, AWS default', async () => {
    const result = await collect(
      [costBudget('Team A')],
      [{ BudgetName: 'Team A', Notifications: [notification({ ThresholdType: undefined, Threshold: 50 })] }],
    );
    expect(pointsOf(result, 'budgetThreshold').map((point) => [point.value, point.tags.threshold_type])).toEqual([[500, 'percentage']]);
  });

  it('takes a percentage of the planned limit in force now, the limit budget_limit sends', async () => {
    const planned = costBudget('Team A', {
      BudgetLimit: undefined,
      PlannedBudgetLimits: {
        [epochSeconds('2024-02-01T00:00:00Z')]: usd('1000.0'),
        [epochSeconds('2024-03-01T00:00:00Z')]: usd('2400.0'),
        [epochSeconds('2024-04-01T00:00:00Z')]: usd('9000.0'),
      },
    });
    const result = await collect([planned], [{ BudgetName: 'Team A', Notifications: [notification({ Threshold: 80 })] }]);

    expect(pointsOf(result, 'budgetLimit').map((point) => point.value)).toEqual([2400]);
    expect(pointsOf(result, 'budgetThreshold').map((point) => point.value)).toEqual([1920]);
    expect(pointsOf(result, 'budgetAlertLevel').map((point) => point.value)).toEqual([1920]);
  });
});

describe('budget thresholds: alarms', () => {
  it.each([
    ['ALARM', 1],
    ['OK', 0],
    [undefined, 0],
  ] as const)('sends budget_alert %s as %d, with the threshold tags', async (state, value) => {
    const result = await collect(
      [costBudget('Team A')],
      [{ BudgetName: 'Team A', Notifications: [notification({ NotificationState: state })] }],
    );
    expect(pointsOf(result, 'budgetAlert')).toEqual([
      {
        value,
        tags: {
          ...BUDGET_TAGS,
          notification_type: 'actual',
          comparison: 'greater_than',
          threshold_type: 'percentage',
          threshold_percent: '80',
        },
      },
    ]);
  });
});

describe('budget thresholds: the alert levels the monitors compare with', () => {
  it('takes the lowest greater-than threshold of each type, whatever its kind, and ignores the other comparisons', async () => {
    const result = await collect(
      [costBudget('Team A')],
      [
        {
          BudgetName: 'Team A',
          Notifications: [
            notification({ Threshold: 90 }),
            notification({ Threshold: 500, ThresholdType: 'ABSOLUTE_VALUE' }),
            notification({ Threshold: 10, ComparisonOperator: 'LESS_THAN' }),
            notification({ NotificationType: 'FORECASTED', Threshold: 110 }),
            notification({ NotificationType: 'FORECASTED', Threshold: 100 }),
          ],
        },
      ],
    );
    expect(pointsOf(result, 'budgetAlertLevel')).toEqual([{ value: 500, tags: BUDGET_TAGS }]);
    expect(pointsOf(result, 'budgetForecastAlertLevel')).toEqual([{ value: 1000, tags: BUDGET_TAGS }]);
  });

  it(`falls back to ${DEFAULT_ALERT_SHARE * 100} % of the limit and to the limit for a budget without thresholds`, async () => {
    const result = await collect(
      [costBudget('Team A'), costBudget('Team B')],
      [{ BudgetName: 'Team B', Notifications: [notification({ Threshold: 50 })] }],
    );
    expect(pointsOf(result, 'budgetAlertLevel').map((point) => [point.tags.budget_name, point.value])).toEqual([
      ['Team A', 800],
      ['Team B', 500],
    ]);
    expect(pointsOf(result, 'budgetForecastAlertLevel').map((point) => [point.tags.budget_name, point.value])).toEqual([
      ['Team A', 1000],
      ['Team B', 1000],
    ]);
  });

  it('with thresholds off, reads no notification and sends the default levels only', async () => {
    const calls: CallCounter = {};
    const result = await collect([costBudget('Team A')], [{ BudgetName: 'Team A', Notifications: [notification({ Threshold: 50 })] }], {
      thresholds: false,
      calls,
    });
    expect(budgetsMock.commandCalls(DescribeBudgetNotificationsForAccountCommand)).toHaveLength(0);
    expect(calls).toEqual({ DescribeBudgets: 1 });
    expect(pointsOf(result, 'budgetThreshold')).toEqual([]);
    expect(pointsOf(result, 'budgetAlertLevel').map((point) => point.value)).toEqual([800]);
    expect(pointsOf(result, 'budgetForecastAlertLevel').map((point) => point.value)).toEqual([1000]);
  });

  it('the source passes collectBudgetThresholds to the collection', async () => {
    budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: [] });
    budgetsMock.on(DescribeBudgetNotificationsForAccountCommand).resolves({});
    const run = {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: createLogger('ERROR', () => undefined),
      signal: new AbortController().signal,
      costExplorerRequests: new RequestCap('Cost Explorer', 10, 'costExplorerMaxRequests'),
    };
    for (const collectBudgetThresholds of [true, false]) {
      const calls: CallCounter = {};
      const config = { collectBudgetThresholds } as Parameters<typeof budgetsSource.collect>[1]['config'];
      await budgetsSource.collect({ budgets: new BudgetsClient({ region: 'us-east-1' }) }, { ...run, config, calls });
      expect(calls.DescribeBudgetNotificationsForAccount).toBe(collectBudgetThresholds ? 1 : undefined);
    }
  });
});

describe('budget thresholds: skips', () => {
  it('counts each notification of a budget that is not COST, and sends nothing for it', async () => {
    const usage: Budget = { BudgetName: 'S3', BudgetType: 'USAGE', TimeUnit: 'MONTHLY', BudgetLimit: { Amount: '10', Unit: 'GBMo' } };
    const result = await collect([usage], [{ BudgetName: 'S3', Notifications: [notification(), notification({ Threshold: 100 })] }]);
    expect(result.samples).toEqual([]);
    expect(result.skipped).toEqual({ not_a_cost_budget: 1, non_cost_budget_threshold: 2 });
  });

  it('counts a percentage threshold of a budget with no current limit, and still sends its absolute one', async () => {
    const later = costBudget('Team A', {
      BudgetLimit: undefined,
      PlannedBudgetLimits: { [epochSeconds('2024-04-01T00:00:00Z')]: usd('10') },
    });
    const result = await collect(
      [later],
      [
        {
          BudgetName: 'Team A',
          Notifications: [notification({ Threshold: 80 }), notification({ Threshold: 300, ThresholdType: 'ABSOLUTE_VALUE' })],
        },
      ],
    );
    expect(result.skipped).toEqual({ no_current_limit: 1, threshold_without_limit: 1 });
    expect(pointsOf(result, 'budgetThreshold').map((point) => point.value)).toEqual([300]);
    // The absolute threshold is a level; without a limit there is no default for the forecast.
    expect(pointsOf(result, 'budgetAlertLevel').map((point) => point.value)).toEqual([300]);
    expect(pointsOf(result, 'budgetForecastAlertLevel')).toEqual([]);
  });

  it('counts a threshold that is not a number as an invalid amount', async () => {
    const result = await collect(
      [costBudget('Team A')],
      [{ BudgetName: 'Team A', Notifications: [notification({ Threshold: Number.NaN })] }],
    );
    expect(result.skipped).toEqual({ invalid_amount: 1 });
    expect(pointsOf(result, 'budgetThreshold')).toEqual([]);
  });

  it('leaves out the notifications of a budget DescribeBudgets did not list (created or deleted between the reads)', async () => {
    const result = await collect([], [{ BudgetName: 'Gone', Notifications: [notification()] }]);
    expect(result).toEqual({ samples: [], skipped: {} });
  });
});

describe('budget thresholds: the read', () => {
  it('reads every page of 1000 budgets, passing the NextToken back, in counted calls', async () => {
    budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: [costBudget('Team A'), costBudget('Team B')] });
    budgetsMock
      .on(DescribeBudgetNotificationsForAccountCommand)
      .resolvesOnce({ BudgetNotificationsForAccount: [{ BudgetName: 'Team A', Notifications: [notification()] }], NextToken: 'page-2' })
      .resolvesOnce({ BudgetNotificationsForAccount: [{ BudgetName: 'Team B', Notifications: [notification({ Threshold: 40 })] }] });
    const calls: CallCounter = {};

    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: createLogger('ERROR', () => undefined),
      calls,
      thresholds: true,
    });

    expect(budgetsMock.commandCalls(DescribeBudgetNotificationsForAccountCommand).map((call) => call.args[0].input)).toEqual([
      { AccountId: ACCOUNT_ID, MaxResults: 1000, NextToken: undefined },
      { AccountId: ACCOUNT_ID, MaxResults: 1000, NextToken: 'page-2' },
    ]);
    expect(calls).toEqual({ DescribeBudgets: 1, DescribeBudgetNotificationsForAccount: 2 });
    expect(pointsOf(result, 'budgetThreshold').map((point) => [point.tags.budget_name, point.value])).toEqual([
      ['Team A', 800],
      ['Team B', 400],
    ]);
  });

  it('runs beside DescribeBudgets: both are asked before either answers', async () => {
    let release: () => void = () => undefined;
    const bothAsked = new Promise<void>((resolve) => (release = resolve));
    budgetsMock.on(DescribeBudgetsCommand).callsFake(async () => {
      await bothAsked;
      return { Budgets: [costBudget('Team A')] };
    });
    budgetsMock.on(DescribeBudgetNotificationsForAccountCommand).callsFake(() => {
      release();
      return { BudgetNotificationsForAccount: [{ BudgetName: 'Team A', Notifications: [notification()] }] };
    });

    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: createLogger('ERROR', () => undefined),
      calls: {},
      thresholds: true,
    });
    expect(pointsOf(result, 'budgetThreshold').map((point) => point.value)).toEqual([800]);
  });

  it("keeps the budgets' own points when the thresholds' read is denied, and hands back the error naming budgets:ViewBudget", async () => {
    budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: [costBudget('Team A')] });
    budgetsMock
      .on(DescribeBudgetNotificationsForAccountCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));

    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: createLogger('ERROR', () => undefined),
      calls: {},
      thresholds: true,
    });

    expect(result.samples.map((sample) => sample.metric)).toEqual(['actualSpend', 'forecastedSpend', 'budgetLimit']);
    expect(result.errors).toHaveLength(1);
    const error = result.errors?.[0];
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('budgets:ViewBudget');
  });

  it('still fails the source when DescribeBudgets is denied, whatever the thresholds read does', async () => {
    budgetsMock.on(DescribeBudgetsCommand).rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
    budgetsMock
      .on(DescribeBudgetNotificationsForAccountCommand)
      .rejects(new AccessDeniedException({ message: 'not authorized', $metadata: {} }));
    await expect(
      collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
        accountId: ACCOUNT_ID,
        now: NOW,
        log: createLogger('ERROR', () => undefined),
        calls: {},
        thresholds: true,
      }),
    ).rejects.toBeInstanceOf(AccessDeniedError);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../lambda/environment';
import { metricName, type MetricKey } from '../../lambda/metrics';
import { judgeMonitor, type JudgedSeries } from '../../tools/datadog/judge';
import { buildMonitors, monitorNames } from '../../tools/datadog/monitors';
import { DEFAULT_ASSET_SETTINGS } from '../../tools/datadog/settings';

const prefix = DEFAULTS.metricPrefix;
const names = monitorNames(prefix);
const shipped = buildMonitors(DEFAULT_ASSET_SETTINGS);
const monitor = (monitorName: string) => shipped.find((candidate) => candidate.name === monitorName)!;

function budget(key: MetricKey, budgetName: string, value: number): JudgedSeries {
  return { metric: metricName(prefix, key), value, tags: ['account_id:123456789012', `budget_name:${budgetName}`, 'currency:usd'] };
}

describe('judgeMonitor on the shipped monitors', () => {
  it.each([
    [
      'alerts when a forecast is over its forecast alert level',
      names.forecastAboveLimit,
      'forecastedSpend',
      'budgetForecastAlertLevel',
      110,
      'alert',
    ],
    [
      'is ok when every forecast is within its forecast alert level',
      names.forecastAboveLimit,
      'forecastedSpend',
      'budgetForecastAlertLevel',
      100,
      'ok',
    ],
    ['alerts when actual spend is over its alert level', names.actualNearLimit, 'actualSpend', 'budgetAlertLevel', 101, 'alert'],
    ['is ok when actual spend is at its alert level', names.actualNearLimit, 'actualSpend', 'budgetAlertLevel', 100, 'ok'],
  ] as const)('%s', (_title, monitorName, metric, level, value, verdict) => {
    const judged = judgeMonitor(monitor(monitorName), [
      budget(metric, 'a', value),
      budget(level, 'a', 100),
      // The limit is not what the spend monitors compare with.
      budget('budgetLimit', 'a', 1),
      budget(metric, 'b', 1),
    ]);
    expect(judged.verdict).toBe(verdict);
  });

  it('pairs each budget with its own level, and leaves out a budget without one', () => {
    const judged = judgeMonitor(monitor(names.forecastAboveLimit), [
      budget('forecastedSpend', 'a', 50),
      budget('budgetForecastAlertLevel', 'a', 100),
      budget('forecastedSpend', 'b', 500),
    ]);
    expect(judged).toMatchObject({
      verdict: 'ok',
      groups: [{ group: ['account_id:123456789012', 'budget_name:a'], value: 0.5, alerts: false }],
    });
  });

  it('alerts on a budget alert in ALARM, per budget and kind of threshold', () => {
    const alert = (value: number, type: string): JudgedSeries => ({
      ...budget('budgetAlert', 'a', value),
      tags: [...budget('budgetAlert', 'a', value).tags, `notification_type:${type}`, 'threshold_type:percentage', 'threshold_percent:80'],
    });
    const judged = judgeMonitor(monitor(names.budgetAlertInAlarm), [alert(0, 'actual'), alert(1, 'forecasted')]);
    expect(judged).toMatchObject({
      verdict: 'alert',
      groups: [
        { group: ['account_id:123456789012', 'budget_name:a', 'notification_type:actual'], value: 0, alerts: false },
        { group: ['account_id:123456789012', 'budget_name:a', 'notification_type:forecasted'], value: 1, alerts: true },
      ],
    });
    expect(judgeMonitor(monitor(names.budgetAlertInAlarm), [alert(0, 'actual')]).verdict).toBe('ok');
  });

  it('judges the billing data age on its threshold', () => {
    const age = (value: number): JudgedSeries[] => [{ metric: metricName(prefix, 'estimatedChargesAge'), value, tags: ['account_id:1'] }];
    expect(judgeMonitor(monitor(names.billingDataStale), age(30)).verdict).toBe('alert');
    expect(judgeMonitor(monitor(names.billingDataStale), age(2)).verdict).toBe('ok');
  });

  it('says "no data" when nothing matches, and "needs history" for a sum of runs over a window', () => {
    expect(judgeMonitor(monitor(names.forecastAboveLimit), []).verdict).toBe('no data');
    expect(judgeMonitor(monitor(names.collectorSilent), []).verdict).toBe('needs history');
  });

  it("alerts when the month-end forecast is more than 20 % above last month's total, per account and cost metric", () => {
    const total = (key: MetricKey, value: number, extra: string[] = []): JudgedSeries => ({
      metric: metricName(prefix, key),
      value,
      tags: ['account_id:123456789012', 'billing_scope:total', 'cost_metric:unblended_cost', 'currency:usd', ...extra],
    });
    const judge = (forecast: number) =>
      judgeMonitor(monitor(names.forecastAboveLastMonth), [
        total('costForecast', forecast),
        total('costLastMonth', 100, ['estimated:false']),
        // Another scope's series never enter the total's ratio.
        { ...total('costForecast', 1000), tags: ['account_id:123456789012', 'billing_scope:service', 'cost_metric:unblended_cost'] },
      ]);
    expect(judge(121).verdict).toBe('alert');
    expect(judge(120).verdict).toBe('ok');
  });

  it("needs history for yesterday's cost against its 7-day average, a moving rollup of the runs before", () => {
    expect(judgeMonitor(monitor(names.dailyCostSpike), []).verdict).toBe('needs history');
  });

  it('refuses a query it cannot read rather than guessing', () => {
    expect(() => judgeMonitor({ query: 'avg(last_5m):anomalies(x, "basic", 2) >= 1' }, [])).toThrow(/cannot read/);
  });
});

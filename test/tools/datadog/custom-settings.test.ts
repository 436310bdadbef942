import { describe, expect, it } from 'vitest';
import { METRICS, metricName, type MetricKey } from '../../../lambda/metrics';
import { buildDashboard, dashboardTitle } from '../../../tools/datadog/dashboard';
import { buildMonitors, monitorNames } from '../../../tools/datadog/monitors';
import { liveSpanCovering, timeWindow } from '../../../tools/datadog/queries';
import { InvalidSettingError } from '../../../lambda/errors';
import type { MonitorSettings } from '../../../tools/datadog/settings';
import { dashboardQueries, parseMetricQuery } from './metric-query-parser';

const custom: MonitorSettings = { metricPrefix: 'acme.cost', scheduleMinutes: 15, actualShareOfLimit: 0.9 };

function referencedMetrics(queries: readonly string[]): string[] {
  return queries.flatMap((query) => parseMetricQuery(query).references.map((reference) => reference.metric));
}

function monitorByName(monitors: ReturnType<typeof buildMonitors>, name: string) {
  const monitor = monitors.find((candidate) => candidate.name === name);
  if (monitor === undefined) throw new Error(`no monitor named ${name}`);
  return monitor;
}

describe('a custom metric prefix and schedule', () => {
  const dashboard = buildDashboard(custom);
  const monitors = buildMonitors(custom);
  const names = monitorNames('acme.cost');
  const allQueries = [...dashboardQueries(dashboard), ...monitors.map((monitor) => monitor.query)];

  it('name every metric under the custom prefix and none under the default one', () => {
    const metrics = referencedMetrics(allQueries);
    expect(metrics.length).toBeGreaterThan(0);
    for (const metric of metrics) expect(metric.startsWith('acme.cost.')).toBe(true);
    expect(JSON.stringify({ dashboard, monitors })).not.toContain('aws.billing');
  });

  it('reference every metric the collector defines, as metricName() spells it', () => {
    const expected = (Object.keys(METRICS) as MetricKey[]).map((key) => metricName('acme.cost', key));
    expect(new Set(referencedMetrics(dashboardQueries(dashboard)))).toEqual(new Set(expected));
  });

  it('put the prefix in the dashboard title and in every monitor name, which apply matches on', () => {
    expect(dashboard.title).toBe(dashboardTitle('acme.cost'));
    expect(dashboard.title).toContain('acme.cost');
    expect(monitors.map((monitor) => monitor.name).sort()).toEqual(Object.values(names).sort());
    for (const monitor of monitors) expect(monitor.name.startsWith('[acme.cost] ')).toBe(true);
  });

  it('roll dashboard data up by the schedule period of 15 minutes, and Cost Explorer data by its own period or by the day', () => {
    const rollupsOf = (queries: readonly string[]): Set<number> =>
      new Set(queries.flatMap((query) => [...query.matchAll(/\.rollup\(\w+, (\d+)\)/g)].map((m) => Number(m[1]))));
    const costExplorer = (query: string): boolean => query.includes('acme.cost.cost.');
    expect(rollupsOf(dashboardQueries(dashboard).filter((query) => !costExplorer(query)))).toEqual(new Set([15 * 60]));
    // cost.daily is one UTC day's cost: one bar a day; the other cost gauges arrive once a Cost Explorer run.
    expect(rollupsOf(dashboardQueries(dashboard).filter(costExplorer))).toEqual(new Set([12 * 60 * 60, 24 * 60 * 60]));
    const sixHourly = dashboardQueries(buildDashboard({ ...custom, costExplorerScheduleMinutes: 360 })).filter(costExplorer);
    expect(rollupsOf(sixHourly)).toEqual(new Set([6 * 60 * 60, 24 * 60 * 60]));
  });

  it('call the collector silent after three periods of 15 minutes without a run', () => {
    const silent = monitorByName(monitors, names.collectorSilent);
    // The hourly runs only: a Cost Explorer run does not keep the collector from being silent.
    expect(silent.query).toBe('sum(last_45m):sum:acme.cost.collector.run{trigger:schedule} by {account_id} < 1');
    expect(silent.options).toMatchObject({ notify_no_data: true, no_data_timeframe: 45, thresholds: { critical: 1 } });
    expect(silent.message).toContain('45 minutes');
  });

  it('evaluate budget and billing-age monitors over two periods', () => {
    for (const name of [names.forecastAboveLimit, names.actualNearLimit, names.billingDataStale]) {
      expect(monitorByName(monitors, name).query).toMatch(/^max\(last_30m\):/);
    }
  });

  it("compare spend with each budget's alert levels the collector sends, and use the share only for the dashboard's colours", () => {
    const perBudget = 'by {account_id,budget_name}';
    expect(monitorByName(monitors, names.actualNearLimit).query).toBe(
      `max(last_30m):max:acme.cost.actual_spend{*} ${perBudget} / max:acme.cost.budget_alert_level{*} ${perBudget} > 1`,
    );
    expect(monitorByName(monitors, names.forecastAboveLimit).query).toBe(
      `max(last_30m):max:acme.cost.forecasted_spend{*} ${perBudget} / max:acme.cost.budget_forecast_alert_level{*} ${perBudget} > 1`,
    );
    expect(monitorByName(monitors, names.budgetAlertInAlarm).query).toBe(
      'max(last_30m):max:acme.cost.budget_alert{*} by {account_id,budget_name,notification_type} > 0',
    );
    expect(JSON.stringify(monitors)).not.toContain('0.9');
    expect(JSON.stringify(dashboard)).toContain('"value":90,"palette":"white_on_yellow"');
  });

  it('keep monitor names free of thresholds, so changing one updates the monitor instead of adding another', () => {
    const other = buildMonitors({ ...custom, actualShareOfLimit: 0.5, scheduleMinutes: 120 });
    expect(other.map((monitor) => monitor.name)).toEqual(monitors.map((monitor) => monitor.name));
  });

  it('add notification handles to every message only when asked', () => {
    expect(monitors.some((monitor) => monitor.message.includes('@'))).toBe(false);
    const notified = buildMonitors({ ...custom, notify: ['@slack-billing', '@ops@example.com'] });
    for (const monitor of notified) expect(monitor.message.endsWith('\n\n@slack-billing @ops@example.com')).toBe(true);
  });
});

describe('time windows', () => {
  it.each([
    [1, '1m'],
    [45, '45m'],
    [60, '1h'],
    [90, '90m'],
    [180, '3h'],
    [1440, '1d'],
    [4320, '3d'],
  ])('%i minutes are written as last_%s', (minutes, expected) => {
    expect(timeWindow(minutes)).toBe(expected);
  });

  it.each([
    [5, '1h'],
    [60, '1h'],
    [180, '4h'],
    [241, '1d'],
    [1440, '1d'],
    [2 * 1440, '2d'],
    [3 * 1440, '1w'],
    [60 * 1440, '1mo'],
  ])('a widget covering %i minutes shows the live span %s', (minutes, expected) => {
    expect(liveSpanCovering(minutes)).toBe(expected);
  });

  it('alert when no Cost Explorer run succeeded in two of its periods, the default 12 hours or the one given', () => {
    const names = monitorNames('acme.cost');
    const byDefault = monitorByName(buildMonitors(custom), names.costExplorerRunMissing);
    expect(byDefault.query).toBe('sum(last_1d):sum:acme.cost.collector.run{trigger:cost_explorer,status:success} by {account_id} < 1');
    expect(byDefault.options).toMatchObject({ notify_no_data: true, no_data_timeframe: 1440, thresholds: { critical: 1 } });
    expect(byDefault.message).toContain('1440 minutes; it runs every 720 minutes');
    const eightHours = monitorByName(buildMonitors({ ...custom, costExplorerScheduleMinutes: 480 }), names.costExplorerRunMissing);
    expect(eightHours.query).toMatch(/^sum\(last_16h\):/);
    expect(eightHours.options).toMatchObject({ no_data_timeframe: 960 });
  });

  it('give a daily collector a three-day silence window', () => {
    const silent = buildMonitors({ ...custom, scheduleMinutes: 1440 }).find((m) => m.name === monitorNames('acme.cost').collectorSilent);
    expect(silent?.query).toMatch(/^sum\(last_3d\):/);
  });
});

describe('settings that cannot give valid assets', () => {
  it.each<[string, Partial<MonitorSettings>, string]>([
    ['a prefix starting with a digit', { metricPrefix: '1aws' }, '`metricPrefix`'],
    ['a prefix with a space', { metricPrefix: 'aws billing' }, '`metricPrefix`'],
    ['a prefix ending with a dot', { metricPrefix: 'aws.billing.' }, '`metricPrefix`'],
    ['a schedule of zero minutes', { scheduleMinutes: 0 }, '`scheduleMinutes`'],
    ['a fractional schedule', { scheduleMinutes: 7.5 }, '`scheduleMinutes`'],
    ['a schedule longer than a day', { scheduleMinutes: 1441 }, '`scheduleMinutes`'],
    ['a Cost Explorer schedule longer than a day', { costExplorerScheduleMinutes: 2880 }, '`costExplorerScheduleMinutes`'],
    ['a Cost Explorer schedule of zero minutes', { costExplorerScheduleMinutes: 0 }, '`costExplorerScheduleMinutes`'],
    ['a share given as a percentage', { actualShareOfLimit: 80 }, '`actualShareOfLimit`'],
    ['a share of zero', { actualShareOfLimit: 0 }, '`actualShareOfLimit`'],
    ['a share that is not a number', { actualShareOfLimit: Number.NaN }, '`actualShareOfLimit`'],
    ['a handle without @', { notify: ['slack-billing'] }, '`notify`'],
  ])('%s is refused with a message naming the setting', (_label, change, setting) => {
    const settings = { ...custom, ...change };
    expect(() => buildMonitors(settings)).toThrow(InvalidSettingError);
    expect(() => buildMonitors(settings)).toThrow(setting);
  });

  it('the dashboard refuses the same prefix and schedule problems', () => {
    expect(() => buildDashboard({ metricPrefix: 'aws billing', scheduleMinutes: 60 })).toThrow('`metricPrefix`');
    expect(() => buildDashboard({ metricPrefix: 'aws.billing', scheduleMinutes: -5 })).toThrow('`scheduleMinutes`');
  });
});

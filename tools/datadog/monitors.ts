/**
 * The Datadog monitors for the collector's metrics, built from `lambda/metrics.ts`. Pure: the
 * same settings always give the same JSON, which is what the committed `datadog/monitors.json`
 * is checked against.
 *
 * Names carry the metric prefix and never a threshold: `apply` finds a monitor by its name, so a
 * changed threshold updates the monitor instead of creating a second one.
 */
import { metricName } from '../../lambda/metrics';
import { DEFAULT_ALERT_SHARE } from '../../lambda/sources/budget-thresholds';
import { dashboardTitle } from './dashboard';
import type { DatadogMonitor, DatadogMonitorOptions } from './model';
import { metricQuery, timeWindow } from './queries';
import {
  checkMonitorSettings,
  DAILY_COST_SPIKE,
  DEFAULT_ASSET_SETTINGS,
  FORECAST_GROWTH_ALERT,
  MANAGED_BY_TAG,
  sharePercent,
  type MonitorSettings,
} from './settings';

/** How many schedule periods without a run make the collector "silent". */
export const SILENT_PERIODS = 3;

/**
 * How many periods of the second rule without a successful Cost Explorer run raise its monitor:
 * one failed run is retried by the next, two in a row are a fault to look at.
 */
export const COST_EXPLORER_SILENT_PERIODS = 2;

/** Age of the newest CloudWatch billing point, in hours, above which billing data is stale. */
export const STALE_BILLING_HOURS = 24;

/** The name of each monitor under a prefix; `apply` matches monitors by these names. */
export function monitorNames(metricPrefix: string) {
  const name = (text: string): string => `[${metricPrefix}] ${text}`;
  return {
    forecastAboveLimit: name('Budget forecast above its limit'),
    actualNearLimit: name('Budget actual spend near its limit'),
    budgetAlertInAlarm: name('AWS budget alert in ALARM'),
    collectorSilent: name('Billing collector silent'),
    billingDataStale: name('AWS billing data stale'),
    accountsFailed: name('Organization accounts not read'),
    costExplorerRunMissing: name('No successful Cost Explorer run'),
    forecastAboveLastMonth: name('Month-end forecast above last month'),
    dailyCostSpike: name("Yesterday's cost above its 7-day average"),
  } as const;
}

/**
 * Builds the monitors: forecast above its alert level, actual spend above its alert level, a
 * budget alert of AWS Budgets in alarm, collector silent for {@link SILENT_PERIODS} schedule
 * periods, billing data older than {@link STALE_BILLING_HOURS} hours, and (organization mode)
 * accounts the collector could not read.
 *
 * The two spend monitors compare with the levels the collector sends per budget
 * (`budget_alert_level`, `budget_forecast_alert_level`): the budget's own lowest threshold, or
 * the default the collector falls back to, since a monitor cannot fall back group by group.
 * @throws InvalidSettingError when a setting cannot give valid monitors.
 */
export function buildMonitors(settings: MonitorSettings): DatadogMonitor[] {
  checkMonitorSettings(settings);
  const { metricPrefix: prefix, scheduleMinutes } = settings;
  const names = monitorNames(prefix);
  const dashboard = `the "${dashboardTitle(prefix)}" dashboard`;
  const percent = `${sharePercent(DEFAULT_ALERT_SHARE)} %`;
  // Budget and age points arrive once a run: two periods always hold at least one of them.
  const recent = `last_${timeWindow(2 * scheduleMinutes)}`;
  const silentMinutes = SILENT_PERIODS * scheduleMinutes;
  const perBudget = ['account_id', 'budget_name'] as const;
  const notify = settings.notify ?? [];

  const message = (...paragraphs: string[]): string =>
    [...paragraphs, ...(notify.length > 0 ? [notify.join(' ')] : [])].join('\n\n');
  const options = (critical: number, noData?: { minutes: number }): DatadogMonitorOptions => ({
    thresholds: { critical },
    notify_no_data: noData !== undefined,
    ...(noData === undefined ? {} : { no_data_timeframe: noData.minutes }),
    // One point a run is a sparse metric: never wait for a full window.
    require_full_window: false,
    include_tags: true,
    notify_audit: false,
  });
  const tags = [MANAGED_BY_TAG];

  const forecast = metricQuery(prefix, { metric: 'forecastedSpend', aggregation: 'max', groupBy: perBudget });
  const actual = metricQuery(prefix, { metric: 'actualSpend', aggregation: 'max', groupBy: perBudget });
  const actualLevel = metricQuery(prefix, { metric: 'budgetAlertLevel', aggregation: 'max', groupBy: perBudget });
  const forecastLevel = metricQuery(prefix, { metric: 'budgetForecastAlertLevel', aggregation: 'max', groupBy: perBudget });
  // Any threshold of one kind (actual or forecasted) in alarm alerts that budget's group.
  const alarms = metricQuery(prefix, { metric: 'budgetAlert', aggregation: 'max', groupBy: [...perBudget, 'notification_type'] });
  // The hourly runs only: the second rule's runs are too rare to keep the collector from looking
  // silent, and would hide hourly runs that stopped.
  const runs = metricQuery(prefix, {
    metric: 'collectorRun',
    aggregation: 'sum',
    scope: [{ tag: 'trigger', value: 'schedule' }],
    groupBy: ['account_id'],
  });
  const costExplorerMinutes = settings.costExplorerScheduleMinutes ?? DEFAULT_ASSET_SETTINGS.costExplorerScheduleMinutes;
  const costExplorerSilentMinutes = COST_EXPLORER_SILENT_PERIODS * costExplorerMinutes;
  // Cost Explorer's gauges arrive once a run of the second rule: two of its periods (24 hours by
  // default, more than the 13 hours a 12-hourly gauge needs) always hold one.
  const costRecent = `last_${timeWindow(2 * costExplorerMinutes)}`;
  const costTotal = [{ tag: 'billing_scope', value: 'total' }] as const;
  const perCostMetric = ['account_id', 'cost_metric'] as const;
  const forecastTotal = metricQuery(prefix, { metric: 'costForecast', aggregation: 'max', scope: costTotal, groupBy: perCostMetric });
  // `estimated:true` until AWS finalizes the month, then `false`: the largest is either.
  const lastMonthTotal = metricQuery(prefix, { metric: 'costLastMonth', aggregation: 'max', scope: costTotal, groupBy: perCostMetric });
  const dailyTotal = metricQuery(prefix, { metric: 'costDaily', aggregation: 'max', scope: costTotal, groupBy: perCostMetric });
  const growthPercent = Math.round((FORECAST_GROWTH_ALERT - 1) * 100);
  const costExplorerSuccesses = metricQuery(prefix, {
    metric: 'collectorRun',
    aggregation: 'sum',
    scope: [
      { tag: 'trigger', value: 'cost_explorer' },
      { tag: 'status', value: 'success' },
    ],
    groupBy: ['account_id'],
  });
  const age = metricQuery(prefix, { metric: 'estimatedChargesAge', aggregation: 'max', groupBy: ['account_id'] });
  const failedAccounts = metricQuery(prefix, {
    metric: 'collectorAccounts',
    aggregation: 'max',
    scope: [{ tag: 'status', value: 'failed' }],
    groupBy: ['account_id'],
  });

  return [
    {
      name: names.forecastAboveLimit,
      type: 'query alert',
      query: `max(${recent}):${forecast} / ${forecastLevel} > 1`,
      message: message(
        'AWS forecasts that budget **{{budget_name.name}}** of account {{account_id.name}} ends its period at ' +
          '{{value}} times its forecast alert level: its lowest forecasted alert threshold in AWS Budgets, or its limit ' +
          'when it has none.',
        'What to check:\n' +
          '- Cost Explorer for account {{account_id.name}}: which services grew this period.\n' +
          `- ${capitalize(dashboard)}: top services, linked accounts and the budget table.\n` +
          '- The budget in the AWS Budgets console: is its limit still right for this period?',
        'AWS Budgets refreshes forecasts a few times a day; the monitor recovers when the forecast is back under the limit.',
      ),
      tags,
      priority: 2,
      options: options(1),
    },
    {
      name: names.actualNearLimit,
      type: 'query alert',
      query: `max(${recent}):${actual} / ${actualLevel} > 1`,
      message: message(
        `Budget **{{budget_name.name}}** of account {{account_id.name}} has passed its alert level: its lowest actual ` +
          `alert threshold in AWS Budgets, or ${percent} of its limit when it has none (actual spend is {{value}} times the level).`,
        'What to check:\n' +
          '- Cost Explorer for account {{account_id.name}}: what was spent this period, by service.\n' +
          `- ${capitalize(dashboard)}: the budget table shows actual, forecast and limit side by side.\n` +
          '- Whether the spend is expected; if so, raise the budget limit in the AWS Budgets console.',
      ),
      tags,
      priority: 3,
      options: options(1),
    },
    {
      name: names.budgetAlertInAlarm,
      type: 'query alert',
      query: `max(${recent}):${alarms} > 0`,
      message: message(
        'AWS Budgets reports an {{notification_type.name}} alert threshold of budget **{{budget_name.name}}** of account ' +
          '{{account_id.name}} in ALARM: the spend has crossed a threshold set on the budget itself.',
        'What to check:\n' +
          `- ${capitalize(dashboard)}: the budget alert thresholds tables show which threshold, and its amount.\n` +
          '- Cost Explorer for account {{account_id.name}}: what was spent this period, by service.\n' +
          '- The budget in the AWS Budgets console: its alerts, and whether the threshold is still right.',
        'AWS Budgets clears the alarm when the spend or forecast falls back under the threshold, or at the start of the next period.',
      ),
      tags,
      priority: 2,
      options: options(0),
    },
    {
      name: names.collectorSilent,
      type: 'query alert',
      query: `sum(last_${timeWindow(silentMinutes)}):${runs} < 1`,
      message: message(
        `No run of the aws-billing-to-datadog collector for account {{account_id.name}} has reported to Datadog for ` +
          `${SILENT_PERIODS} schedule periods (${silentMinutes} minutes; it runs every ${scheduleMinutes} minutes), ` +
          'so the billing metrics are not current.',
        'What to check:\n' +
          "- The collector function's CloudWatch logs: every run writes one JSON summary line with its errors " +
          '(an API key that is not set or not valid, AccessDenied naming the missing IAM action, a configuration error).\n' +
          "- The stack's \"no successful run\" CloudWatch alarm and the function's Errors and Throttles metrics.\n" +
          "- The function's EventBridge schedule rule is enabled and the function still exists.\n" +
          '- The Datadog API key in the secret and DD_SITE: Datadog answers 403 to a wrong key or site.\n' +
          `- SEND_HEALTH_METRICS is not false and METRIC_PREFIX is "${prefix}": this monitor counts \`${metricName(prefix, 'collectorRun')}\`.`,
      ),
      tags,
      priority: 2,
      options: options(1, { minutes: silentMinutes }),
    },
    {
      name: names.billingDataStale,
      type: 'query alert',
      query: `max(${recent}):${age} > ${STALE_BILLING_HOURS}`,
      message: message(
        `The newest CloudWatch billing figure the collector read for account {{account_id.name}} is {{value}} hours old ` +
          `(more than ${STALE_BILLING_HOURS}): month-to-date spend on ${dashboard} is out of date.`,
        'What to check:\n' +
          '- Billing preferences in the AWS console: "Receive Billing Alerts" (CloudWatch billing alerts) is still on.\n' +
          '- CloudWatch in us-east-1, namespace AWS/Billing, metric EstimatedCharges: does it have recent points? ' +
          'AWS publishes several times a day but is sometimes late, most often in the first days of a month.\n' +
          '- If CloudWatch has recent points, the collector\'s run summary: its skipped counts (stale_billing_point, ' +
          'no_billing_point) and errors.',
      ),
      tags,
      priority: 3,
      // The collector stops sending the age once the newest point is older than its 48-hour
      // window: alert on that silence too, after a day, or the alert would clear itself.
      options: options(STALE_BILLING_HOURS, { minutes: STALE_BILLING_HOURS * 60 }),
    },
    {
      name: names.accountsFailed,
      type: 'query alert',
      // Each run sends its count of failed accounts, 0 included: the monitor recovers on the next good run.
      query: `max(${recent}):${failedAccounts} >= 1`,
      message: message(
        'The collector in account {{account_id.name}} could not read {{value}} accounts of its AWS Organization in its ' +
          'last run; it sent every other account, and the run is partial.',
        'What to check:\n' +
          "- The collector function's CloudWatch logs: one warning per account, with its id, name and the fix.\n" +
          '- A member role that is missing or refused: deploy the member role to the account\'s OU with the StackSet ' +
          '(docs/organizations.md in the project), or add the OU to memberRoleTargets.\n' +
          '- An account that stays throttled or does not answer in time: it is read again on the next run.',
      ),
      tags,
      priority: 3,
      // Organization mode only: a collector of one account never sends it.
      options: options(1),
    },
    {
      name: names.costExplorerRunMissing,
      type: 'query alert',
      // Successes only: a Cost Explorer run that fails still reports (status:failure or partial),
      // and the hourly runs' successes say nothing of it. A group exists once its account has
      // sent a Cost Explorer run, so a collector without the source never alerts.
      query: `sum(last_${timeWindow(costExplorerSilentMinutes)}):${costExplorerSuccesses} < 1`,
      message: message(
        `No Cost Explorer run of the aws-billing-to-datadog collector for account {{account_id.name}} has succeeded in ` +
          `${COST_EXPLORER_SILENT_PERIODS} of its periods (${costExplorerSilentMinutes} minutes; it runs every ${costExplorerMinutes} ` +
          'minutes), so the cost metrics (daily, month to date, last month, forecast) are not current.',
        'What to check:\n' +
          "- The collector function's CloudWatch logs: the summary line of each run with `\"trigger\":\"cost_explorer\"` " +
          'says why it failed (Cost Explorer not enabled or its data not available, access denied to ce:GetCostAndUsage, ' +
          'the request cap reached).\n' +
          "- The stack's errors alarm: a failed Cost Explorer run throws, and it is not retried (each request is billed).\n" +
          "- The stack's Cost Explorer EventBridge rule is enabled, and collectCostExplorer is still true.\n" +
          `- docs/cost-explorer.md in the project lists each error and its fix; this monitor counts \`${metricName(prefix, 'collectorRun')}\` ` +
          'with trigger:cost_explorer and status:success.',
      ),
      tags,
      priority: 3,
      options: options(1, { minutes: costExplorerSilentMinutes }),
    },
    {
      name: names.forecastAboveLastMonth,
      type: 'query alert',
      query: `max(${costRecent}):${forecastTotal} / ${lastMonthTotal} > ${FORECAST_GROWTH_ALERT}`,
      message: message(
        `Cost Explorer forecasts that account {{account_id.name}} ends this month at {{value}} times last month's total ` +
          `({{cost_metric.name}}): more than ${growthPercent} % above it.`,
        'What to check:\n' +
          `- ${capitalize(dashboard)}: daily cost by service, and last month against the forecast.\n` +
          '- Cost Explorer for account {{account_id.name}}: which services or linked accounts grew this month.\n' +
          '- Early in a month the forecast rests on few days: a one-off charge (a Reserved Instance or Savings Plans ' +
          'fee in unblended cost) lifts it until later days dilute it.',
        'Cost Explorer refreshes its forecast up to three times a day; the monitor recovers when the forecast is back under the threshold.',
      ),
      tags,
      priority: 3,
      // The collector sends both once a run of the second rule; a collector without it never does.
      options: options(FORECAST_GROWTH_ALERT),
    },
    {
      name: names.dailyCostSpike,
      type: 'query alert',
      // The 7-day average is taken over the daily figures themselves (each run sends the last
      // complete day's), so it needs a week of runs before it means anything.
      query: `max(${costRecent}):${dailyTotal} / moving_rollup(${dailyTotal}, ${7 * 24 * 60 * 60}, 'avg') > ${DAILY_COST_SPIKE}`,
      message: message(
        `Account {{account_id.name}} spent {{value}} times its 7-day average yesterday ({{cost_metric.name}}, the last ` +
          `complete UTC day as Cost Explorer estimates it): above ${DAILY_COST_SPIKE} times.`,
        'What to check:\n' +
          `- ${capitalize(dashboard)}: daily cost by service shows which service jumped.\n` +
          '- Cost Explorer for account {{account_id.name}}, daily granularity, grouped by service and usage type.\n' +
          '- A purchase that is billed once (Reserved Instances, Savings Plans, support, domain names) shows as a one-day ' +
          'spike in unblended cost; amortized_cost spreads it out.',
      ),
      tags,
      priority: 3,
      options: options(DAILY_COST_SPIKE),
    },
  ];
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

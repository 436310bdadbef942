/**
 * The Datadog dashboard for the collector's metrics, built from `lambda/metrics.ts`. Pure: the
 * same settings always give the same JSON, which is what the committed `datadog/dashboard.json`
 * is checked against.
 */
import type { MetricKey } from '../../lambda/metrics';
import type { BillingScope } from '../../lambda/sources/estimated-charges';
import type {
  ConditionalFormat,
  DatadogDashboard,
  FormulaRequest,
  MetricQueryDefinition,
  TimeseriesDefinition,
  Widget,
  WidgetAggregator,
  WidgetDefinition,
  WidgetLiveSpan,
} from './model';
import { liveSpanCovering, metricQuery, TEMPLATE_VARIABLES, type MetricQuery, type ScopeItem } from './queries';
import {
  checkDashboardSettings,
  DASHBOARD_MARKER,
  DEFAULT_ASSET_SETTINGS,
  FORECAST_GROWTH_ALERT,
  sharePercent,
  type DashboardSettings,
} from './settings';

/** The dashboard's title; `apply` matches it together with {@link DASHBOARD_MARKER}. */
export function dashboardTitle(metricPrefix: string): string {
  return `AWS billing and budgets (${metricPrefix})`;
}

/**
 * Builds the dashboard: month-to-date spend, top services, linked accounts, budgets against
 * their limits and forecasts, and the collector's health.
 * @throws InvalidSettingError when a setting cannot give a valid dashboard.
 */
export function buildDashboard(settings: DashboardSettings): DatadogDashboard {
  checkDashboardSettings(settings);
  const { metricPrefix: prefix, scheduleMinutes } = settings;
  const period = scheduleMinutes * 60;
  // Utilization turns yellow where a budget without thresholds of its own alerts.
  const warningPercent = sharePercent(settings.actualShareOfLimit ?? DEFAULT_ASSET_SETTINGS.actualShareOfLimit);
  // Sparse data (one point a run): scalar widgets look back over a few runs so the latest
  // point of every account is inside the window, and trends show a month.
  const recent = liveSpanCovering(3 * scheduleMinutes);
  const health = liveSpanCovering(24 * scheduleMinutes);
  const month: WidgetLiveSpan = '1mo';

  const q = <K extends MetricKey>(name: string, query: MetricQuery<K>, aggregator?: WidgetAggregator): MetricQueryDefinition => ({
    data_source: 'metrics',
    name,
    query: metricQuery(prefix, { ...query, scope: [...(query.scope ?? []), ...dashboardFilters<K>()] }),
    ...(aggregator === undefined ? {} : { aggregator }),
  });
  // Each run's point lands in one bucket of a schedule period, so a sum across accounts adds
  // up one point of each account instead of whichever account reported last.
  const latest = { method: 'max', seconds: period } as const;
  const charges = (scope: BillingScope, groupBy?: MetricQuery<'estimatedCharges'>['groupBy']): MetricQuery<'estimatedCharges'> => ({
    metric: 'estimatedCharges',
    aggregation: 'sum',
    scope: [{ tag: 'billing_scope', value: scope }],
    groupBy,
    rollup: latest,
  });
  const costTotal = [{ tag: 'billing_scope', value: 'total' }] as const;
  const budget = <K extends 'actualSpend' | 'forecastedSpend' | 'budgetLimit' | 'budgetAlertLevel' | 'budgetForecastAlertLevel'>(
    metric: K,
    groupBy: MetricQuery<K>['groupBy'],
  ): MetricQuery<K> => ({
    metric,
    aggregation: 'max',
    groupBy,
    rollup: latest,
  });
  // The account's name beside its id: organization mode tags it (empty for a single account).
  const budgetKeys = ['account_id', 'account_name', 'budget_name', 'time_unit'] as const;
  // A percentage threshold carries `threshold_percent`, an amount `threshold_amount`: one table
  // each, so that every row's series carries every tag the table groups by.
  const thresholds = (kind: 'percentage' | 'absolute_value', stated: 'threshold_percent' | 'threshold_amount', title: string): WidgetDefinition => {
    const keys = ['account_id', 'budget_name', 'notification_type', 'comparison', stated] as const;
    const scope = [{ tag: 'threshold_type', value: kind }] as const;
    return {
      type: 'query_table',
      title,
      time: { live_span: recent },
      has_search_bar: 'auto',
      requests: [
        scalar(
          [
            q('threshold', { metric: 'budgetThreshold', aggregation: 'max', scope, groupBy: keys, rollup: latest }, 'last'),
            q('alarm', { metric: 'budgetAlert', aggregation: 'max', scope, groupBy: keys, rollup: latest }, 'last'),
          ],
          [
            { formula: 'alarm', alias: 'In alarm (1)', limit: { count: 500, order: 'desc' }, conditional_formats: alarmFormats() },
            { formula: 'threshold', alias: 'Threshold amount' },
          ],
        ),
      ],
    };
  };

  const spend = group('Spend this month (CloudWatch estimated charges)', [
    {
      type: 'query_value',
      title: 'Month-to-date total',
      time: { live_span: recent },
      precision: 2,
      autoscale: true,
      requests: [scalar([q('total', charges('total'), 'last')], [{ formula: 'total' }])],
    },
    timeseries('Month-to-date total per account', month, {
      requests: [series([q('total', charges('total', ['account_id']))], [{ formula: 'total' }], 'line')],
    }),
    {
      type: 'toplist',
      title: 'Top services, month to date',
      time: { live_span: recent },
      requests: [
        scalar(
          [q('charges', charges('service', ['servicename']), 'last')],
          [{ formula: 'charges', limit: { count: 10, order: 'desc' } }],
        ),
      ],
    },
    {
      // Organization mode names every linked account (`account_name`); a payer's own run shows ids only.
      type: 'toplist',
      title: 'Spend by account name, month to date',
      time: { live_span: recent },
      requests: [
        scalar(
          [q('charges', charges('linked_account', ['account_name']), 'last')],
          [{ formula: 'charges', limit: { count: 100, order: 'desc' } }],
        ),
      ],
    },
    {
      type: 'toplist',
      title: 'Per linked account, month to date',
      time: { live_span: recent },
      requests: [
        scalar(
          [q('charges', charges('linked_account', ['linkedaccount']), 'last')],
          [{ formula: 'charges', limit: { count: 25, order: 'desc' } }],
        ),
      ],
    },
  ]);

  const budgets = group('Budgets (AWS Budgets, current period)', [
    {
      type: 'query_table',
      title: 'Budgets: actual and forecast against the limit',
      time: { live_span: recent },
      has_search_bar: 'auto',
      requests: [
        scalar(
          [
            q('actual', budget('actualSpend', budgetKeys), 'last'),
            q('forecast', budget('forecastedSpend', budgetKeys), 'last'),
            q('limit', budget('budgetLimit', budgetKeys), 'last'),
            q('level', budget('budgetAlertLevel', budgetKeys), 'last'),
            q('forecast_level', budget('budgetForecastAlertLevel', budgetKeys), 'last'),
            q('alarms', { metric: 'budgetAlert', aggregation: 'sum', groupBy: budgetKeys, rollup: latest }, 'last'),
          ],
          [
            { formula: 'actual', alias: 'Actual', limit: { count: 500, order: 'desc' } },
            { formula: 'forecast', alias: 'Forecast' },
            { formula: 'limit', alias: 'Limit' },
            { formula: '100 * actual / limit', alias: 'Actual, % of limit', conditional_formats: utilizationFormats(warningPercent) },
            { formula: '100 * forecast / limit', alias: 'Forecast, % of limit', conditional_formats: utilizationFormats(warningPercent) },
            // The levels the monitors compare with: the budget's own lowest thresholds, or the defaults.
            { formula: 'level', alias: 'Alert level' },
            { formula: 'forecast_level', alias: 'Forecast alert level' },
            { formula: 'alarms', alias: 'Thresholds in alarm', conditional_formats: alarmFormats() },
          ],
        ),
      ],
    },
    thresholds('percentage', 'threshold_percent', 'Budget alert thresholds, % of the limit'),
    thresholds('absolute_value', 'threshold_amount', 'Budget alert thresholds, amounts'),
    timeseries('Actual spend, % of the budget limit', month, {
      markers: [
        { value: 'y = 100', display_type: 'error dashed', label: 'limit' },
        { value: `y = ${warningPercent}`, display_type: 'warning dashed', label: `${warningPercent} %` },
      ],
      yaxis: { include_zero: true },
      requests: [
        series(
          [q('actual', budget('actualSpend', ['account_id', 'budget_name'])), q('limit', budget('budgetLimit', ['account_id', 'budget_name']))],
          [{ formula: '100 * actual / limit', alias: 'actual, % of limit' }],
          'line',
        ),
      ],
    }),
  ]);

  // Cost Explorer's series arrive once a run of the second rule (every 12 hours by default): the
  // latest point of each lands in one bucket of its period, and scalar widgets look back over a
  // few of its runs.
  const costExplorerMinutes = settings.costExplorerScheduleMinutes ?? DEFAULT_ASSET_SETTINGS.costExplorerScheduleMinutes;
  const costLatest = { method: 'max', seconds: costExplorerMinutes * 60 } as const;
  const costRecent = liveSpanCovering(3 * costExplorerMinutes);
  // `cost.daily` is one UTC day's cost, sent by every run of the next day: one bar a day.
  const perDay = { method: 'max', seconds: 24 * 60 * 60 } as const;
  // Each `cost_metric` is its own series; summing two would add the same spend twice.
  const byCostMetric = ['account_id', 'cost_metric'] as const;
  const costs = group("Cost Explorer (daily, by tag, last month and the month-end forecast)", [
    timeseries('Daily cost by service', month, {
      requests: [
        series(
          [
            q('daily', {
              metric: 'costDaily',
              aggregation: 'sum',
              scope: [{ tag: 'billing_scope', value: 'service' }],
              groupBy: ['aws_service', 'cost_metric'],
              rollup: perDay,
            }),
          ],
          [{ formula: 'daily' }],
          'bars',
        ),
      ],
    }),
    {
      type: 'toplist',
      title: 'Month-to-date cost by cost-allocation tag',
      time: { live_span: costRecent },
      requests: [
        scalar(
          [
            q(
              'cost',
              {
                metric: 'costMonthToDate',
                aggregation: 'sum',
                scope: [{ tag: 'billing_scope', value: 'tag' }],
                groupBy: ['cost_tag', 'cost_tag_value', 'cost_metric'],
                rollup: costLatest,
              },
              'last',
            ),
          ],
          [{ formula: 'cost', limit: { count: 25, order: 'desc' } }],
        ),
      ],
    },
    {
      type: 'query_table',
      title: 'Last month against the month-end forecast',
      time: { live_span: costRecent },
      has_search_bar: 'auto',
      requests: [
        scalar(
          [
            // A finalized month replaces its estimate (`estimated:false`): the largest is either.
            q('last_month', { metric: 'costLastMonth', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }, 'last'),
            q('to_date', { metric: 'costMonthToDate', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }, 'last'),
            q('forecast', { metric: 'costForecast', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }, 'last'),
            q('upper', { metric: 'costForecastUpper', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }, 'last'),
          ],
          [
            { formula: 'last_month', alias: 'Last month', limit: { count: 100, order: 'desc' } },
            { formula: 'to_date', alias: 'Month to date' },
            { formula: 'forecast', alias: 'Month-end forecast' },
            { formula: 'upper', alias: 'Forecast, 80 % upper bound' },
            {
              formula: '100 * forecast / last_month',
              alias: 'Forecast, % of last month',
              conditional_formats: growthFormats(100 * FORECAST_GROWTH_ALERT),
            },
          ],
        ),
      ],
    },
    timeseries('Month-end forecast and last month', month, {
      requests: [
        series(
          [
            q('forecast', { metric: 'costForecast', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }),
            q('upper', { metric: 'costForecastUpper', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }),
            q('last_month', { metric: 'costLastMonth', aggregation: 'max', scope: costTotal, groupBy: byCostMetric, rollup: costLatest }),
          ],
          [
            { formula: 'forecast', alias: 'month-end forecast' },
            { formula: 'upper', alias: 'forecast, 80 % upper bound' },
            { formula: 'last_month', alias: 'last month' },
          ],
          'line',
        ),
      ],
    }),
  ]);

  // AWS Cost Anomaly Detection, read on the Cost Explorer rule's runs (12-hourly): a week shows
  // several points of each monitor. Empty unless collectCostAnomalies is on; the anomalies
  // themselves are Datadog events.
  const week: WidgetLiveSpan = '1w';
  const anomalies = group('Cost anomalies', [
    timeseries('Impact of the open anomalies by monitor ($)', week, {
      requests: [
        series([q('impact', { metric: 'costAnomalyImpact', aggregation: 'sum', groupBy: ['anomaly_monitor'] })], [{ formula: 'impact' }], 'bars'),
      ],
    }),
    timeseries('Open anomalies by monitor', week, {
      requests: [series([q('open', { metric: 'costAnomalyOpen', aggregation: 'sum', groupBy: ['anomaly_monitor'] })], [{ formula: 'open' }], 'bars')],
    }),
    timeseries('Anomaly events posted per run', week, {
      requests: [series([q('posted', { metric: 'costAnomalyEvents', aggregation: 'sum', groupBy: ['account_id'] })], [{ formula: 'posted' }], 'bars')],
    }),
  ]);

  const collector = group('Collector health', [
    timeseries('Runs by status', health, {
      requests: [
        series(
          [q('runs', { metric: 'collectorRun', aggregation: 'sum', groupBy: ['status'], rollup: { method: 'sum', seconds: period } })],
          [{ formula: 'runs' }],
          'bars',
        ),
      ],
    }),
    {
      type: 'query_value',
      title: 'Age of the newest billing data (hours)',
      time: { live_span: recent },
      precision: 1,
      autoscale: false,
      custom_unit: 'h',
      requests: [
        {
          ...scalar([q('age', { metric: 'estimatedChargesAge', aggregation: 'max' }, 'last')], [{ formula: 'age' }]),
          conditional_formats: [
            { comparator: '>', value: 24, palette: 'white_on_red' },
            { comparator: '<=', value: 24, palette: 'white_on_green' },
          ],
        },
      ],
    },
    timeseries('Billing series sent per run', health, {
      requests: [series([q('series', { metric: 'collectorSeries', aggregation: 'sum', groupBy: ['account_id'] })], [{ formula: 'series' }], 'bars')],
    }),
    timeseries('Run duration (seconds)', health, {
      requests: [series([q('duration', { metric: 'collectorDuration', aggregation: 'max', groupBy: ['account_id'] })], [{ formula: 'duration' }], 'line')],
    }),
    // The second rule's runs only, each request billed $0.01 (docs/cost-explorer.md).
    timeseries('Cost Explorer requests per run', health, {
      requests: [
        series(
          [q('requests', { metric: 'collectorCostExplorerRequests', aggregation: 'max', groupBy: ['account_id'] })],
          [{ formula: 'requests' }],
          'bars',
        ),
      ],
    }),
    // Organization mode only: empty for a collector that reads its own account.
    timeseries('Accounts read, failed and skipped per run', health, {
      requests: [series([q('accounts', { metric: 'collectorAccounts', aggregation: 'max', groupBy: ['status'] })], [{ formula: 'accounts' }], 'bars')],
    }),
  ]);

  return {
    title: dashboardTitle(prefix),
    description:
      `AWS spend, budgets and the health of the aws-billing-to-datadog collector, from the metrics under \`${prefix}.*\` ` +
      `(collector schedule: every ${scheduleMinutes} minutes). Generated from the collector's metric definitions; ` +
      'changes made here are overwritten the next time the dashboard is applied.\n\n' +
      DASHBOARD_MARKER,
    layout_type: 'ordered',
    reflow_type: 'auto',
    template_variables: TEMPLATE_VARIABLES.map((name) => ({ name, prefix: name, available_values: [], defaults: ['*'] })),
    widgets: [spend, budgets, costs, anomalies, collector],
  };
}

/** Every query on the dashboard follows its template variables. */
function dashboardFilters<K extends MetricKey>(): ScopeItem<K>[] {
  // Every metric carries `account_id`, `env` is a global tag, and `account_name` is on every
  // source's series in organization mode (`*`, the default, also matches series without it).
  return TEMPLATE_VARIABLES.map((variable) => ({ variable }) as ScopeItem<K>);
}

function group(title: string, definitions: readonly WidgetDefinition[]): Widget {
  return {
    definition: {
      type: 'group',
      title,
      layout_type: 'ordered',
      show_title: true,
      widgets: definitions.map((definition) => ({ definition })),
    },
  };
}

/** A timeseries widget with its legend: the dashboard's usual chart. */
function timeseries(
  title: string,
  liveSpan: WidgetLiveSpan,
  chart: Pick<TimeseriesDefinition, 'requests' | 'markers' | 'yaxis'>,
): TimeseriesDefinition {
  return { type: 'timeseries', title, time: { live_span: liveSpan }, show_legend: true, legend_layout: 'auto', ...chart };
}

function scalar(queries: readonly MetricQueryDefinition[], formulas: FormulaRequest['formulas']): FormulaRequest {
  return { response_format: 'scalar', queries, formulas };
}

function series(
  queries: readonly MetricQueryDefinition[],
  formulas: FormulaRequest['formulas'],
  displayType: NonNullable<FormulaRequest['display_type']>,
): FormulaRequest {
  return { response_format: 'timeseries', queries, formulas, display_type: displayType };
}

/** Red while anything is in alarm, green otherwise. */
function alarmFormats(): ConditionalFormat[] {
  return [
    { comparator: '>', value: 0, palette: 'white_on_red' },
    { comparator: '<=', value: 0, palette: 'white_on_green' },
  ];
}

/** Red above the alerting percentage of last month, yellow above last month, green at or under it. */
function growthFormats(alertPercent: number): ConditionalFormat[] {
  return [
    { comparator: '>', value: alertPercent, palette: 'white_on_red' },
    { comparator: '>', value: 100, palette: 'white_on_yellow' },
    { comparator: '<=', value: 100, palette: 'white_on_green' },
  ];
}

/** Red at or above the limit, yellow from the warning share, green below it. */
function utilizationFormats(warningPercent: number): ConditionalFormat[] {
  return [
    { comparator: '>=', value: 100, palette: 'white_on_red' },
    { comparator: '>=', value: warningPercent, palette: 'white_on_yellow' },
    { comparator: '<', value: warningPercent, palette: 'white_on_green' },
  ];
}

import { describe, expect, it } from 'vitest';
import { ACCOUNT_NAME_TAG_KEY, METRICS, metricName, type MetricKey } from '../../../lambda/metrics';
import { billingScope } from '../../../lambda/sources/estimated-charges';
import { costFamilies } from '../../../lambda/sources/cost-explorer-families';
import { COST_DIMENSION_GROUPS } from '../../../lambda/settings';
import dashboardJson from '../../../datadog/dashboard.json';
import monitorsJson from '../../../datadog/monitors.json';
import { buildDashboard } from '../../../tools/datadog/dashboard';
import { buildMonitors } from '../../../tools/datadog/monitors';
import { DEFAULT_ASSET_SETTINGS, type MonitorSettings } from '../../../tools/datadog/settings';
import { dashboardQueries, parseMetricQuery, type MetricReference } from './metric-query-parser';

/** Tags `lambda/config.ts` adds to every series from DD_ENV and DD_SERVICE (DD_TAGS keys are the user's). */
const GLOBAL_TAG_KEYS = ['env', 'service'];

/** The `billing_scope` values the estimated-charges source can produce, asked of the source itself. */
const DIMENSION_SETS: Record<string, string>[] = [{}, { ServiceName: 's' }, { LinkedAccount: 'a' }, { LinkedAccount: 'a', ServiceName: 's' }];
/** And those of Cost Explorer's families, asked of that source for every kind of `costGroupBy` entry. */
const COST_GROUP_BY = [...COST_DIMENSION_GROUPS, 'TAG:team'];
const BILLING_SCOPES = new Set<string>([
  ...DIMENSION_SETS.map((dimensions) => billingScope(dimensions)),
  ...costFamilies(COST_GROUP_BY).map((family) => family.scope),
]);

interface Assets {
  readonly prefix: string;
  readonly dashboard: { readonly template_variables: readonly { readonly name: string; readonly prefix: string | null }[] };
  readonly dashboardQueries: readonly string[];
  readonly monitors: readonly { readonly name: string; readonly query: string; readonly message: string }[];
}

function assetsFor(settings: MonitorSettings): Assets {
  const dashboard = buildDashboard(settings);
  return { prefix: settings.metricPrefix, dashboard, dashboardQueries: dashboardQueries(dashboard), monitors: buildMonitors(settings) };
}

const cases: [string, Assets][] = [
  [
    'the committed files',
    { prefix: DEFAULT_ASSET_SETTINGS.metricPrefix, dashboard: dashboardJson, dashboardQueries: dashboardQueries(dashboardJson), monitors: monitorsJson },
  ],
  ['a custom prefix and schedule', assetsFor({ metricPrefix: 'corp.finance.aws', scheduleMinutes: 30, actualShareOfLimit: 0.75 })],
];

/** The collector's definition behind a metric name, or undefined when it sends no such metric. */
function definitionOf(prefix: string, metric: string): MetricKey | undefined {
  return (Object.keys(METRICS) as MetricKey[]).find((key) => metricName(prefix, key) === metric);
}

function checkReference(prefix: string, reference: MetricReference, where: string): void {
  const key = definitionOf(prefix, reference.metric);
  expect(key, `${where}: ${reference.metric} is not a metric the collector sends (lambda/metrics.ts)`).toBeDefined();
  // Organization mode names every account's series; `*` (the template variable's default) matches series without it.
  const allowed = new Set<string>([...METRICS[key as MetricKey].tagKeys, ...GLOBAL_TAG_KEYS, ACCOUNT_NAME_TAG_KEY]);
  for (const tagKey of [...reference.scopeKeys, ...reference.groupBy]) {
    expect(allowed.has(tagKey), `${where}: ${reference.metric} carries no tag "${tagKey}" (allowed: ${[...allowed].join(', ')})`).toBe(true);
  }
  for (const tag of reference.scopeTags) {
    const [tagKey, value] = tag.split(':');
    if (tagKey === 'billing_scope') expect(BILLING_SCOPES.has(value), `${where}: billing_scope:${value} is never sent`).toBe(true);
  }
}

describe.each(cases)('%s', (_label, assets) => {
  it('reference only metrics the collector defines, with tag keys those metrics carry', () => {
    const queries = [...assets.dashboardQueries, ...assets.monitors.map((monitor) => monitor.query)];
    const references = queries.flatMap((query) => parseMetricQuery(query).references.map((reference) => ({ query, reference })));
    expect(references.length).toBeGreaterThanOrEqual(queries.length);
    for (const { query, reference } of references) checkReference(assets.prefix, reference, query);
  });

  it('leave nothing in a query that the parser did not read as a metric reference', () => {
    for (const query of [...assets.dashboardQueries, ...assets.monitors.map((monitor) => monitor.query)]) {
      const { rest } = parseMetricQuery(query);
      expect(rest, `unparsed part of ${query}`).not.toMatch(/[{}$]|[A-Za-z_]\.[A-Za-z_]/);
    }
  });

  it('query at least one metric in every dashboard request and monitor', () => {
    for (const query of [...assets.dashboardQueries, ...assets.monitors.map((monitor) => monitor.query)]) {
      expect(parseMetricQuery(query).references.length, query).toBeGreaterThan(0);
    }
  });

  it('use only the dashboard template variables, account_id, account_name and env, each named after a tag of every metric it filters', () => {
    const variables = new Map(assets.dashboard.template_variables.map((variable) => [variable.name, variable.prefix]));
    expect([...variables.keys()].sort()).toEqual(['account_id', 'account_name', 'env']);
    for (const query of assets.dashboardQueries) {
      for (const reference of parseMetricQuery(query).references) {
        expect([...reference.variables].sort(), `${query} should follow every template variable`).toEqual(['account_id', 'account_name', 'env']);
        const key = definitionOf(assets.prefix, reference.metric) as MetricKey;
        for (const variable of reference.variables) {
          const tagKey = variables.get(variable);
          expect(tagKey).toBe(variable);
          expect([...METRICS[key].tagKeys, ...GLOBAL_TAG_KEYS, ACCOUNT_NAME_TAG_KEY], `$${variable} on ${reference.metric}`).toContain(tagKey);
        }
      }
    }
  });

  it('use in monitor messages only template variables of tags the monitor groups by', () => {
    for (const monitor of assets.monitors) {
      const groups = new Set(parseMetricQuery(monitor.query).references.flatMap((reference) => reference.groupBy));
      const used = [...monitor.message.matchAll(/\{\{\s*([\w.-]+)\.name\s*\}\}/g)].map((match) => match[1]);
      expect(used.length, `${monitor.name} should name the group it alerts on`).toBeGreaterThan(0);
      for (const tagKey of used) expect(groups.has(tagKey), `${monitor.name} uses {{${tagKey}.name}}`).toBe(true);
    }
  });
});

describe('the parser these checks rely on', () => {
  it('reads metric, scope, template variables and group-by keys', () => {
    const { references, rest } = parseMetricQuery(
      'max(last_2h):max:aws.billing.forecasted_spend{!env:dev,$account_id} by {account_id,budget_name} / max:aws.billing.budget_limit{*} > 1',
    );
    expect(references).toEqual([
      { metric: 'aws.billing.forecasted_spend', scopeTags: ['!env:dev'], scopeKeys: ['env'], variables: ['account_id'], groupBy: ['account_id', 'budget_name'] },
      { metric: 'aws.billing.budget_limit', scopeTags: [], scopeKeys: [], variables: [], groupBy: [] },
    ]);
    expect(rest).not.toMatch(/[{}]/);
  });

  it('catches a tag key the collector does not send', () => {
    const [reference] = parseMetricQuery('sum:aws.billing.collector.run{region:us-east-1} by {status}').references;
    expect(() => checkReference('aws.billing', reference, 'test')).toThrow('carries no tag "region"');
  });

  it('catches a metric the collector does not send', () => {
    const [reference] = parseMetricQuery('sum:aws.billing.estimated_charge{*}').references;
    expect(() => checkReference('aws.billing', reference, 'test')).toThrow('is not a metric the collector sends');
  });

  it('leaves a reference it cannot read in the rest, where the checks above see it', () => {
    expect(parseMetricQuery('sum:aws.billing.estimated_charges{a:b').rest).toMatch(/[{.]/);
  });
});

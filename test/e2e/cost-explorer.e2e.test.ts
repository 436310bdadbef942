/**
 * The Cost Explorer source (issue 14) end to end: the bundle `cdk synth -c collectCostExplorer=true`
 * builds, invoked with the event of the stack's second rule as the template writes it, against
 * the project's fake Cost Explorer (moto serves it only canned: `test/support/moto-gaps.ts` sends
 * its two operations to the fake) and the loopback intake. The expected series are written by
 * hand from the rules and the seed below, not from the collector's code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { CostRowSeed } from '../../fakes/aws/cost-explorer';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { putEstimatedCharges } from '../support/seed';
import { aMinuteAgo, putApiKeySecret } from './support/aws-seed';
import { ACCOUNT, ACCOUNT_TAG, linesOf, type ExpectedSeries } from './support/expected-series';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from './support/harness';
import { runSummary } from './support/invoke';

const MEMBER = '210987654321';
const NAMES: Record<string, { name: string; tag: string }> = {
  [ACCOUNT]: { name: 'Management', tag: 'management' },
  [MEMBER]: { name: 'Data Platform', tag: 'data_platform' },
};
/** Cost Explorer's service names, and the `aws_service` tag each becomes (Datadog's rules: lower case, a space is `_`). */
const EC2 = { name: 'Amazon Elastic Compute Cloud - Compute', tag: 'amazon_elastic_compute_cloud_-_compute' };
const S3 = { name: 'Amazon Simple Storage Service', tag: 'amazon_simple_storage_service' };
const LAMBDA = { name: 'AWS Lambda', tag: 'aws_lambda' };

/** UTC dates of the run: today, yesterday, the 1st of this month and of last month. */
const now = new Date();
const day = (months: number, date: number): string =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + months, date)).toISOString().slice(0, 10);
const TODAY = day(0, now.getUTCDate());
const YESTERDAY = day(0, now.getUTCDate() - 1);
const THIS_MONTH = day(0, 1);
const LAST_MONTH = day(-1, 1);
const NEXT_MONTH = day(1, 1);
const DAYS_LEFT = (Date.parse(NEXT_MONTH) - Date.parse(TODAY)) / 86_400_000;

interface Row extends CostRowSeed {
  readonly accountId: string;
  readonly service: string;
}

/** Last month's first day, and yesterday: with a tag in two values and none, a credit, and two accounts. */
const ROWS: readonly Row[] = [
  { date: LAST_MONTH, accountId: ACCOUNT, service: EC2.name, tags: { team: 'platform' }, UnblendedCost: 100, AmortizedCost: 90 },
  { date: LAST_MONTH, accountId: MEMBER, service: S3.name, UnblendedCost: 40 },
  { date: YESTERDAY, accountId: ACCOUNT, service: EC2.name, tags: { team: 'platform' }, UnblendedCost: 12.5, AmortizedCost: 10 },
  { date: YESTERDAY, accountId: MEMBER, service: S3.name, tags: { team: 'data' }, UnblendedCost: 3.25 },
  // A credit: negative amounts are sent as they are.
  { date: YESTERDAY, accountId: MEMBER, service: LAMBDA.name, UnblendedCost: -1.5 },
];
/** GetCostForecast's daily mean from today on; the 80 % interval's upper bound is 10 % above it. */
const DAILY_FORECAST = 10;
const FORECAST_SPREAD = 0.1;

type CostMetric = 'unblended_cost' | 'amortized_cost';
const amountOf = (row: Row, metric: CostMetric): number =>
  metric === 'unblended_cost' ? row.UnblendedCost : (row.AmortizedCost ?? row.UnblendedCost);
const within = (start: string, end: string) => (row: Row) => row.date >= start && row.date < end;

/** A family: its `billing_scope` and the group tags of a row. */
interface Family {
  readonly scope: string;
  readonly tagsOf: (row: Row) => string[];
}
const serviceTag = (row: Row): string => `aws_service:${[EC2, S3, LAMBDA].find((service) => service.name === row.service)?.tag}`;
const accountTags = (row: Row): string[] => [`linkedaccount:${row.accountId}`, `account_name:${NAMES[row.accountId].tag}`];
const FAMILIES: Record<string, Family> = {
  total: { scope: 'total', tagsOf: () => [] },
  SERVICE: { scope: 'service', tagsOf: (row) => [serviceTag(row)] },
  LINKED_ACCOUNT: { scope: 'linked_account', tagsOf: accountTags },
  'LINKED_ACCOUNT+SERVICE': { scope: 'linked_account_service', tagsOf: (row) => [...accountTags(row), serviceTag(row)] },
  'TAG:team': { scope: 'tag', tagsOf: (row) => ['cost_tag:team', `cost_tag_value:${row.tags?.team ?? 'untagged'}`] },
};

/** One metric's series of one family over [start, end): a series per group that has cost rows there. */
function familySeries(
  metric: string,
  family: Family,
  costMetric: CostMetric,
  start: string,
  end: string,
  extra: string[] = [],
): ExpectedSeries[] {
  const groups = new Map<string, { tags: string[]; value: number }>();
  for (const row of ROWS.filter(within(start, end))) {
    const tags = family.tagsOf(row);
    const key = tags.join(',');
    const group = groups.get(key) ?? { tags, value: 0 };
    group.value += amountOf(row, costMetric);
    groups.set(key, group);
  }
  const common = [ACCOUNT_TAG, `cost_metric:${costMetric}`, 'currency:usd', `billing_scope:${family.scope}`, ...extra];
  return [...groups.values()].map((group) => ({ metric, tags: [...common, ...group.tags], unit: 'dollar', value: group.value }));
}

/** Every cost series of a run with these families and cost metrics. */
function costSeries(groupBy: readonly string[], costMetrics: readonly CostMetric[]): ExpectedSeries[] {
  const series: ExpectedSeries[] = [];
  for (const costMetric of costMetrics) {
    for (const family of [FAMILIES.total, ...groupBy.map((entry) => FAMILIES[entry])]) {
      // Last month is final once its month is over: Cost Explorer says `Estimated: false`.
      series.push(...familySeries('aws.billing.cost.last_month', family, costMetric, LAST_MONTH, THIS_MONTH, ['estimated:false']));
      // Month to date is empty on the 1st, and not sent.
      if (TODAY !== THIS_MONTH) series.push(...familySeries('aws.billing.cost.month_to_date', family, costMetric, THIS_MONTH, TODAY));
      series.push(...familySeries('aws.billing.cost.daily', family, costMetric, YESTERDAY, TODAY));
    }
    const toDate = ROWS.filter(within(THIS_MONTH, TODAY)).reduce((sum, row) => sum + amountOf(row, costMetric), 0);
    const tags = [ACCOUNT_TAG, `cost_metric:${costMetric}`, 'currency:usd', 'billing_scope:total'];
    const forecast = DAILY_FORECAST * DAYS_LEFT;
    series.push(
      { metric: 'aws.billing.cost.forecast', tags, unit: 'dollar', value: toDate + forecast },
      { metric: 'aws.billing.cost.forecast_upper', tags, unit: 'dollar', value: toDate + forecast * (1 + FORECAST_SPREAD) },
    );
  }
  return series;
}

/** The health series of a Cost Explorer run. */
function health(costSeriesCount: number, requests: number): ExpectedSeries[] {
  return [
    { metric: 'aws.billing.collector.run', tags: [ACCOUNT_TAG, 'status:success', 'trigger:cost_explorer'], value: 1 },
    { metric: 'aws.billing.collector.series', tags: [ACCOUNT_TAG], value: costSeriesCount },
    { metric: 'aws.billing.collector.duration', tags: [ACCOUNT_TAG], unit: 'second', value: 'any' },
    { metric: 'aws.billing.collector.cost_explorer_requests', tags: [ACCOUNT_TAG], value: requests },
  ];
}

/** EventBridge's scheduled event, as the hourly rule (which sets no input) sends it. */
const SCHEDULED_EVENT = {
  version: '0',
  id: '53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa',
  'detail-type': 'Scheduled Event',
  source: 'aws.events',
  account: ACCOUNT,
  time: now.toISOString(),
  region: 'eu-west-1',
  resources: [`arn:aws:events:eu-west-1:${ACCOUNT}:rule/billing-collector-schedule`],
  detail: {},
};

describe('Cost Explorer, from the bundle synthesized with collectCostExplorer', () => {
  let h: Harness;
  /** The second rule's event, as the synthesized template writes its target's Input. */
  let secondRuleEvent: unknown;

  useHarness((started) => (h = started), {
    context: { collectCostExplorer: 'true' },
    gaps: {
      costExplorer: {
        costs: ROWS,
        forecast: { dailyMean: DAILY_FORECAST, spread: FORECAST_SPREAD },
        accountNames: Object.fromEntries(Object.entries(NAMES).map(([id, { name }]) => [id, name])),
      },
    },
  });

  beforeAll(async () => {
    const withInput = h.bundle.rules.filter((rule) => rule.inputs.some((input) => input !== undefined));
    expect(withInput).toHaveLength(1);
    expect(withInput[0].scheduleExpression).toBe('rate(12 hours)');
    secondRuleEvent = withInput[0].inputs[0];
    await h.reset();
    await Promise.all([
      putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
      putEstimatedCharges(h.moto.endpoint, [{ dimensions: { Currency: 'USD' }, value: 42, timestamp: aMinuteAgo() }]),
    ]);
  }, SETUP_TIMEOUT_MS);

  it('has two rules: the hourly one sends EventBridge\'s own event, the second one {"trigger":"cost_explorer"}', () => {
    expect(h.bundle.rules.map((rule) => [rule.scheduleExpression, rule.inputs]).sort()).toEqual([
      ['rate(1 hour)', [undefined]],
      ['rate(12 hours)', [{ trigger: 'cost_explorer' }]],
    ]);
  });

  it('makes no Cost Explorer request on an hourly run, and sends no cost series', async () => {
    h.intake.reset();
    h.gaps.take();
    const invocation = await h.run({ event: SCHEDULED_EVENT });

    expect(invocation.outcome.status).toBe('resolved');
    const tally = h.gaps.take().operations;
    expect(tally.GetCostAndUsage ?? 0).toBe(0);
    expect(tally.GetCostForecast ?? 0).toBe(0);
    const metrics = h.intake.series().map((series) => series.metric);
    expect(metrics.filter((metric) => metric.startsWith('aws.billing.cost.') || metric.endsWith('cost_explorer_requests'))).toEqual([]);
    expect(metrics).toContain('aws.billing.estimated_charges');
    const run = h.intake.series().find((series) => series.metric === 'aws.billing.collector.run');
    expect(run?.tags).toContain('trigger:schedule');
    expect(runSummary(invocation)).toMatchObject({ status: 'success', trigger: 'schedule' });
  });

  it("sends every default family's series with its values and tags, in 7 requests, on the second rule's event", async () => {
    h.intake.reset();
    h.gaps.take();
    const invocation = await h.run({ event: secondRuleEvent });

    expect(invocation.outcome.status).toBe('resolved');
    const costs = costSeries(['SERVICE', 'LINKED_ACCOUNT'], ['unblended_cost']);
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...health(costs.length, 7)]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
    // Two GetCostAndUsage a family (MONTHLY over last month and this, DAILY over yesterday), one forecast.
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(runSummary(invocation)).toMatchObject({ status: 'success', trigger: 'cost_explorer', costExplorerRequests: 7 });
  });

  it('sends every family, tags and two cost metrics included, each request counted', async () => {
    h.intake.reset();
    h.gaps.take();
    const groupBy = ['SERVICE', 'LINKED_ACCOUNT', 'LINKED_ACCOUNT+SERVICE', 'TAG:team'];
    const invocation = await h.run({
      event: secondRuleEvent,
      env: { COST_GROUP_BY: groupBy.join(','), COST_METRICS: 'unblended_cost,amortized_cost', COST_EXPLORER_MAX_REQUESTS: '20' },
    });

    expect(invocation.outcome.status).toBe('resolved');
    const costs = costSeries(groupBy, ['unblended_cost', 'amortized_cost']);
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...health(costs.length, 12)]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
    // Both metrics ride in every GetCostAndUsage; the forecast is one request per metric.
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 10, GetCostForecast: 2 });
  });
});

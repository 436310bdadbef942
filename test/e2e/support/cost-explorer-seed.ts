/**
 * The Cost Explorer data of the end-to-end tests (`test/e2e/cost-explorer.e2e.test.ts` and its
 * faults): the fake Cost Explorer's seed, dated from the day of the run, and the series Datadog
 * should receive for it, written by hand from issue 14's rules, not from the collector's code.
 */
import type { CostExplorerData, CostRowSeed } from '../../../fakes/aws/cost-explorer';
import type { ScheduleRule } from '../../../tools/cloud-assembly';
import { ACCOUNT, ACCOUNT_TAG, type ExpectedSeries } from './expected-series';

export const MEMBER = '210987654321';
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

export type CostMetric = 'unblended_cost' | 'amortized_cost';
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
export function costSeries(groupBy: readonly string[], costMetrics: readonly CostMetric[]): ExpectedSeries[] {
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
export function costExplorerHealth(costSeriesCount: number, requests: number): ExpectedSeries[] {
  return [
    { metric: 'aws.billing.collector.run', tags: [ACCOUNT_TAG, 'status:success', 'trigger:cost_explorer'], value: 1 },
    { metric: 'aws.billing.collector.series', tags: [ACCOUNT_TAG], value: costSeriesCount },
    { metric: 'aws.billing.collector.duration', tags: [ACCOUNT_TAG], unit: 'second', value: 'any' },
    { metric: 'aws.billing.collector.cost_explorer_requests', tags: [ACCOUNT_TAG], value: requests },
  ];
}

/** EventBridge's scheduled event, as the hourly rule (which sets no input) sends it. */
export const SCHEDULED_EVENT = {
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

/** The fake Cost Explorer's data: the rows, the forecast, and the accounts' names. */
export const COST_EXPLORER_SEED: CostExplorerData = {
  costs: ROWS,
  forecast: { dailyMean: DAILY_FORECAST, spread: FORECAST_SPREAD },
  accountNames: Object.fromEntries(Object.entries(NAMES).map(([id, { name }]) => [id, name])),
};

/**
 * The event of the stack's second rule, as the synthesized template writes its target's Input:
 * the one rule whose target sends an event of its own.
 */
export function secondRuleEvent(rules: readonly ScheduleRule[]): unknown {
  const withInput = rules.filter((rule) => rule.inputs.some((input) => input !== undefined));
  if (withInput.length !== 1) throw new Error(`expected one rule with an input, found ${withInput.length}`);
  return withInput[0].inputs[0];
}

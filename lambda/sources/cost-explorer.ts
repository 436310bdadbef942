/**
 * AWS Cost Explorer: month-to-date, daily and last month's cost, by the families of
 * `costGroupBy`, and the month-end forecast. Opt-in (`collectCostExplorer`) and read by the
 * second rule's runs only (`trigger: 'cost_explorer'`), because AWS bills each request $0.01,
 * each page included: every request takes one from the run's cap (`costExplorerMaxRequests`)
 * first, and the queries are as few as the API allows.
 *
 * Requests per run: two GetCostAndUsage per family (the total, then each `costGroupBy` entry), one
 * more per extra page, and one GetCostForecast per cost metric:
 * - a MONTHLY query over [1st of last month, today) answers last month and month to date, a
 *   period each; every `costMetrics` entry is in its `Metrics`;
 * - a DAILY query over [yesterday, today) answers the last complete day. It cannot ride on the
 *   MONTHLY one (a query has one granularity), and a DAILY query over both months would answer
 *   30 to 61 periods of every group: pages, each billed, for one day's figure.
 * At the defaults (3 families, one cost metric) that is 7 requests when every answer fits a page.
 */
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  type GetCostAndUsageResponse,
} from '@aws-sdk/client-cost-explorer';
import { CostExplorerUnavailableError, RequestCapError } from '../errors';
import type { MetricDefinition } from '../metrics';
import { awsListing, followPages } from '../paging';
import { increment, type RawTag, type Sample, type SkipReason, type SourceResult } from '../samples';
import { callNeeding } from './aws-errors';
import { costPeriods, type CostPeriods } from './cost-periods';
import {
  addPage,
  costFamilies,
  emptyAnswer,
  periodSamples,
  rankGroups,
  usageMetric,
  type CostFamily,
  type CostMetricName,
  type QueryAnswer,
} from './cost-explorer-families';
import { parseAmount } from './amount';
import { defineSource, metricKeys, type SourceRun } from './source';

/** The tags of the month-to-date, daily and last month's series: the family's. */
const COST_TAG_KEYS = [
  'account_id',
  'cost_metric',
  'currency',
  'billing_scope',
  'aws_service',
  'linkedaccount',
  'account_name',
  'cost_tag',
  'cost_tag_value',
] as const;
/** The forecast's: the total only. */
const FORECAST_TAG_KEYS = ['account_id', 'cost_metric', 'currency', 'billing_scope'] as const;

/** The metrics of this source (see `metrics.ts`). */
export const COST_EXPLORER_METRICS = {
  /** Cost of [1st of this UTC month, today); not sent on the 1st, when that range is empty. */
  costMonthToDate: { suffix: 'cost.month_to_date', tagKeys: COST_TAG_KEYS },
  /** Cost of the last complete UTC day [yesterday, today), as Cost Explorer estimates it now. */
  costDaily: { suffix: 'cost.daily', tagKeys: COST_TAG_KEYS },
  /** Last month's total; `estimated:false` once AWS has finalized it. */
  costLastMonth: { suffix: 'cost.last_month', tagKeys: [...COST_TAG_KEYS, 'estimated'] },
  /** The month's end total: month to date plus GetCostForecast's mean over [today, 1st of next month). */
  costForecast: { suffix: 'cost.forecast', tagKeys: FORECAST_TAG_KEYS },
  /** The same with the upper bound of the forecast's 80 % prediction interval. */
  costForecastUpper: { suffix: 'cost.forecast_upper', tagKeys: FORECAST_TAG_KEYS },
} as const satisfies Record<string, MetricDefinition>;

const GET_COST_AND_USAGE = 'ce:GetCostAndUsage';
const GET_COST_FORECAST = 'ce:GetCostForecast';
/**
 * The GetCostAndUsage queries of each family, in order (each a request, and one more per extra
 * page): the benchmark's minimum counts a run's requests from them (`bench/minimum.ts`).
 */
export const FAMILY_QUERIES = [
  { granularity: 'MONTHLY', range: 'lastMonthAndMonthToDate' },
  { granularity: 'DAILY', range: 'lastDay' },
] as const satisfies readonly FamilyQuery[];

/** One GetCostAndUsage query of a family: its granularity, over one of the run's ranges. */
interface FamilyQuery {
  readonly granularity: 'MONTHLY' | 'DAILY';
  readonly range: 'lastMonthAndMonthToDate' | 'lastDay';
}
/** The prediction interval `forecast_upper` takes its upper bound from, in percent. */
const PREDICTION_INTERVAL = 80;

/** Cost Explorer as a source: its switch, permissions and client, for every layer that loops over sources. */
export const costExplorerSource = defineSource({
  id: 'cost-explorer',
  title: 'AWS Cost Explorer readable',
  setting: 'collectCostExplorer',
  // The management account's Cost Explorer covers every linked account.
  scope: 'payer',
  trigger: 'cost_explorer',
  // Its linked accounts' names come in its own answers: no ListAccounts, no member role.
  namesAccounts: true,
  switchDoc: "Send Cost Explorer's month-to-date, daily, last month's and forecast cost (each request billed $0.01).",
  iam: [
    {
      sid: 'ReadCostExplorer',
      actions: [GET_COST_AND_USAGE, GET_COST_FORECAST],
      resource: '*',
      // The Service Authorization Reference lists no resource type for either action:
      // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awscostexplorerservice.html
      wildcardReason: 'ce:GetCostAndUsage and ce:GetCostForecast have no resource-level permissions.',
    },
  ],
  clients: { costExplorer: (config) => new CostExplorerClient(config) },
  operations: [
    // "$0.01 per request; if your result set is paginated each page counts as a separate request"
    // (the Cost Explorer FAQ, https://aws.amazon.com/aws-cost-management/aws-cost-explorer/faqs/).
    { name: 'GetCostAndUsage', title: 'Cost Explorer GetCostAndUsage', billedPer: 'request', price: { usd: 0.01, per: 1 } },
    { name: 'GetCostForecast', title: 'Cost Explorer GetCostForecast', billedPer: 'request', price: { usd: 0.01, per: 1 } },
  ],
  skipReasons: ['invalid_amount', 'unknown_currency', 'currency_mismatch', 'no_forecast'],
  metrics: metricKeys(COST_EXPLORER_METRICS),
  collect: ({ costExplorer }, run) => collectCostExplorer(costExplorer, run),
  probe: async ({ costExplorer }) => {
    // One request, billed like the run's: the last day's total.
    const page = await costExplorer.send(
      new GetCostAndUsageCommand({ TimePeriod: costPeriods(new Date()).lastDay, Granularity: 'DAILY', Metrics: ['UnblendedCost'] }),
    );
    const total = page.ResultsByTime?.[0]?.Total?.UnblendedCost;
    return {
      ok: true,
      detail: `readable: yesterday's unblended cost ${total?.Amount ?? '0'} ${total?.Unit ?? 'USD'} (this check cost $0.01)`,
    };
  },
});

/**
 * Cost Explorer's answers that mean it has no data for this account, with their fixes; the rest
 * as every AWS failure (`callNeeding`).
 */
function explained(error: unknown, run: Pick<SourceRun, 'accountId' | 'config'>): unknown {
  if (!(error instanceof Error)) return error;
  if (error.name === 'DataUnavailableException') return new CostExplorerUnavailableError('no_data', run.accountId, { cause: error });
  // AWS answers so both when Cost Explorer is off and when a member account may not see it; in
  // organization mode the account read is the management account, where only the first can be.
  if (error.name === 'AccessDeniedException' && /not enabled for cost explorer/i.test(error.message)) {
    return new CostExplorerUnavailableError(run.config.accounts === 'organization' ? 'not_enabled' : 'member', run.accountId, {
      cause: error,
    });
  }
  return error;
}

/** One request to Cost Explorer: taken from the run's cap first, counted, and its failure explained. */
async function request<T>(run: SourceRun, operation: string, action: string, send: () => Promise<T>): Promise<T> {
  // The cap counts the requests the source makes, not the SDK's attempts: AWS bills a request
  // that answered (each page), and documents no charge for one refused as throttled
  // (LimitExceededException), which the SDK retries with backoff within the run's deadline. The
  // worst case is still bounded: the cap times the client's attempts.
  run.costExplorerRequests.take();
  increment(run.calls, operation);
  return callNeeding(action, async () => {
    try {
      return await send();
    } catch (error) {
      throw explained(error, run);
    }
  });
}

/** Every page of one GetCostAndUsage query, merged. */
async function query(
  client: CostExplorerClient,
  run: SourceRun,
  family: CostFamily,
  { granularity, range }: FamilyQuery,
  periods: CostPeriods,
) {
  const answer = emptyAnswer();
  // The request cap stops a listing that keeps paging first; the guard still catches a token given twice.
  const pages = awsListing('GetCostAndUsage', run.costExplorerRequests.max + 1);
  await followPages(pages, async (token) => {
    const page: GetCostAndUsageResponse = await request(run, 'GetCostAndUsage', GET_COST_AND_USAGE, () =>
      client.send(
        new GetCostAndUsageCommand({
          TimePeriod: periods[range],
          Granularity: granularity,
          Metrics: run.config.costMetrics.map((metric) => usageMetric(metric as CostMetricName)),
          ...(family.groupBy.length === 0 ? {} : { GroupBy: [...family.groupBy] }),
          NextPageToken: token,
        }),
        { abortSignal: run.signal },
      ),
    );
    addPage(answer, page);
    return page.NextPageToken;
  });
  return answer;
}

/**
 * One run. A query is the unit of what is sent: once all its pages are read, its periods become
 * samples; a query cut short (by the cap, or a failure) sends nothing, since its ranking and
 * `other` would be wrong. What was read before is sent, and the run is partial.
 */
export async function collectCostExplorer(client: CostExplorerClient, run: SourceRun): Promise<SourceResult> {
  const periods = costPeriods(run.now);
  const costMetrics = run.config.costMetrics as readonly CostMetricName[];
  const samples: Sample[] = [];
  const skipped: Partial<Record<SkipReason, number>> = {};
  const account: RawTag = ['account_id', run.accountId];
  // Month to date is empty on the 1st: the groups are ranked by last month then.
  const rankedBy = (periods.monthToDate ?? periods.lastMonth).Start;
  const [rankMetric] = costMetrics.map(usageMetric);
  const [monthlyQuery, dailyQuery] = FAMILY_QUERIES;
  try {
    for (const family of costFamilies(run.config.costGroupBy)) {
      const monthly = await query(client, run, family, monthlyQuery, periods);
      const kept = rankGroups(monthly.periods.get(rankedBy), rankMetric, run.config.costMaxGroups);
      const samplesOf = (metric: Sample['metric'], answer: QueryAnswer, start: string | undefined, tags: readonly RawTag[] = []) => {
        const period = start === undefined ? undefined : answer.periods.get(start);
        if (period === undefined) return;
        samples.push(
          ...periodSamples({
            metric,
            family,
            period,
            names: answer.names,
            kept,
            costMetrics,
            baseTags: [account, ...tags, ...(metric === 'costLastMonth' ? [['estimated', String(period.estimated)] as const] : [])],
            skipped,
            log: run.log,
          }),
        );
      };
      samplesOf('costLastMonth', monthly, periods.lastMonth.Start);
      samplesOf('costMonthToDate', monthly, periods.monthToDate?.Start);
      if (family.scope === 'total') samples.push(...(await forecasts(client, run, monthly, periods.monthToDate?.Start, skipped)));
      const daily = await query(client, run, family, dailyQuery, periods);
      samplesOf('costDaily', daily, periods.lastDay.Start);
    }
  } catch (error) {
    // Past the cap, or a later request failed: what was read is sent, and the run is partial.
    if (samples.length === 0 && !(error instanceof RequestCapError)) throw error;
    if (error instanceof RequestCapError) run.log.warn(error.message, { accountId: run.accountId });
    return { samples, skipped, errors: [error] };
  }
  return { samples, skipped };
}

/**
 * `cost.forecast` and `cost.forecast_upper` of each cost metric: month to date (0 on the 1st)
 * plus the forecast of [today, 1st of next month), one GetCostForecast each. A forecast Cost
 * Explorer cannot make yet (too little history: `DataUnavailableException` once the cost query
 * answered) is skipped and counted, not an error.
 */
async function forecasts(
  client: CostExplorerClient,
  run: SourceRun,
  monthly: QueryAnswer,
  monthToDate: string | undefined,
  skipped: Partial<Record<SkipReason, number>>,
): Promise<Sample[]> {
  const { forecast: range } = costPeriods(run.now);
  const samples: Sample[] = [];
  for (const costMetric of run.config.costMetrics as readonly CostMetricName[]) {
    let answer;
    try {
      answer = await request(run, 'GetCostForecast', GET_COST_FORECAST, () =>
        client.send(
          new GetCostForecastCommand({
            TimePeriod: range,
            Metric: costMetric.toUpperCase() as 'UNBLENDED_COST',
            Granularity: 'MONTHLY',
            PredictionIntervalLevel: PREDICTION_INTERVAL,
          }),
          { abortSignal: run.signal },
        ),
      );
    } catch (error) {
      if (!(error instanceof CostExplorerUnavailableError && error.reason === 'no_data')) throw error;
      increment(skipped, 'no_forecast');
      run.log.info('Cost Explorer has no forecast yet (too little history); the forecast is not sent', { costMetric });
      continue;
    }
    const sofar =
      monthToDate === undefined
        ? { value: 0 }
        : parseAmount(monthly.periods.get(monthToDate)?.total[usageMetric(costMetric)]?.Amount ?? '0');
    const mean = parseAmount(answer.Total?.Amount);
    const currency = answer.Total?.Unit?.trim();
    if ('problem' in sofar || 'problem' in mean || !currency) {
      increment(skipped, 'invalid_amount');
      run.log.warn('Skipped the Cost Explorer forecast: an amount or its currency is missing or unusable', { costMetric });
      continue;
    }
    const tags: RawTag[] = [
      ['account_id', run.accountId],
      ['cost_metric', costMetric],
      ['currency', currency],
      ['billing_scope', 'total'],
    ];
    samples.push({ metric: 'costForecast', value: sofar.value + mean.value, currency, tags });
    // A MONTHLY forecast over [today, 1st of next month) is one period: its interval is the month's.
    const upper = parseAmount(answer.ForecastResultsByTime?.[0]?.PredictionIntervalUpperBound);
    if ('value' in upper) samples.push({ metric: 'costForecastUpper', value: sofar.value + upper.value, currency, tags });
  }
  return samples;
}

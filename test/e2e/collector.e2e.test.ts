/**
 * The artifact we ship, end to end: the Lambda bundle that `cdk synth` built, run in its own
 * Node process with the environment the stack gives the function, against moto (AWS) and the
 * loopback Datadog intake. The seed is a payer account with several kinds of budgets and more
 * than 500 billing series; the test asserts the exact series, values and tags that arrive.
 * Then the data cases: amounts, fields and names AWS may return that the collector must survive.
 */
import type { Budget } from '@aws-sdk/client-budgets';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { createBudget, createCostBudget, putEstimatedCharges, type EstimatedChargesPoint } from '../support/seed';
import { aMinuteAgo, createBudgets, putApiKeySecret } from './support/aws-seed';
import { E2E_SECRET } from './support/bundle';
import {
  ACCOUNT,
  budgetSeries,
  budgetTags,
  cents,
  chargeSeries,
  healthSeries,
  linesOf,
  type ChargeRow,
  type CostBudgetRow,
  defaultAlertLevels,
  type ExpectedSeries,
} from './support/expected-series';
import { pageDescribeBudgets, TARGETS } from './support/fault-proxy';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from './support/harness';
import { FUNCTION_REGION, runSummary, type Invocation, type LogLine } from './support/invoke';

/** Synthesis (when not cached), moto and the intake, on a busy two-core machine. */

const LONG_NAME = 'Shared data platform for analytics and machine learning of all EMEA product teams, cost centre 47110';

/** COST budgets with spend; each tag is written out by hand from Datadog's rules. */
const COST_BUDGETS: readonly CostBudgetRow[] = [
  {
    name: 'Team Platform (prod)',
    tag: 'team_platform_prod',
    limit: '1000',
    actual: '604.4560000000000172803993336856365203857421875',
    forecast: '1210.5',
  },
  { name: 'Équipe données 日本', tag: 'équipe_données_日本', limit: '250', actual: '99.99', forecast: '180.25' },
  { name: 'R&D ops/infra v2.0 – ÜBER!!', tag: 'r_d_ops/infra_v2.0_über', limit: '75.5', actual: '0.01', forecast: '0.02' },
  {
    name: LONG_NAME,
    tag: 'shared_data_platform_for_analytics_and_machine_learning_of_all_emea_product_teams_cost_centre_47110',
    timeUnit: 'QUARTERLY',
    limit: '30000',
    actual: '12000.75',
    forecast: '29999.99',
  },
  // No forecast (AWS has none early in a month or for a new budget), and a planned limit.
  { name: 'Sandbox accounts', tag: 'sandbox_accounts', plannedLimit: '50', actual: '0' },
];

const SERVICES = [
  'AmazonEC2',
  'AmazonS3',
  'AWSLambda',
  'AmazonRDS',
  'AmazonCloudWatch',
  'AWSDataTransfer',
  'AmazonDynamoDB',
  'AmazonVPC',
  'awskms',
  'AmazonRoute53',
  ...Array.from({ length: 140 }, (_, i) => `AWSService${String(i + 1).padStart(3, '0')}`),
];
const LINKED_ACCOUNTS = ['111111111111', '222222222222', '333333333333'];

/** All four dimension sets: 1 + 150 + 3 + 450 = 604 series, more than one page of 500. */
const CHARGES: readonly ChargeRow[] = [
  { dimensions: { Currency: 'USD' }, value: 98765.43 },
  ...SERVICES.map((service, i) => ({ dimensions: { ServiceName: service, Currency: 'USD' }, value: cents(10 + i * 3.17) })),
  ...LINKED_ACCOUNTS.map((account, j) => ({ dimensions: { LinkedAccount: account, Currency: 'USD' }, value: cents(1000 * (j + 1) + 0.5) })),
  ...LINKED_ACCOUNTS.flatMap((account, j) =>
    SERVICES.map((service, i) => ({
      dimensions: { LinkedAccount: account, ServiceName: service, Currency: 'USD' },
      value: cents((i + 1) * 0.37 + j),
    })),
  ),
];

function points(rows: readonly ChargeRow[], timestamp = aMinuteAgo()): EstimatedChargesPoint[] {
  return rows.map((row) => ({ dimensions: row.dimensions, value: row.value, timestamp }));
}

function seedCostBudgets(h: Harness, rows: readonly CostBudgetRow[]): Promise<void[]> {
  return Promise.all(
    rows.map((row) =>
      createCostBudget(h.moto.endpoint, ACCOUNT, {
        name: row.name,
        timeUnit: row.timeUnit,
        limit: row.limit,
        plannedLimit: row.plannedLimit,
        actual: row.actual,
        forecast: row.forecast,
      }),
    ),
  );
}

const warnings = (invocation: Invocation): LogLine[] => invocation.logLines.filter((line) => line.level === 'WARN');

describe('the bundled collector against moto and a loopback Datadog intake', () => {
  let h: Harness;

  useHarness((started) => (h = started));

  describe('a payer account with budgets of every kind and 604 billing series', () => {
    let invocation: Invocation;
    let startedAt: number;
    let endedAt: number;

    const expected = (): ExpectedSeries[] => {
      const billing = [...COST_BUDGETS.flatMap((row) => budgetSeries(row)), ...CHARGES.map((row) => chargeSeries(row))];
      return [...billing, ...healthSeries('success', billing.length, { withAge: true })];
    };

    beforeAll(async () => {
      await h.reset();
      await Promise.all([
        putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
        seedCostBudgets(h, COST_BUDGETS),
        createBudget(h.moto.endpoint, ACCOUNT, { name: 'EC2 instance hours', type: 'USAGE', unit: 'Hrs', limit: '720', actual: '311' }),
        createBudget(h.moto.endpoint, ACCOUNT, { name: 'RI utilisation', type: 'RI_UTILIZATION', actual: '87.5' }),
        putEstimatedCharges(h.moto.endpoint, points(CHARGES)),
      ]);
      startedAt = Math.floor(Date.now() / 1000);
      invocation = await h.run();
      endedAt = Math.ceil(Date.now() / 1000);
    }, SETUP_TIMEOUT_MS);

    it('seeds what the issue asks for: a 100-character budget name and more than 500 series', () => {
      expect(LONG_NAME).toHaveLength(100);
      expect(CHARGES.length).toBeGreaterThan(500);
      expect(new Set(CHARGES.map((row) => Object.keys(row.dimensions).sort().join('+')))).toEqual(
        new Set(['Currency', 'Currency+ServiceName', 'Currency+LinkedAccount', 'Currency+LinkedAccount+ServiceName']),
      );
    });

    it('returns the summary and logs only JSON lines, none of them a warning or an error', () => {
      expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'success', errors: [] } });
      expect(invocation.logLines.filter((line) => line.level !== 'INFO' && line.level !== 'DEBUG')).toEqual([]);
      expect(invocation.stderr).toBe('');
      expect(invocation.exitCode).toBe(0);
    });

    it('sends exactly the seeded budgets and estimated charges with their values and tags, and the health metrics', () => {
      expect(linesOf(h.intake.series())).toEqual(linesOf(expected()));
    });

    it("sends gauges of one point each, stamped with the collection time, in gzipped bodies that Datadog's schema accepts", () => {
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expect(h.intake.requests.every((request) => request.status === 202)).toBe(true);
      for (const series of h.intake.series()) {
        expect(series.type).toBe(3);
        expect(series.points).toHaveLength(1);
        expect(series.points[0].timestamp).toBeGreaterThanOrEqual(startedAt);
        expect(series.points[0].timestamp).toBeLessThanOrEqual(endedAt);
      }
      expect(new Set(h.intake.series().map((series) => series.points[0].timestamp)).size).toBe(1);
    });

    it('logs one summary line that counts the series, the skipped budgets, the AWS calls and the Datadog requests', () => {
      // Spend, limit and the two alert levels of each budget, its forecast, and the charges.
      const billing = COST_BUDGETS.length * 4 + COST_BUDGETS.filter((row) => row.forecast !== undefined).length + CHARGES.length;
      const summary = runSummary(invocation);
      expect(summary).toMatchObject({
        level: 'INFO',
        status: 'success',
        accountId: ACCOUNT,
        series: {
          'aws.billing.actual_spend': 5,
          'aws.billing.forecasted_spend': 4,
          'aws.billing.budget_limit': 5,
          'aws.billing.budget_alert_level': 5,
          'aws.billing.budget_forecast_alert_level': 5,
          'aws.billing.estimated_charges': 604,
          'aws.billing.collector.run': 1,
          'aws.billing.collector.series': 1,
          'aws.billing.collector.duration': 1,
          'aws.billing.estimated_charges.age': 1,
        },
        seriesTotal: billing + 4,
        skipped: { not_a_cost_budget: 2 },
        // ListMetrics pages at 500; GetMetricData takes at most 500 queries a call.
        awsCalls: { DescribeBudgets: 1, ListMetrics: 2, GetMetricData: 2, GetSecretValue: 1 },
        datadog: {
          requests: h.intake.requests.length,
          unanswered: 0,
          bytes: h.intake.requests.reduce((sum, request) => sum + request.rawBodyLength, 0),
          seriesSent: billing + 4,
        },
        warnings: 0,
        errors: [],
        dryRun: false,
      });
      expect(Object.keys(summary.series)).toHaveLength(10);
      // The points are a minute old, in hourly buckets.
      expect(summary.billingDataAgeHours).toBeGreaterThanOrEqual(0);
      expect(summary.billingDataAgeHours).toBeLessThanOrEqual(1.1);
      expect(invocation.outcome.status === 'resolved' && invocation.outcome.value).toEqual(
        Object.fromEntries(Object.entries(summary).filter(([key]) => !['timestamp', 'level', 'message'].includes(key))),
      );
    });

    it(`reads billing data and the secret in us-east-1 while the function runs in ${FUNCTION_REGION}`, () => {
      const signed = new Set(h.proxy.requests.map((request) => `${request.signedFor?.service} ${request.signedFor?.region}`));
      expect(signed).toEqual(new Set(['budgets us-east-1', 'monitoring us-east-1', 'secretsmanager us-east-1']));
      expect(h.proxy.requests.find((r) => r.target === TARGETS.describeBudgets)?.body).toMatchObject({
        AccountId: ACCOUNT,
        MaxResults: 1000,
      });
    });

    it('asks GetMetricData for the Maximum over at least 24 hours, in calls of at most 500 queries (moto would take more)', () => {
      const calls = h.proxy.requests.filter((r) => r.target === TARGETS.getMetricData).map((r) => r.body ?? {});
      expect(calls.map((body) => (body.MetricDataQueries as unknown[]).length).sort((a, b) => a - b)).toEqual([104, 500]);
      for (const body of calls) {
        // The JSON protocol sends timestamps as epoch seconds.
        expect(Number(body.EndTime) - Number(body.StartTime)).toBeGreaterThanOrEqual(24 * 3600);
        const stats = new Set((body.MetricDataQueries as { MetricStat: { Stat: string } }[]).map((query) => query.MetricStat.Stat));
        expect(stats).toEqual(new Set(['Maximum']));
      }
    });

    it('runs with the environment the stack gives the function, and nothing of the key in it', async () => {
      expect(h.bundle.environment).toMatchObject({ DD_API_KEY_SECRET_ARN: E2E_SECRET.arn });
      expect(h.bundle.runtime).toMatch(/^nodejs\d+\.x$/);
      const fn = await h.start();
      try {
        expect(fn.env).toMatchObject({
          ...h.bundle.environment,
          AWS_REGION: FUNCTION_REGION,
          DD_API_URL: h.intake.url,
          AWS_ENDPOINT_URL: h.proxy.url,
        });
        expect(JSON.stringify(fn.env)).not.toContain(TEST_API_KEY);
      } finally {
        await fn.stop();
      }
    });
  });

  describe('data from AWS', () => {
    beforeEach(async () => {
      await h.reset();
      await Promise.all([
        putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
        putEstimatedCharges(h.moto.endpoint, points([{ dimensions: { Currency: 'USD' }, value: 321.5 }])),
      ]);
    });

    const TOTAL = chargeSeries({ dimensions: { Currency: 'USD' }, value: 321.5 });

    it('skips a "NaN", empty or "1e309" amount with a warning naming the budget and the field, and sends negative and 40-digit amounts', async () => {
      const rows: CostBudgetRow[] = [
        { name: 'amount NaN', tag: 'amount_nan', limit: '100', actual: 'NaN', forecast: '50' },
        { name: 'amount empty', tag: 'amount_empty', limit: '100', actual: '10', forecast: '' },
        { name: 'amount overflow', tag: 'amount_overflow', limit: '1e309', actual: '1' },
        { name: 'credits', tag: 'credits', limit: '100', actual: '-42.5', forecast: '-40' },
        {
          name: 'forty digits',
          tag: 'forty_digits',
          limit: '1234567890123456789012345678901234567890',
          actual: '0.1234567890123456789012345678901234567890',
          forecast: '9876543210.987654321098765432109876543210',
        },
      ];
      await seedCostBudgets(h, rows);

      const invocation = await h.run();

      const tags = (tag: string): string[] => budgetTags(tag);
      const billing: ExpectedSeries[] = [
        { metric: 'aws.billing.forecasted_spend', tags: tags('amount_nan'), unit: 'dollar', value: 50 },
        { metric: 'aws.billing.budget_limit', tags: tags('amount_nan'), unit: 'dollar', value: 100 },
        ...defaultAlertLevels(tags('amount_nan'), 100),
        { metric: 'aws.billing.actual_spend', tags: tags('amount_empty'), unit: 'dollar', value: 10 },
        { metric: 'aws.billing.budget_limit', tags: tags('amount_empty'), unit: 'dollar', value: 100 },
        ...defaultAlertLevels(tags('amount_empty'), 100),
        { metric: 'aws.billing.actual_spend', tags: tags('amount_overflow'), unit: 'dollar', value: 1 },
        { metric: 'aws.billing.actual_spend', tags: tags('credits'), unit: 'dollar', value: -42.5 },
        { metric: 'aws.billing.forecasted_spend', tags: tags('credits'), unit: 'dollar', value: -40 },
        { metric: 'aws.billing.budget_limit', tags: tags('credits'), unit: 'dollar', value: 100 },
        ...defaultAlertLevels(tags('credits'), 100),
        { metric: 'aws.billing.actual_spend', tags: tags('forty_digits'), unit: 'dollar', value: 0.12345678901234568 },
        { metric: 'aws.billing.forecasted_spend', tags: tags('forty_digits'), unit: 'dollar', value: 9876543210.987654 },
        { metric: 'aws.billing.budget_limit', tags: tags('forty_digits'), unit: 'dollar', value: 1.2345678901234568e39 },
        ...defaultAlertLevels(tags('forty_digits'), 1.2345678901234568e39),
        TOTAL,
      ];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(requestProblems(h.intake.requests)).toEqual([]);
      // Budgets were created concurrently, so DescribeBudgets lists them in any order.
      const byBudget = warnings(invocation).sort((a, b) => (String(a.budgetName) < String(b.budgetName) ? -1 : 1));
      expect(byBudget).toEqual([
        expect.objectContaining({
          budgetName: 'amount NaN',
          field: 'CalculatedSpend.ActualSpend',
          message: expect.stringMatching(/"amount NaN".*not a decimal number/),
        }),
        expect.objectContaining({
          budgetName: 'amount empty',
          field: 'CalculatedSpend.ForecastedSpend',
          message: expect.stringMatching(/"amount empty".*is empty/),
        }),
        expect.objectContaining({
          budgetName: 'amount overflow',
          field: 'BudgetLimit',
          message: expect.stringMatching(/"amount overflow".*out of range/),
        }),
      ]);
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { invalid_amount: 3 }, errors: [] });
      expect(invocation.outcome.status).toBe('resolved');
    });

    it('skips the spend with a warning when DescribeBudgets has no CalculatedSpend, and still sends the limit', async () => {
      // moto fills in zeros when a budget is created without CalculatedSpend: the proxy removes it.
      await seedCostBudgets(h, [
        { name: 'fresh budget', tag: 'fresh_budget', limit: '500', actual: '1', forecast: '2' },
        { name: 'steady budget', tag: 'steady_budget', limit: '80', actual: '20', forecast: '70' },
      ]);
      h.proxy.inject({
        target: TARGETS.describeBudgets,
        answer: {
          kind: 'rewrite',
          rewrite: (response) => ({
            ...response,
            Budgets: (response.Budgets as Budget[]).map((budget) => {
              if (budget.BudgetName !== 'fresh budget') return budget;
              const withoutSpend = { ...budget };
              delete withoutSpend.CalculatedSpend;
              return withoutSpend;
            }),
          }),
        },
      });

      const invocation = await h.run();

      const billing: ExpectedSeries[] = [
        ...budgetSeries({ name: 'steady budget', tag: 'steady_budget', limit: '80', actual: '20', forecast: '70' }),
        { metric: 'aws.billing.budget_limit', tags: budgetTags('fresh_budget'), unit: 'dollar', value: 500 },
        ...defaultAlertLevels(budgetTags('fresh_budget'), 500),
        TOTAL,
      ];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(warnings(invocation)).toEqual([
        expect.objectContaining({
          budgetName: 'fresh budget',
          field: 'CalculatedSpend.ActualSpend',
          message: expect.stringContaining('is missing'),
        }),
      ]);
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { invalid_amount: 1 } });
    });

    it('reads 2,000 budgets over three DescribeBudgets pages and sends every one of them', async () => {
      const rows: CostBudgetRow[] = Array.from({ length: 2000 }, (_, i) => {
        const n = String(i + 1).padStart(4, '0');
        return { name: `budget ${n}`, tag: `budget_${n}`, limit: `${i + 1}`, actual: `${(i + 1) / 4}` };
      });
      const budgets: Budget[] = rows.map((row) => ({
        BudgetName: row.name,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: row.limit, Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: row.actual, Unit: 'USD' } },
      }));
      await createBudgets(h.moto.endpoint, ACCOUNT, budgets);
      // moto answers all budgets at once; AWS pages them, and may return fewer than MaxResults.
      h.proxy.inject({ target: TARGETS.describeBudgets, answer: pageDescribeBudgets(700) });

      const invocation = await h.run();

      const billing = [...rows.flatMap((row) => budgetSeries(row)), TOTAL];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(h.proxy.requests.filter((r) => r.target === TARGETS.describeBudgets).map((r) => r.body?.NextToken)).toEqual([
        undefined,
        '700',
        '1400',
      ]);
      expect(runSummary(invocation)).toMatchObject({
        status: 'success',
        awsCalls: { DescribeBudgets: 3 },
        series: { 'aws.billing.actual_spend': 2000, 'aws.billing.budget_limit': 2000 },
      });
      expect(requestProblems(h.intake.requests)).toEqual([]);
    });

    it('does not send a billing series whose newest point is from last month (35 days old), and counts it as no_billing_point', async () => {
      // The collector reads the last 48 hours: a point 35 days old is not returned at all, so the
      // series has no point rather than a stale one (stale_billing_point needs a point from last
      // month inside the window, which only happens on the first two days of a month: unit tests).
      await h.moto.reset();
      await Promise.all([
        putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
        putEstimatedCharges(h.moto.endpoint, [
          { dimensions: { Currency: 'USD' }, value: 4321, timestamp: new Date(Date.now() - 35 * 24 * 3_600_000) },
          { dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 77.7, timestamp: aMinuteAgo() },
        ]),
      ]);

      const invocation = await h.run();

      const billing = [chargeSeries({ dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 77.7 })];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', 1, { withAge: true })]));
      const summary = runSummary(invocation);
      expect(summary).toMatchObject({
        status: 'success',
        skipped: { no_billing_point: 1 },
        series: { 'aws.billing.estimated_charges': 1 },
      });
      expect(summary.skipped).not.toHaveProperty('stale_billing_point');
    });

    it("splits the 60,000 series of 20,000 budgets (the AWS maximum) into several bodies within Datadog's size limits", async () => {
      // Made up by the proxy rather than created in moto: 20,000 CreateBudget calls take minutes.
      const rows: CostBudgetRow[] = Array.from({ length: 20_000 }, (_, i) => {
        const n = String(i + 1).padStart(5, '0');
        return {
          name: `Team ${n} production workloads`,
          tag: `team_${n}_production_workloads`,
          limit: `${1000 + i}.5`,
          actual: `${i}.25`,
          forecast: `${2 * i}.75`,
        };
      });
      const budgets: Budget[] = rows.map((row) => ({
        BudgetName: row.name,
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
        BudgetLimit: { Amount: row.limit, Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: row.actual, Unit: 'USD' }, ForecastedSpend: { Amount: row.forecast, Unit: 'USD' } },
      }));
      const paged = pageDescribeBudgets(1000);
      h.proxy.inject({
        target: TARGETS.describeBudgets,
        answer: { kind: 'rewrite', rewrite: (response, request) => paged.rewrite({ ...response, Budgets: budgets }, request) },
      });

      const invocation = await h.run();

      const billing = [...rows.flatMap((row) => budgetSeries(row)), TOTAL];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(h.intake.requests.length).toBeGreaterThan(1);
      expect(h.intake.requests.every((request) => request.status === 202)).toBe(true);
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({
        status: 'success',
        awsCalls: { DescribeBudgets: 20 },
        datadog: { requests: h.intake.requests.length },
      });
    });

    it('cuts a tag that DD_TAGS makes longer than 200 characters to 200, on every series', async () => {
      const longTag = `team:${'platform-'.repeat(30)}`;
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: 'tagged', limit: '10', actual: '3' });

      const invocation = await h.run({ env: { DD_TAGS: `${longTag},Owner:FinOps`, DD_ENV: 'Production EU' } });

      const cut = longTag.slice(0, 200);
      expect(longTag.length).toBeGreaterThan(200);
      expect(cut).toHaveLength(200);
      const extra = [cut, 'owner:finops', 'env:production_eu'];
      const billing = [
        ...budgetSeries({ name: 'tagged', tag: 'tagged', limit: '10', actual: '3' }, extra),
        chargeSeries({ dimensions: { Currency: 'USD' }, value: 321.5 }, extra),
      ];
      expect(linesOf(h.intake.series())).toEqual(
        linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true, extraTags: extra })]),
      );
      expect(h.intake.series().every((series) => (series.tags ?? []).every((tag) => [...tag].length <= 200))).toBe(true);
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expect(invocation.outcome.status).toBe('resolved');
    });
  });
});

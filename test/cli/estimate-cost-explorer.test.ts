/**
 * `estimate --cost-explorer`: the second rule's dry run against the project's fake Cost Explorer,
 * its requests counted (pages included) and priced at the second rule's schedule, and its series
 * counted with the hourly run's.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { EstimateReport } from '../../cli/commands/estimate';
import { estimate, type EstimateInput } from '../../cli/estimate';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { costExplorerSource } from '../../lambda/sources/cost-explorer';
import { costPeriods } from '../../lambda/sources/cost-periods';
import { runInProcess } from './in-process';

const INPUT: EstimateInput = {
  seriesByMetric: { 'aws.billing.estimated_charges': 4, 'aws.billing.collector.run': 1, 'aws.billing.collector.series': 1 },
  notSent: {},
  perRun: { calls: { ListMetrics: 1, GetMetricData: 1 }, metricsRequested: 4 },
  operations: [],
  scheduleMinutes: 60,
  apiKeyMaxAgeHours: 6,
  costExplorer: {
    scheduleMinutes: 720,
    calls: { GetCostAndUsage: 6, GetCostForecast: 1 },
    seriesByMetric: { 'aws.billing.cost.daily': 5, 'aws.billing.collector.run': 1, 'aws.billing.collector.series': 1 },
    operations: costExplorerSource.operations,
  },
};

describe('estimate with the second rule', () => {
  it("prices each Cost Explorer request at the second rule's schedule", () => {
    const result = estimate(INPUT);
    expect(result.costExplorer).toEqual({ minutes: 720, runsPerMonth: 61, requestsPerRun: 7 });
    expect(result.awsCost.lines.find((line) => line.item === 'Cost Explorer GetCostAndUsage')?.arithmetic).toBe(
      '6 requests/run × 61 runs = 366 requests × $0.01 = $3.66',
    );
    expect(result.awsCost.lines.find((line) => line.item === 'Cost Explorer GetCostForecast')?.arithmetic).toBe(
      '1 request/run × 61 runs = 61 requests × $0.01 = $0.61',
    );
  });

  it("counts the second rule's series once each: its own metrics, and collector.run a second time for its trigger tag", () => {
    expect(estimate(INPUT).customMetrics.byMetric).toEqual({
      'aws.billing.estimated_charges': 4,
      'aws.billing.cost.daily': 5,
      'aws.billing.collector.run': 2,
      'aws.billing.collector.series': 1,
    });
    expect(estimate(INPUT).customMetrics.total).toBe(12);
  });
});

describe('estimate of a deployment with the second rule alone (no source of the hourly rule on)', () => {
  const secondOnly: EstimateInput = {
    ...INPUT,
    seriesByMetric: {},
    perRun: { calls: {}, metricsRequested: 0 },
    operations: [],
    hourlyRule: false,
    lambda: { memoryMb: 256, durationMs: 500 },
  };
  const lineOf = (input: EstimateInput, item: string) => estimate(input).awsCost.lines.find((line) => line.item === item);

  it("prices no hourly run: the runs are the second rule's, each an invocation and at most one secret read", () => {
    const result = estimate(secondOnly);
    expect(result.schedule).toMatchObject({ runsPerMonth: 0, hourlyRule: false });
    expect(lineOf(secondOnly, 'Lambda requests')?.quantity).toBe(61);
    expect(lineOf(secondOnly, 'Secrets Manager GetSecretValue')?.quantity).toBe(61);
    expect(lineOf(secondOnly, 'Lambda compute (arm64)')?.arithmetic).toMatch(/^61 runs × /);
    expect(result.customMetrics.byMetric).toEqual(INPUT.costExplorer?.seriesByMetric);
  });

  it('prices the errors alarm alone: no "no successful run" alarm, whose metrics need the hourly rule', () => {
    expect(lineOf(secondOnly, 'CloudWatch alarms')?.arithmetic).toBe('1 alarm metric × $0.10/month = $0.10');
    // With the hourly rule too: the errors alarm, and the no-success alarm's four metrics.
    expect(lineOf(INPUT, 'CloudWatch alarms')?.quantity).toBe(5);
  });
});

describe('estimate --cost-explorer against the fake AWS', () => {
  let aws: FakeAws;
  let env: NodeJS.ProcessEnv;
  const today = costPeriods(new Date()).today;

  beforeAll(async () => {
    aws = await startFakeAws({
      billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 10 }],
      costExplorer: {
        costs: [
          { date: costPeriods(new Date()).lastDay.Start, service: 'Amazon Simple Storage Service', UnblendedCost: 3 },
          { date: costPeriods(new Date()).lastDay.Start, accountId: '111122223333', service: 'AWS Lambda', UnblendedCost: 1 },
        ],
        forecast: { dailyMean: 4 },
        today,
      },
    });
    env = { AWS_ENDPOINT_URL: aws.endpoint, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: 'us-east-1' };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await aws.close();
  });

  it('reads Cost Explorer once as the second rule would, and prices its requests a month', async () => {
    const { code, out } = await runInProcess(['estimate', '--no-budgets', '--cost-explorer', '--json'], env);
    const report = JSON.parse(out) as EstimateReport;

    expect(code).toBe(0);
    expect(aws.take().operations).toMatchObject({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(report.accountId).toBe(FAKE_ACCOUNT_ID);
    expect(report.costExplorer).toEqual({ minutes: 720, runsPerMonth: 61, requestsPerRun: 7 });
    expect(report.perRun).toMatchObject({ getCostAndUsage: 6, getCostForecast: 1 });
    // Two services and two accounts, each with a daily figure and a month to date (unless today is the 1st).
    expect(report.customMetrics.byMetric['aws.billing.cost.daily']).toBe(5);
    expect(report.customMetrics.byMetric['aws.billing.collector.cost_explorer_requests']).toBe(1);
    expect(report.awsCost.lines.map((line) => line.item)).toEqual(
      expect.arrayContaining(['Cost Explorer GetCostAndUsage', 'Cost Explorer GetCostForecast']),
    );
  });

  it('prints the requests a run and the runs a month of the second rule', async () => {
    const { out } = await runInProcess(['estimate', '--no-budgets', '--cost-explorer', '--cost-explorer-schedule-minutes', '240'], env);

    expect(out).toContain(
      'Cost Explorer: 7 requests a run (each page one, $0.01 each), every 240 minutes (183 runs a month, the second rule)',
    );
    expect(out).toMatch(/Cost Explorer GetCostAndUsage +6 requests\/run × 183 runs = 1,098 requests × \$0.01 = \$10.98/);
  });

  it('reads Cost Explorer alone with the hourly sources off, as a deployment of the second rule alone runs', async () => {
    aws.take();
    const { code, out } = await runInProcess(['estimate', '--no-budgets', '--no-estimated-charges', '--cost-explorer', '--json'], env);
    const report = JSON.parse(out) as EstimateReport;

    expect(code).toBe(0);
    expect(report.errors).toEqual([]);
    // No hourly dry run: nothing but Cost Explorer (and the caller's identity) is asked.
    expect(Object.keys(aws.take().operations).sort()).toEqual(['GetCallerIdentity', 'GetCostAndUsage', 'GetCostForecast']);
    expect(report.schedule).toMatchObject({ runsPerMonth: 0, hourlyRule: false });
    expect(report.awsCost.lines.find((line) => line.item === 'CloudWatch alarms')?.quantity).toBe(1);
    expect(report.awsCost.lines.map((line) => line.item)).not.toContain('CloudWatch ListMetrics');
  });

  it('reads no Cost Explorer without --cost-explorer', async () => {
    aws.take();
    const { code, out } = await runInProcess(['estimate', '--no-budgets', '--json'], env);

    expect(code).toBe(0);
    expect(aws.take().operations.GetCostAndUsage).toBeUndefined();
    expect((JSON.parse(out) as EstimateReport).costExplorer).toBeUndefined();
  });
});

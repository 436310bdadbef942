/** The cost arithmetic, as a pure function: every figure the `estimate` command prints. */
import { describe, expect, it } from 'vitest';
import { AWS_PRICES, OPERATION_PRICES, num, priceText, runsPerMonth, usd } from '../../cli/cost-model';
import { estimate, type EstimateInput } from '../../cli/estimate';
import { assumedRun, ESTIMATE_CPU_ASSUMPTION, impliedArithmetic, impliedLambdaMs } from '../../cli/lambda-time';
import { SOURCES } from '../../lambda/sources';

const INPUT: EstimateInput = {
  seriesByMetric: { 'aws.billing.estimated_charges': 40, 'aws.billing.actual_spend': 2, 'aws.billing.collector.run': 1 },
  notSent: { service_filtered: 5 },
  perRun: { calls: { ListMetrics: 1, GetMetricData: 1, DescribeBudgets: 1 }, metricsRequested: 45 },
  operations: SOURCES.flatMap((source) => source.operations),
  scheduleMinutes: 60,
  apiKeyMaxAgeHours: 6,
};

function line(input: EstimateInput, item: string) {
  const found = estimate(input).awsCost.lines.find((candidate) => candidate.item === item);
  if (found === undefined) throw new Error(`no line ${item}`);
  return found;
}

describe('runsPerMonth', () => {
  it.each([
    [60, 730],
    [15, 2920],
    [1, 43800],
    [1440, 30],
    [7, 6257],
  ])('every %i minutes is %i runs in a 730-hour month', (minutes, runs) => {
    expect(runsPerMonth(minutes)).toBe(runs);
  });
});

describe('estimate', () => {
  it('counts custom metrics per metric name and in total, and keeps what the switches left out', () => {
    expect(estimate(INPUT).customMetrics).toEqual({ total: 43, byMetric: INPUT.seriesByMetric, notSent: { service_filtered: 5 } });
  });

  it('bills GetMetricData per metric requested, not per call', () => {
    const getMetricData = line(INPUT, 'CloudWatch GetMetricData');
    expect(getMetricData.quantity).toBe(45 * 730);
    expect(getMetricData.monthlyUsd).toBeCloseTo(0.3285, 10);
    expect(getMetricData.arithmetic).toBe('45 metrics/run × 730 runs = 32,850 metrics × $0.01 / 1,000 = $0.329');
  });

  it('bills ListMetrics per request', () => {
    expect(
      line({ ...INPUT, perRun: { ...INPUT.perRun, calls: { ...INPUT.perRun.calls, ListMetrics: 3 } } }, 'CloudWatch ListMetrics')
        .arithmetic,
    ).toBe('3 requests/run × 730 runs = 2,190 requests × $0.01 / 1,000 = $0.0219');
  });

  it('prices only the operations of the sources given: a source left out has no line', () => {
    const withoutBudgets = { ...INPUT, operations: INPUT.operations.filter((operation) => operation.name !== 'DescribeBudgets') };
    expect(estimate(withoutBudgets).awsCost.lines.map((candidate) => candidate.item)).not.toContain('AWS Budgets DescribeBudgets');
  });

  it.each(SOURCES.flatMap((source) => source.operations.map((operation) => [source.id, operation.name] as const)))(
    'has a price for every operation a source declares (%s: %s)',
    (_source, operation) => {
      expect(() => line(INPUT, INPUT.operations.find((candidate) => candidate.name === operation)?.title ?? '')).not.toThrow();
    },
  );

  it("prices the stack's alarms, a fixed cost whatever the schedule", () => {
    expect(line(INPUT, 'CloudWatch alarms').arithmetic).toBe('3 alarm metrics × $0.10/month = $0.30');
    expect(line({ ...INPUT, scheduleMinutes: 15 }, 'CloudWatch alarms').monthlyUsd).toBe(0.3);
  });

  it('shows DescribeBudgets at no charge', () => {
    const budgets = line(INPUT, 'AWS Budgets DescribeBudgets');
    expect(budgets.monthlyUsd).toBe(0);
    expect(budgets.arithmetic).toBe('1 request/run × 730 runs = 730 requests × $0 = $0.00');
  });

  it('prices a secret read per run at most, and says how few reads the 6-hour cache allows', () => {
    const secret = line(INPUT, 'Secrets Manager GetSecretValue');
    expect(secret.arithmetic).toBe('1 call/run × 730 runs = 730 calls × $0.05 / 10,000 = $0.00365');
    expect(secret.note).toContain('as few as 122 calls');
  });

  it('never claims fewer cached reads than runs', () => {
    expect(line({ ...INPUT, scheduleMinutes: 720 }, 'Secrets Manager GetSecretValue').note).toContain('as few as 61 calls');
  });

  it('scales every per-run line with the schedule', () => {
    const hourly = estimate(INPUT);
    const quarterly = estimate({ ...INPUT, scheduleMinutes: 15 });
    expect(quarterly.schedule).toEqual({ minutes: 15, runsPerMonth: 2920, hoursPerMonth: 730, hourlyRule: true });
    expect(line({ ...INPUT, scheduleMinutes: 15 }, 'CloudWatch GetMetricData').monthlyUsd).toBeCloseTo(
      4 * line(INPUT, 'CloudWatch GetMetricData').monthlyUsd,
      8,
    );
    expect(quarterly.awsCost.monthlyUsd).toBeGreaterThan(hourly.awsCost.monthlyUsd);
  });

  it('adds the secret’s storage once, whatever the schedule', () => {
    expect(line({ ...INPUT, scheduleMinutes: 1 }, 'Secrets Manager secret').monthlyUsd).toBe(0.4);
  });

  it('totals the lines, with no float noise', () => {
    const result = estimate(INPUT);
    const sum = result.awsCost.lines.reduce((total, item) => total + item.monthlyUsd, 0);
    expect(result.awsCost.monthlyUsd).toBeCloseTo(sum, 8);
    expect(String(result.awsCost.monthlyUsd)).toMatch(/^\d+\.\d{1,8}$/);
  });

  it('leaves the Lambda out unless asked', () => {
    expect(estimate(INPUT).awsCost.lines.map((item) => item.item)).not.toContain('Lambda requests');
  });

  it('prices the Lambda’s requests, and its arm64 compute at the implied time of the assumed CPU, bound by the dry run', () => {
    // 43 series × the assumed CPU per series at 256 MB is far longer than the 2 s dry run: CPU-bound.
    const input = { ...INPUT, lambda: { memoryMb: 256, durationMs: 2000 } };
    expect(line(input, 'Lambda requests').arithmetic).toBe('730 runs = 730 requests × $0.20 / 1,000,000 = $0.000146');
    const run = assumedRun(43, 2000);
    const seconds = impliedLambdaMs(run, 256) / 1000;
    expect(seconds).toBeCloseTo(
      (ESTIMATE_CPU_ASSUMPTION.initMs + Math.max((43 * ESTIMATE_CPU_ASSUMPTION.cpuMsPerSeries) / (256 / 1769), 2000)) / 1000,
      10,
    );
    const compute = line(input, 'Lambda compute (arm64)');
    expect(compute.quantity).toBeCloseTo(730 * seconds * 0.25, 3);
    expect(compute.monthlyUsd).toBeCloseTo(compute.quantity * AWS_PRICES.lambdaArmGbSeconds.usd, 8);
    expect(compute.arithmetic).toMatch(/^730 runs × [\d.]+ s × 0\.25 GB = [\d,.]+ GB-seconds × \$0\.0000133334 = \$/);
    expect(compute.note).toContain(`billed time per run at 256 MB: ${impliedArithmetic(run, 256)}`);
  });

  it('bills a large account by its CPU time, not by the dry run’s wall time', () => {
    const large = { ...INPUT, seriesByMetric: { 'aws.billing.estimated_charges': 100_000 }, lambda: { memoryMb: 256, durationMs: 2000 } };
    const seconds = impliedLambdaMs(assumedRun(100_000, 2000), 256) / 1000;
    expect(seconds).toBeGreaterThan(2 + ESTIMATE_CPU_ASSUMPTION.initMs / 1000);
    expect(line(large, 'Lambda compute (arm64)').quantity).toBeCloseTo(730 * seconds * 0.25, 3);
  });
});

describe('formatting', () => {
  it.each([
    [0, '$0.00'],
    [0.4, '$0.40'],
    [0.0365, '$0.0365'],
    [0.00365, '$0.00365'],
    [0.000146, '$0.000146'],
    [0.0073, '$0.0073'],
    [1.5, '$1.50'],
    [12.345, '$12.35'],
  ])('usd(%f) is %s', (value, text) => {
    expect(usd(value)).toBe(text);
  });

  it.each([
    [3650, '3,650'],
    [0.25, '0.25'],
    [1.23456, '1.235'],
  ])('num(%f) is %s', (value, text) => {
    expect(num(value)).toBe(text);
  });

  it.each([
    [OPERATION_PRICES.GetMetricData.price, '$0.01 / 1,000'],
    [AWS_PRICES.secretsManagerCalls, '$0.05 / 10,000'],
    [AWS_PRICES.secretStorage, '$0.40'],
    [OPERATION_PRICES.DescribeBudgets.price, '$0'],
  ])('priceText(%o) is %s', (price, text) => {
    expect(priceText(price)).toBe(text);
  });
});

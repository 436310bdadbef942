/**
 * AWS cost per month of running the collector on its schedule, with the arithmetic shown.
 * List prices (us-east-1), no free tier.
 */

export const PRICES = {
  /** CloudWatch GetMetricData, per metric requested. */
  getMetricDataPerMetric: 0.01 / 1000,
  /** CloudWatch ListMetrics, per request. */
  listMetricsPerRequest: 0.01 / 1000,
  /** AWS Budgets DescribeBudgets: no per-request charge is documented. */
  describeBudgetsPerRequest: 0,
  /** Secrets Manager, per API call. */
  secretsManagerPerCall: 0.05 / 10_000,
  /** Secrets Manager, per secret per month. */
  secretPerMonth: 0.4,
  /** Lambda arm64, per GB-second. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** Lambda, per request. */
  lambdaPerRequest: 0.2 / 1_000_000,
} as const;

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

export interface CostInput {
  readonly runsPerMonth: number;
  readonly scheduleNote: string;
  readonly metricsRequestedPerRun: number;
  readonly listMetricsPerRun: number;
  readonly describeBudgetsPerRun: number;
  readonly secretReadsPerRun: number;
  readonly memoryMb: number;
  /** Billed time of one run: initialization and the invocation. */
  readonly billedSecondsPerRun: number;
  /** The function's timeout, for the worst case. */
  readonly timeoutSeconds: number;
}

export interface CostLine {
  readonly item: string;
  readonly arithmetic: string;
  readonly usd: number;
}

export interface Cost {
  readonly assumptions: string[];
  readonly lines: CostLine[];
  readonly totalUsd: number;
  /** The Lambda compute line if every run lasted the whole timeout. */
  readonly lambdaAtTimeoutUsd: number;
}

const usd = (value: number): string => `$${value < 0.01 && value > 0 ? value.toPrecision(3) : value.toFixed(2)}`;
const count = (value: number): string => Math.round(value).toLocaleString('en-US');

export function monthlyCost(input: CostInput): Cost {
  const runs = input.runsPerMonth;
  const gb = input.memoryMb / 1024;
  const lines: CostLine[] = [];
  const add = (item: string, arithmetic: string, value: number): void => {
    lines.push({ item, arithmetic: `${arithmetic} = ${usd(value)}`, usd: value });
  };
  const metrics = input.metricsRequestedPerRun * runs;
  add('CloudWatch GetMetricData', `${count(input.metricsRequestedPerRun)} metrics × ${count(runs)} runs = ${count(metrics)} metrics × $0.01/1,000`, metrics * PRICES.getMetricDataPerMetric);
  const lists = input.listMetricsPerRun * runs;
  add('CloudWatch ListMetrics', `${input.listMetricsPerRun} requests × ${count(runs)} runs = ${count(lists)} requests × $0.01/1,000`, lists * PRICES.listMetricsPerRequest);
  const budgets = input.describeBudgetsPerRun * runs;
  add('Budgets DescribeBudgets', `${input.describeBudgetsPerRun} requests × ${count(runs)} runs = ${count(budgets)} requests × $0 (no per-request charge)`, 0);
  const reads = input.secretReadsPerRun * runs;
  add('Secrets Manager API', `${input.secretReadsPerRun} read × ${count(runs)} runs = ${count(reads)} calls × $0.05/10,000`, reads * PRICES.secretsManagerPerCall);
  add('Secrets Manager secret', '1 secret × $0.40/month', PRICES.secretPerMonth);
  const gbSeconds = runs * input.billedSecondsPerRun * gb;
  add(
    'Lambda compute (arm64)',
    `${count(runs)} runs × ${input.billedSecondsPerRun.toFixed(3)} s × ${gb} GB = ${gbSeconds.toFixed(1)} GB-s × $0.0000133334`,
    gbSeconds * PRICES.lambdaArmPerGbSecond,
  );
  add('Lambda requests', `${count(runs)} requests × $0.20/1,000,000`, runs * PRICES.lambdaPerRequest);
  const totalUsd = lines.reduce((sum, line) => sum + line.usd, 0);
  return {
    assumptions: [
      input.scheduleNote,
      'every scheduled run starts a new execution environment (Lambda reclaims idle ones well within an hour), so every run reads the secret once and pays an initialization',
      `billed time per run = measured cold start + measured cold invocation at the benchmark latency = ${input.billedSecondsPerRun.toFixed(3)} s; real AWS latencies are longer, see the worst case`,
      'list prices, no free tier; CloudWatch Logs and Datadog custom metrics are not included',
    ],
    lines,
    totalUsd,
    lambdaAtTimeoutUsd: runs * input.timeoutSeconds * gb * PRICES.lambdaArmPerGbSecond,
  };
}

/** Runs per month of a `rate(...)` schedule expression, or undefined for anything else. */
export function runsPerMonth(expression: string | undefined): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression ?? '');
  if (match === null) return undefined;
  const hours = Number(match[1]) * (match[2].startsWith('minute') ? 1 / 60 : match[2].startsWith('day') ? 24 : 1);
  return HOURS_PER_MONTH / hours;
}

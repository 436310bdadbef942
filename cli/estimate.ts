/**
 * What a deployment will cost: Datadog custom metrics per metric name, and the AWS API bill per
 * month at a schedule, with the arithmetic written out. Pure: the counts come from a dry run.
 */
import { DEPLOYMENT_DEFAULTS } from '../lambda/deployment';
import type { SkipReason } from '../lambda/samples';
import { plural } from './format';

/** A list price: `usd` for every `per` units. */
export interface Price {
  readonly usd: number;
  readonly per: number;
}

/**
 * AWS list prices (us-east-1, where billing data lives), as published on the services' pricing
 * pages. Prices change: the output says which were used.
 */
export const AWS_PRICES = {
  /** CloudWatch: GetMetricData is billed per metric requested. */
  getMetricDataMetrics: { usd: 0.01, per: 1_000 },
  /** CloudWatch: ListMetrics is billed per request. */
  listMetricsRequests: { usd: 0.01, per: 1_000 },
  /** AWS Budgets documents no charge for DescribeBudgets. */
  describeBudgetsRequests: { usd: 0, per: 1 },
  secretsManagerCalls: { usd: 0.05, per: 10_000 },
  /** Per secret per month, prorated. */
  secretStorage: { usd: 0.4, per: 1 },
  lambdaRequests: { usd: 0.2, per: 1_000_000 },
  /** The stack's function runs on arm64. */
  lambdaArmGbSeconds: { usd: 0.0000133334, per: 1 },
} as const satisfies Record<string, Price>;

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** The stack's schedule period. */
export const DEFAULT_SCHEDULE_MINUTES = DEPLOYMENT_DEFAULTS.schedulePeriodMinutes;

/** The stack's function memory. */
export const DEFAULT_LAMBDA_MEMORY_MB = DEPLOYMENT_DEFAULTS.memorySizeMb;

/** The AWS calls one run makes, as counted by a dry run. */
export interface CallsPerRun {
  readonly listMetrics: number;
  readonly getMetricDataCalls: number;
  /** Queries across all GetMetricData calls: what CloudWatch bills. */
  readonly metricsRequested: number;
  readonly describeBudgets: number;
}

export interface EstimateInput {
  /** Series per metric name, from the dry run's summary (health metrics included). */
  readonly seriesByMetric: Readonly<Record<string, number>>;
  /** Points the dry run left out, by reason (switches, filters, stale data). */
  readonly notSent: Readonly<Partial<Record<SkipReason, number>>>;
  readonly perRun: CallsPerRun;
  readonly scheduleMinutes: number;
  /** How long the function caches the key; at most one secret read per run, at least one per this. */
  readonly apiKeyMaxAgeHours: number;
  /** Include the function's own cost. */
  readonly lambda?: { readonly memoryMb: number; readonly durationMs: number };
}

export interface CostLine {
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly price: Price;
  readonly monthlyUsd: number;
  /** The computation written out, e.g. `5 metrics/run × 730 runs = 3,650 metrics × $0.01 / 1,000 = $0.0365`. */
  readonly arithmetic: string;
  readonly note?: string;
}

export interface Estimate {
  readonly customMetrics: {
    readonly total: number;
    readonly byMetric: Readonly<Record<string, number>>;
    readonly notSent: Readonly<Partial<Record<SkipReason, number>>>;
  };
  readonly schedule: { readonly minutes: number; readonly runsPerMonth: number; readonly hoursPerMonth: number };
  readonly perRun: CallsPerRun;
  readonly awsCost: { readonly lines: readonly CostLine[]; readonly monthlyUsd: number };
}

export function estimate(input: EstimateInput): Estimate {
  const runs = runsPerMonth(input.scheduleMinutes);
  const lines: CostLine[] = [];
  const perRunLine = (item: string, perRun: number, unitOne: string, unitMany: string, price: Price, note?: string): void => {
    const quantity = perRun * runs;
    const monthlyUsd = cost(quantity, price);
    lines.push({
      item,
      quantity,
      unit: unitMany,
      price,
      monthlyUsd,
      arithmetic: `${num(perRun)} ${perRun === 1 ? unitOne : unitMany}/run × ${num(runs)} runs = ${num(quantity)} ${unitMany} × ${priceText(price)} = ${usd(monthlyUsd)}`,
      ...(note === undefined ? {} : { note }),
    });
  };

  perRunLine('CloudWatch GetMetricData', input.perRun.metricsRequested, 'metric', 'metrics', AWS_PRICES.getMetricDataMetrics,
    `billed per metric requested, not per call (${plural(input.perRun.getMetricDataCalls, 'call')} a run)`);
  perRunLine('CloudWatch ListMetrics', input.perRun.listMetrics, 'request', 'requests', AWS_PRICES.listMetricsRequests);
  perRunLine('AWS Budgets DescribeBudgets', input.perRun.describeBudgets, 'request', 'requests', AWS_PRICES.describeBudgetsRequests,
    'no charge documented');

  const warmReads = Math.min(runs, Math.ceil(HOURS_PER_MONTH / input.apiKeyMaxAgeHours));
  perRunLine('Secrets Manager GetSecretValue', 1, 'call', 'calls', AWS_PRICES.secretsManagerCalls,
    `at most one read per run (a cold start); the key is cached ${num(input.apiKeyMaxAgeHours)} h, so as few as ` +
      `${num(warmReads)} calls when the function stays warm`);
  lines.push({
    item: 'Secrets Manager secret',
    quantity: 1,
    unit: 'secret',
    price: AWS_PRICES.secretStorage,
    monthlyUsd: AWS_PRICES.secretStorage.usd,
    arithmetic: `1 secret × ${usd(AWS_PRICES.secretStorage.usd)}/month = ${usd(AWS_PRICES.secretStorage.usd)}`,
    note: 'storage, not an API call; nothing more if you reuse a secret you already pay for',
  });

  if (input.lambda !== undefined) {
    const requests = runs;
    const requestUsd = cost(requests, AWS_PRICES.lambdaRequests);
    lines.push({
      item: 'Lambda requests',
      quantity: requests,
      unit: 'requests',
      price: AWS_PRICES.lambdaRequests,
      monthlyUsd: requestUsd,
      arithmetic: `${num(requests)} runs = ${num(requests)} requests × ${priceText(AWS_PRICES.lambdaRequests)} = ${usd(requestUsd)}`,
      note: 'the Lambda free tier (1M requests a month) usually covers it',
    });
    const seconds = input.lambda.durationMs / 1000;
    const gb = input.lambda.memoryMb / 1024;
    const gbSeconds = Math.round(runs * seconds * gb * 1000) / 1000;
    const computeUsd = cost(gbSeconds, AWS_PRICES.lambdaArmGbSeconds);
    lines.push({
      item: 'Lambda compute (arm64)',
      quantity: gbSeconds,
      unit: 'GB-seconds',
      price: AWS_PRICES.lambdaArmGbSeconds,
      monthlyUsd: computeUsd,
      arithmetic: `${num(runs)} runs × ${num(seconds)} s × ${num(gb)} GB = ${num(gbSeconds)} GB-seconds × ${priceText(AWS_PRICES.lambdaArmGbSeconds)} = ${usd(computeUsd)}`,
      note: 'duration as measured by this dry run from here; the free tier (400,000 GB-seconds a month) usually covers it',
    });
  }

  const total = Object.values(input.seriesByMetric).reduce((sum, count) => sum + count, 0);
  return {
    customMetrics: { total, byMetric: input.seriesByMetric, notSent: input.notSent },
    schedule: { minutes: input.scheduleMinutes, runsPerMonth: runs, hoursPerMonth: HOURS_PER_MONTH },
    perRun: input.perRun,
    awsCost: { lines, monthlyUsd: roundUsd(lines.reduce((sum, line) => sum + line.monthlyUsd, 0)) },
  };
}

/** Runs in a 730-hour month, rounded to a whole run. */
export function runsPerMonth(scheduleMinutes: number): number {
  return Math.round((HOURS_PER_MONTH * 60) / scheduleMinutes);
}

/** Dollars, rounded to a millionth of a cent: no float noise (0.08760000000000001) in the JSON. */
function cost(quantity: number, price: Price): number {
  return roundUsd((quantity * price.usd) / price.per);
}

function roundUsd(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

const NUMBER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 3 });

/** `3650` as `3,650`; at most three decimals. */
export function num(value: number): string {
  return NUMBER.format(value);
}

/**
 * Dollars with enough digits to see small amounts: `$0.40`, `$0.0365`, `$0.000146`, `$0.00`.
 */
export function usd(value: number): string {
  if (value === 0) return '$0.00';
  if (Math.abs(value) >= 1) return `$${value.toFixed(2)}`;
  // Three significant digits, at least two decimals, no exponent.
  const digits = Math.max(2, 2 - Math.floor(Math.log10(Math.abs(value))));
  let text = value.toFixed(digits);
  while (text.endsWith('0') && text.length - text.indexOf('.') > 3) text = text.slice(0, -1);
  return `$${text}`;
}

/** `$0.01 / 1,000`, or `$0.40` when priced per one unit. */
export function priceText(price: Price): string {
  if (price.usd === 0) return '$0';
  if (price.per !== 1) return `${usd(price.usd)} / ${num(price.per)}`;
  return price.usd >= 0.01 ? usd(price.usd) : `$${String(price.usd)}`;
}

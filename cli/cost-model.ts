/**
 * The one AWS cost model: the price table and the arithmetic of a month of runs, with each
 * computation written out. The `estimate` command prices a dry run with it, the benchmark prices
 * its measured calls with it, and test/cli/cost-model.test.ts holds every price the docs state
 * against the table, so a price change that forgets the docs fails.
 *
 * It lives beside the command-line tool because `estimate` is where a user reads these prices;
 * the benchmark is a development tool and imports it from here. Pure: no I/O.
 */

import { SOURCES } from '../lambda/sources';
import type { ListPrice, SourceOperation } from '../lambda/sources/source';
import { impliedArithmetic, impliedLambdaMs, type RunOnOneCore } from './lambda-time';

/** A list price: `usd` for every `per` units. */
export type Price = ListPrice;

/**
 * AWS list prices (us-east-1, where billing data lives), as published on the services' pricing
 * pages, without free tiers. Prices change: the outputs say which were used.
 */
export const AWS_PRICES = {
  secretsManagerCalls: { usd: 0.05, per: 10_000 },
  /** Per secret per month, prorated. */
  secretStorage: { usd: 0.4, per: 1 },
  lambdaRequests: { usd: 0.2, per: 1_000_000 },
  /** The stack's function runs on arm64. */
  lambdaArmGbSeconds: { usd: 0.0000133334, per: 1 },
  /** CloudWatch alarms, per alarm metric per month: the stack's alarms, which no run changes. */
  alarmMetrics: { usd: 0.1, per: 1 },
} as const satisfies Record<string, Price>;

/**
 * The price of each AWS operation the sources call, by operation name: each source declares its
 * operations' prices (`Source.operations`), so a new source brings its prices with it.
 */
export const OPERATION_PRICES: Readonly<Record<string, { readonly price: Price; readonly note?: string }>> = Object.fromEntries(
  SOURCES.flatMap((source) => source.operations).map((operation) => [
    operation.name,
    { price: operation.price, ...(operation.priceNote === undefined ? {} : { note: operation.priceNote }) },
  ]),
);

/** AWS prices a month as 730 hours. */
export const HOURS_PER_MONTH = 730;

/** One item of a monthly bill. */
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

/** Runs in a 730-hour month, rounded to a whole run. */
export function runsPerMonth(scheduleMinutes: number): number {
  return Math.round((HOURS_PER_MONTH * 60) / scheduleMinutes);
}

/** Dollars, rounded to a millionth of a cent: no float noise (0.08760000000000001) in JSON. */
export function roundUsd(value: number): number {
  return Math.round(value * 1e8) / 1e8;
}

/** What `quantity` units cost at `price`. */
export function cost(quantity: number, price: Price): number {
  return roundUsd((quantity * price.usd) / price.per);
}

/** The sum of the lines. */
export function totalUsd(lines: readonly CostLine[]): number {
  return roundUsd(lines.reduce((sum, line) => sum + line.monthlyUsd, 0));
}

const withNote = (note: string | undefined): { note?: string } => (note === undefined ? {} : { note });

/** A line for `quantity` units at `price`; `how` says how the quantity comes about, and is written before it. */
function line(item: string, how: string, quantity: number, unit: string, price: Price, note: string | undefined): CostLine {
  const monthlyUsd = cost(quantity, price);
  return {
    item,
    quantity,
    unit,
    price,
    monthlyUsd,
    arithmetic: `${how} = ${num(quantity)} ${unit} × ${priceText(price)} = ${usd(monthlyUsd)}`,
    ...withNote(note),
  };
}

/** A line for something done `perRun` times a run: `45 metrics/run × 730 runs = 32,850 metrics × $0.01 / 1,000 = $0.329`. */
export function perRunLine(
  item: string,
  perRun: number,
  runs: number,
  units: { readonly one: string; readonly many: string },
  price: Price,
  note?: string,
): CostLine {
  const how = `${num(perRun)} ${perRun === 1 ? units.one : units.many}/run × ${num(runs)} runs`;
  return line(item, how, perRun * runs, units.many, price, note);
}

/** A source operation's line for a month: per request, or per metric requested. */
export function operationLine(operation: SourceOperation, callsPerRun: number, metricsRequestedPerRun: number, runs: number): CostLine {
  const note = operation.priceNote;
  if (operation.billedPer === 'metric') {
    return perRunLine(
      operation.title,
      metricsRequestedPerRun,
      runs,
      { one: 'metric', many: 'metrics' },
      operation.price,
      `billed per metric requested, not per call (${num(callsPerRun)} call${callsPerRun === 1 ? '' : 's'} a run)`,
    );
  }
  return perRunLine(operation.title, callsPerRun, runs, { one: 'request', many: 'requests' }, operation.price, note);
}

/**
 * The stack's CloudWatch alarms for a month: a fixed cost, whatever the runs.
 * @param metrics the alarm metrics of the deployment (`alarmMetrics` in lambda/deployment.ts).
 */
export function alarmsLine(metrics: number, note?: string): CostLine {
  const price = AWS_PRICES.alarmMetrics;
  const monthlyUsd = roundUsd(metrics * price.usd);
  return {
    item: 'CloudWatch alarms',
    quantity: metrics,
    unit: 'alarm metrics',
    price,
    monthlyUsd,
    arithmetic: `${metrics} alarm metric${metrics === 1 ? '' : 's'} × ${usd(price.usd)}/month = ${usd(monthlyUsd)}`,
    ...withNote(note),
  };
}

/** The API key secret's storage for a month. */
export function secretStorageLine(note?: string): CostLine {
  const price = AWS_PRICES.secretStorage;
  return {
    item: 'Secrets Manager secret',
    quantity: 1,
    unit: 'secret',
    price,
    monthlyUsd: price.usd,
    arithmetic: `1 secret × ${usd(price.usd)}/month = ${usd(price.usd)}`,
    ...withNote(note),
  };
}

/** Lambda's charge per invocation, one a run. */
export function lambdaRequestsLine(runs: number, note?: string): CostLine {
  return line('Lambda requests', `${num(runs)} runs`, runs, 'requests', AWS_PRICES.lambdaRequests, note);
}

/** A run's billed time: implied from what it costs on one core (cli/lambda-time.ts), or given outright (the timeout). */
export type LambdaBilledTime = RunOnOneCore | { readonly seconds: number };

/**
 * Lambda's compute: billed seconds per run × memory, in GB-seconds, at the arm64 price. A run
 * given as its cost on one core is billed at its implied time at `memoryMb` (INIT included).
 */
export function lambdaComputeLine(runs: number, perRun: LambdaBilledTime, memoryMb: number, note?: string): CostLine {
  const given = 'seconds' in perRun;
  const secondsPerRun = given ? perRun.seconds : impliedLambdaMs(perRun, memoryMb) / 1000;
  const gb = memoryMb / 1024;
  const gbSeconds = Math.round(runs * secondsPerRun * gb * 1000) / 1000;
  const how = `${num(runs)} runs × ${num(secondsPerRun)} s × ${num(gb)} GB`;
  const why = given ? undefined : `billed time per run at ${num(memoryMb)} MB: ${impliedArithmetic(perRun, memoryMb)}`;
  const notes = [why, note].filter((text): text is string => text !== undefined);
  return line(
    'Lambda compute (arm64)',
    how,
    gbSeconds,
    'GB-seconds',
    AWS_PRICES.lambdaArmGbSeconds,
    notes.length === 0 ? undefined : notes.join('; '),
  );
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

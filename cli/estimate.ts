/**
 * What a deployment will cost: Datadog custom metrics per metric name, and the AWS API bill per
 * month at a schedule, with the arithmetic written out. Pure: the counts come from a dry run.
 */
import { DEPLOYMENT_DEFAULTS } from '../lambda/deployment';
import type { SkipReason } from '../lambda/samples';
import type { SourceOperation } from '../lambda/sources/source';
import {
  AWS_PRICES,
  OPERATION_PRICES,
  HOURS_PER_MONTH,
  lambdaComputeLine,
  lambdaRequestsLine,
  num,
  perRunLine,
  runsPerMonth,
  secretStorageLine,
  totalUsd,
  type CostLine,
} from './cost-model';
import { plural } from './format';

/** The stack's schedule period. */
export const DEFAULT_SCHEDULE_MINUTES = DEPLOYMENT_DEFAULTS.schedulePeriodMinutes;

/** The stack's function memory. */
export const DEFAULT_LAMBDA_MEMORY_MB = DEPLOYMENT_DEFAULTS.memorySizeMb;

/** The AWS calls one run makes, as counted by a dry run. */
export interface CallsPerRun {
  /** Calls per operation (`ListMetrics`, ...), as the run summary counts them. */
  readonly calls: Readonly<Record<string, number>>;
  /** Metrics requested across all calls of the operations billed per metric (GetMetricData's queries). */
  readonly metricsRequested: number;
}

export interface EstimateInput {
  /** Series per metric name, from the dry run's summary (health metrics included). */
  readonly seriesByMetric: Readonly<Record<string, number>>;
  /** Points the dry run left out, by reason (switches, filters, stale data). */
  readonly notSent: Readonly<Partial<Record<SkipReason, number>>>;
  readonly perRun: CallsPerRun;
  /** The operations of the enabled sources, each priced by the cost model. */
  readonly operations: readonly SourceOperation[];
  readonly scheduleMinutes: number;
  /** How long the function caches the key; at most one secret read per run, at least one per this. */
  readonly apiKeyMaxAgeHours: number;
  /** Include the function's own cost. */
  readonly lambda?: { readonly memoryMb: number; readonly durationMs: number };
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

const METRICS = { one: 'metric', many: 'metrics' } as const;
const REQUESTS = { one: 'request', many: 'requests' } as const;
const CALLS = { one: 'call', many: 'calls' } as const;

/** One source operation's line: per request, or per metric requested. */
function operationLine(operation: SourceOperation, perRun: CallsPerRun, runs: number): CostLine {
  const { price, note } = OPERATION_PRICES[operation.name] ?? unpriced(operation.name);
  const calls = perRun.calls[operation.name] ?? 0;
  if (operation.billedPer === 'metric') {
    return perRunLine(operation.title, perRun.metricsRequested, runs, METRICS, price, `billed per metric requested, not per call (${plural(calls, 'call')} a run)`);
  }
  return perRunLine(operation.title, calls, runs, REQUESTS, price, note);
}

function unpriced(name: string): never {
  throw new Error(`The cost model has no price for ${name}; add it to OPERATION_PRICES in cli/cost-model.ts`);
}

/** Custom metrics and the AWS bill per month of a deployment, from a dry run's counts. */
export function estimate(input: EstimateInput): Estimate {
  const runs = runsPerMonth(input.scheduleMinutes);
  const warmReads = Math.min(runs, Math.ceil(HOURS_PER_MONTH / input.apiKeyMaxAgeHours));
  const lines: CostLine[] = [
    ...input.operations.map((operation) => operationLine(operation, input.perRun, runs)),
    perRunLine('Secrets Manager GetSecretValue', 1, runs, CALLS, AWS_PRICES.secretsManagerCalls,
      `at most one read per run (a cold start); the key is cached ${num(input.apiKeyMaxAgeHours)} h, so as few as ` +
        `${num(warmReads)} calls when the function stays warm`),
    secretStorageLine('storage, not an API call; nothing more if you reuse a secret you already pay for'),
  ];
  if (input.lambda !== undefined) {
    lines.push(
      lambdaRequestsLine(runs, 'the Lambda free tier (1M requests a month) usually covers it'),
      lambdaComputeLine(runs, input.lambda.durationMs / 1000, input.lambda.memoryMb,
        'duration as measured by this dry run from here; the free tier (400,000 GB-seconds a month) usually covers it'),
    );
  }

  const total = Object.values(input.seriesByMetric).reduce((sum, count) => sum + count, 0);
  return {
    customMetrics: { total, byMetric: input.seriesByMetric, notSent: input.notSent },
    schedule: { minutes: input.scheduleMinutes, runsPerMonth: runs, hoursPerMonth: HOURS_PER_MONTH },
    perRun: input.perRun,
    awsCost: { lines, monthlyUsd: totalUsd(lines) },
  };
}

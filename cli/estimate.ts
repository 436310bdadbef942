/**
 * What a deployment will cost: Datadog custom metrics per metric name, and the AWS API bill per
 * month at a schedule, with the arithmetic written out. Pure: the counts come from a dry run.
 */
import { alarmMetrics, DEPLOYMENT_DEFAULTS, ORGANIZATION_DEPLOYMENT } from '../lambda/deployment';
import { METRICS } from '../lambda/metrics';
import type { SkipReason } from '../lambda/samples';
import { SOURCES } from '../lambda/sources';
import type { SourceOperation, SourceSwitch } from '../lambda/sources/source';
import { BILLING_SCOPES, estimatedChargesSource, LEVEL_SWITCHES, type BillingScope } from '../lambda/sources/estimated-charges';
import {
  alarmsLine,
  AWS_PRICES,
  operationLine,
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
import { assumedRun, ESTIMATE_CPU_ASSUMPTION } from './lambda-time';

/** The stack's schedule period. */
export const DEFAULT_SCHEDULE_MINUTES = DEPLOYMENT_DEFAULTS.schedulePeriodMinutes;
/** The period of the second rule, which runs the sources AWS bills per request (Cost Explorer). */
export const DEFAULT_COST_EXPLORER_SCHEDULE_MINUTES = DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes;

/** The function memory the stack deploys in each account mode: organization mode's is its own. */
export function deployedMemoryMb(accounts: string): number {
  return accounts === 'organization' ? ORGANIZATION_DEPLOYMENT.memorySizeMb : DEPLOYMENT_DEFAULTS.memorySizeMb;
}

/** The AWS calls one run makes, as counted by a dry run. */
export interface CountedCalls {
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
  readonly perRun: CountedCalls;
  /** The operations of the enabled sources, each priced by the cost model. */
  readonly operations: readonly SourceOperation[];
  readonly scheduleMinutes: number;
  /**
   * Whether the deployment has the hourly rule: a source of the `schedule` trigger is on
   * (`deployedRules`). Without it the hourly figures above are empty, and only the second rule's
   * runs are priced. @default true
   */
  readonly hourlyRule?: boolean;
  /** How long the function caches the key; at most one secret read per run, at least one per this. */
  readonly apiKeyMaxAgeHours: number;
  /**
   * Include the function's own cost: its memory, and the dry run's wall time, which stands for the
   * critical-path bound (the round trips to AWS from here; the dry run sends nothing to Datadog).
   */
  readonly lambda?: { readonly memoryMb: number; readonly durationMs: number };
  /** Estimated charges' series by level, and the switches of the levels, when the source is on. */
  readonly chargeLevels?: Pick<ChargeLevelCounts, 'sentByLevel' | 'switches'>;
  /** The second rule's dry run, when Cost Explorer is on: its own schedule, calls and series. */
  readonly costExplorer?: CostExplorerRun;
}

/** A dry run of the second rule's sources (`trigger: 'cost_explorer'`). */
export interface CostExplorerRun {
  readonly scheduleMinutes: number;
  /** Calls per operation of its run, as the run summary counts them (each page a request). */
  readonly calls: Readonly<Record<string, number>>;
  /** Series per metric name of its run (its health metrics included). */
  readonly seriesByMetric: Readonly<Record<string, number>>;
  /** The operations of its enabled sources, each billed per request. */
  readonly operations: readonly SourceOperation[];
}

export interface Estimate {
  readonly customMetrics: {
    readonly total: number;
    readonly byMetric: Readonly<Record<string, number>>;
    readonly notSent: Readonly<Partial<Record<SkipReason, number>>>;
  };
  /** The hourly rule's schedule and runs: none without the rule. */
  readonly schedule: {
    readonly minutes: number;
    readonly runsPerMonth: number;
    readonly hoursPerMonth: number;
    readonly hourlyRule: boolean;
  };
  /**
   * The calls of one run, by every registered source's operations: `listMetrics` for an
   * operation billed per request; `getMetricDataCalls` and the shared `metricsRequested` for one
   * billed per metric. A source left out shows 0.
   */
  readonly perRun: Readonly<Record<string, number>>;
  readonly awsCost: { readonly lines: readonly CostLine[]; readonly monthlyUsd: number };
  /** The second rule's runs, when Cost Explorer is on: their schedule and the requests of one run. */
  readonly costExplorer?: { readonly minutes: number; readonly runsPerMonth: number; readonly requestsPerRun: number };
  /** Each level of CloudWatch's estimated charges: its series and what reading it costs a month. */
  readonly chargeLevels: readonly ChargeLevel[];
}

/**
 * One level of CloudWatch's `EstimatedCharges` (its `billing_scope`): in an organization the
 * levels differ by orders of magnitude (the linked account × service level is about 30 series
 * an account), so `estimate` shows each, the levels switched off too, to choose from.
 */
export interface ChargeLevel {
  readonly level: BillingScope;
  /** Whether the run sends it; a level switched off is counted from the series it skipped. */
  readonly sent: boolean;
  /** Series a run sends at this level (or would, switched on): each one Datadog custom metric. */
  readonly series: number;
  /** CloudWatch GetMetricData for those series at the schedule: one metric requested per series a run. */
  readonly awsCost: CostLine;
}

/** What the dry run says of each level: the series it sent, and the series of a level it skipped because it is switched off. */
export interface ChargeLevelCounts {
  readonly sentByLevel: Readonly<Partial<Record<BillingScope, number>>>;
  readonly notSent: Readonly<Partial<Record<SkipReason, number>>>;
  /** The switches of the levels that have one (`collectLinkedAccountServices`), as the run had them. */
  readonly switches: Readonly<Partial<Record<SourceSwitch, boolean>>>;
}

/** The levels' series and monthly cost, from a dry run's counts. */
export function chargeLevels(counts: ChargeLevelCounts, operation: SourceOperation, runs: number): ChargeLevel[] {
  return BILLING_SCOPES.map((level) => {
    const levelSwitch = LEVEL_SWITCHES[level];
    const sent = levelSwitch === undefined || counts.switches[levelSwitch.setting] !== false;
    const series = sent ? (counts.sentByLevel[level] ?? 0) : (counts.notSent[levelSwitch.reason] ?? 0);
    return { level, sent, series, awsCost: perRunLine(operation.title, series, runs, { one: 'metric', many: 'metrics' }, operation.price) };
  });
}

const CALLS = { one: 'call', many: 'calls' } as const;

function perRunFigures(counted: CountedCalls): Record<string, number> {
  const figures: Record<string, number> = {};
  for (const operation of SOURCES.flatMap((source) => source.operations)) {
    const key = operation.name.charAt(0).toLowerCase() + operation.name.slice(1);
    const calls = counted.calls[operation.name] ?? 0;
    if (operation.billedPer === 'metric') {
      figures[`${key}Calls`] = calls;
      figures.metricsRequested = counted.metricsRequested;
    } else {
      figures[key] = calls;
    }
  }
  return figures;
}

/** Custom metrics and the AWS bill per month of a deployment, from a dry run's counts. */
export function estimate(input: EstimateInput): Estimate {
  const hourlyRule = input.hourlyRule ?? true;
  const runs = hourlyRule ? runsPerMonth(input.scheduleMinutes) : 0;
  const costExplorer = input.costExplorer;
  const costExplorerRuns = costExplorer === undefined ? 0 : runsPerMonth(costExplorer.scheduleMinutes);
  // Every run of either rule is an invocation, and may read the key.
  const invocations = runs + costExplorerRuns;
  const seriesByMetric = costExplorer === undefined ? input.seriesByMetric : withRun(input.seriesByMetric, costExplorer.seriesByMetric);
  const total = Object.values(seriesByMetric).reduce((sum, count) => sum + count, 0);
  const warmReads = Math.min(invocations, Math.ceil(HOURS_PER_MONTH / input.apiKeyMaxAgeHours));
  const lines: CostLine[] = [
    ...(hourlyRule ? input.operations : []).map((operation) =>
      operationLine(operation, input.perRun.calls[operation.name] ?? 0, input.perRun.metricsRequested, runs),
    ),
    perRunLine(
      'Secrets Manager GetSecretValue',
      1,
      invocations,
      CALLS,
      AWS_PRICES.secretsManagerCalls,
      `at most one read per run (a cold start); the key is cached ${num(input.apiKeyMaxAgeHours)} h, so as few as ` +
        `${num(warmReads)} calls when the function stays warm`,
    ),
    secretStorageLine('storage, not an API call; nothing more if you reuse a secret you already pay for'),
    alarmsLine(
      alarmMetrics({ schedule: hourlyRule, cost_explorer: costExplorer !== undefined }),
      (hourlyRule
        ? 'the errors alarm and the "no successful run" alarm'
        : 'the errors alarm alone: without the hourly rule there is no "no successful run" alarm') +
        '; free within the 10 alarm metrics of the free tier',
    ),
  ];
  for (const operation of costExplorer?.operations ?? []) {
    // Every page a request: the run's own count, at the second rule's schedule.
    lines.push(operationLine(operation, costExplorer?.calls[operation.name] ?? 0, 0, costExplorerRuns));
  }
  if (input.lambda !== undefined) {
    lines.push(
      lambdaRequestsLine(invocations, 'the Lambda free tier (1M requests a month) usually covers it'),
      lambdaComputeLine(
        // The hourly runs; without the hourly rule, the second rule's, whose dry run this is.
        hourlyRule ? runs : costExplorerRuns,
        assumedRun(total, input.lambda.durationMs),
        input.lambda.memoryMb,
        `INIT and CPU time as the benchmark measured them on one x86 core (${num(ESTIMATE_CPU_ASSUMPTION.cpuMsPerSeries)} ms of CPU ` +
          `per series sent), the bound as this dry run's duration from here; every run a cold start; ` +
          'the free tier (400,000 GB-seconds a month) usually covers it',
      ),
    );
  }

  return {
    customMetrics: { total, byMetric: seriesByMetric, notSent: input.notSent },
    schedule: { minutes: input.scheduleMinutes, runsPerMonth: runs, hoursPerMonth: HOURS_PER_MONTH, hourlyRule },
    perRun: perRunFigures({ ...input.perRun, calls: { ...input.perRun.calls, ...costExplorer?.calls } }),
    awsCost: { lines, monthlyUsd: totalUsd(lines) },
    chargeLevels: levelsOf(input, runs),
    ...(costExplorer === undefined
      ? {}
      : {
          costExplorer: {
            minutes: costExplorer.scheduleMinutes,
            runsPerMonth: costExplorerRuns,
            requestsPerRun: costExplorer.operations.reduce((sum, operation) => sum + (costExplorer.calls[operation.name] ?? 0), 0),
          },
        }),
  };
}

function levelsOf(input: EstimateInput, runs: number): ChargeLevel[] {
  // The levels' series are requested one metric each by the source's per-metric operation (GetMetricData).
  const getMetricData = estimatedChargesSource.operations.find((operation) => operation.billedPer === 'metric');
  if (input.chargeLevels === undefined || getMetricData === undefined) return [];
  return chargeLevels({ ...input.chargeLevels, notSent: input.notSent }, getMetricData, runs);
}

/**
 * The series of both rules' runs: a metric only the second rule sends is added; one both send
 * is the same series twice (the same tags), but for `collector.run`, whose `trigger` tag tells
 * the two rules' runs apart.
 */
function withRun(hourly: Readonly<Record<string, number>>, second: Readonly<Record<string, number>>): Record<string, number> {
  const merged = { ...hourly };
  for (const [metric, count] of Object.entries(second)) {
    const run = metric.endsWith(`.${METRICS.collectorRun.suffix}`);
    merged[metric] = run ? (merged[metric] ?? 0) + count : Math.max(merged[metric] ?? 0, count);
  }
  return merged;
}

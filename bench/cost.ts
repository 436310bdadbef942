/**
 * AWS cost per month of running the collector on its schedule, from the calls the benchmark
 * counted, priced with the project's one cost model (cli/cost-model.ts) and the arithmetic shown.
 */
import {
  alarmsLine,
  AWS_PRICES,
  lambdaComputeLine,
  lambdaRequestsLine,
  operationLine,
  perRunLine,
  secretStorageLine,
  totalUsd,
  type CostLine,
} from '../cli/cost-model';
import { IMPLIED_TIME_FORMULA, impliedArithmetic, type RunOnOneCore } from '../cli/lambda-time';
import { alarmMetrics } from '../lambda/deployment';
import { deployedRules, SOURCES } from '../lambda/sources';

export interface CostInput {
  readonly runsPerMonth: number;
  readonly scheduleNote: string;
  /** Calls per AWS operation of the sources, as the fake AWS counted them. */
  readonly callsPerRun: Readonly<Record<string, number>>;
  /** Metrics requested across the operations billed per metric. */
  readonly metricsRequestedPerRun: number;
  readonly secretReadsPerRun: number;
  readonly memoryMb: number;
  /** The cold run on one core (INIT, the invocation's CPU time, its critical-path bound), billed at its implied time. */
  readonly coldRun: RunOnOneCore;
  /** The function's timeout, for the worst case. */
  readonly timeoutSeconds: number;
}

export interface Cost {
  readonly assumptions: string[];
  readonly lines: CostLine[];
  readonly totalUsd: number;
  /** The Lambda compute line if every run lasted the whole timeout. */
  readonly lambdaAtTimeoutUsd: number;
}

/** The month's bill at the measured calls per run. */
export function monthlyCost(input: CostInput): Cost {
  const runs = input.runsPerMonth;
  const lines = [
    // The hourly rule's sources: the second rule's requests are priced at its own schedule (bench/cost-explorer.ts).
    ...SOURCES.filter((source) => source.trigger === 'schedule')
      .flatMap((source) => source.operations)
      .map((operation) => operationLine(operation, input.callsPerRun[operation.name] ?? 0, input.metricsRequestedPerRun, runs)),
    perRunLine('Secrets Manager API', input.secretReadsPerRun, runs, { one: 'read', many: 'reads' }, AWS_PRICES.secretsManagerCalls),
    secretStorageLine(),
    // The benchmark measures the default deployment: the hourly rule alone.
    alarmsLine(alarmMetrics(deployedRules({}))),
    lambdaComputeLine(runs, input.coldRun, input.memoryMb),
    lambdaRequestsLine(runs),
  ];
  return {
    assumptions: [
      input.scheduleNote,
      'every scheduled run starts a new execution environment (Lambda reclaims idle ones well within an hour), so every run reads the secret once and pays an initialization',
      `billed time per run = the implied Lambda time of the cold run at ${input.memoryMb} MB, ${IMPLIED_TIME_FORMULA}: ` +
        `${impliedArithmetic(input.coldRun, input.memoryMb)}; INIT and CPU measured on this x86 machine, Lambda runs arm64; ` +
        'real AWS latencies are longer, see the worst case',
      'list prices, no free tier; CloudWatch Logs and Datadog custom metrics are not included',
    ],
    lines,
    totalUsd: totalUsd(lines),
    lambdaAtTimeoutUsd: lambdaComputeLine(runs, { seconds: input.timeoutSeconds }, input.memoryMb).monthlyUsd,
  };
}

/** The minutes between runs of a `rate(...)` schedule expression, or undefined for anything else. */
export function scheduleMinutes(expression: string | undefined): number | undefined {
  const match = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/.exec(expression ?? '');
  if (match === null) return undefined;
  return Number(match[1]) * (match[2].startsWith('minute') ? 1 : match[2].startsWith('day') ? 24 * 60 : 60);
}

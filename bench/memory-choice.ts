/**
 * The function's default memory, chosen from the benchmark's figures by issue 16's rule: the
 * cheapest of the table's memory sizes whose implied cold run (cli/lambda-time.ts) takes at most
 * a tenth of the function's timeout, with a peak RSS at most 80 % of the memory. Pure: the
 * benchmark measures, this decides, and says whether the deployed default
 * (`DEPLOYMENT_DEFAULTS.memorySizeMb` in lambda/deployment.ts) is the one chosen.
 */
import { impliedLambdaMs, type RunOnOneCore } from '../cli/lambda-time';
import { round } from './stats';

/** The rule's two limits. */
export const MEMORY_RULE = { maxTimeoutFraction: 0.1, maxRssFraction: 0.8, series: 3000 } as const;

export const MEMORY_RULE_TEXT =
  `the cheapest memory size whose implied cold run, at ${MEMORY_RULE.series.toLocaleString('en-US')} series, takes at most ` +
  `${MEMORY_RULE.maxTimeoutFraction * 100} % of the timeout, ` +
  `with peak RSS at most ${MEMORY_RULE.maxRssFraction * 100} % of the memory`;

/** What was measured at one memory size: the cold run on one core (CPU under that size's heap flags), and the peak RSS. */
export interface MeasuredSize {
  readonly memoryMb: number;
  readonly coldRun: RunOnOneCore;
  readonly peakRssMib: number;
}

export interface MemoryCandidate extends MeasuredSize {
  readonly impliedMs: number;
  /** Memory × implied time, what Lambda's compute price is per: the cost's order. */
  readonly gbSeconds: number;
  readonly fitsTime: boolean;
  readonly fitsMemory: boolean;
}

export interface MemoryChoice {
  readonly rule: string;
  readonly timeoutSeconds: number;
  readonly maxImpliedMs: number;
  readonly candidates: readonly MemoryCandidate[];
  /** Undefined when no size meets the rule. */
  readonly chosenMb?: number;
  readonly deployedMb: number;
  readonly deployedMatches: boolean;
}

export function chooseMemory(sizes: readonly MeasuredSize[], timeoutSeconds: number, deployedMb: number): MemoryChoice {
  const maxImpliedMs = timeoutSeconds * 1000 * MEMORY_RULE.maxTimeoutFraction;
  const candidates = sizes.map((size): MemoryCandidate => {
    const impliedMs = impliedLambdaMs(size.coldRun, size.memoryMb);
    return {
      ...size,
      impliedMs: round(impliedMs),
      // Lambda counts a GB as 1,024 MB.
      gbSeconds: round((size.memoryMb / 1024) * (impliedMs / 1000), 4),
      fitsTime: impliedMs <= maxImpliedMs,
      fitsMemory: size.peakRssMib <= size.memoryMb * MEMORY_RULE.maxRssFraction,
    };
  });
  // The cheapest: the fewest GB-seconds; of two alike, the smaller memory.
  const chosen = candidates
    .filter((candidate) => candidate.fitsTime && candidate.fitsMemory)
    .sort((a, b) => a.gbSeconds - b.gbSeconds || a.memoryMb - b.memoryMb)[0];
  return {
    rule: MEMORY_RULE_TEXT,
    timeoutSeconds,
    maxImpliedMs,
    candidates,
    ...(chosen === undefined ? {} : { chosenMb: chosen.memoryMb }),
    deployedMb,
    deployedMatches: chosen?.memoryMb === deployedMb,
  };
}

/** The choice as a table: each size against the rule. */
export function memoryRows(choice: MemoryChoice): string[][] {
  const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ms`;
  return [
    [
      'Memory',
      'CPU, cold run',
      'Implied cold run',
      `≤ ${ms(choice.maxImpliedMs)}`,
      'Peak RSS',
      `≤ ${MEMORY_RULE.maxRssFraction * 100} %`,
      'GB-s',
      '',
    ],
    ...choice.candidates.map((candidate) => [
      `${candidate.memoryMb.toLocaleString('en-US')} MB`,
      ms(candidate.coldRun.cpuMs),
      ms(candidate.impliedMs),
      candidate.fitsTime ? 'yes' : 'NO',
      `${candidate.peakRssMib.toFixed(1)} MiB`,
      candidate.fitsMemory ? 'yes' : 'NO',
      String(candidate.gbSeconds),
      candidate.memoryMb === choice.chosenMb ? 'chosen' : '',
    ]),
  ];
}

/** The verdict: the size chosen, and whether the deployed default is it. */
export function memoryVerdict(choice: MemoryChoice): string {
  return choice.chosenMb === undefined
    ? `No memory size meets the rule; the deployed default (lambda/deployment.ts) is ${choice.deployedMb} MB.`
    : `Chosen: ${choice.chosenMb} MB. The deployed default (lambda/deployment.ts) is ${choice.deployedMb} MB: ` +
        (choice.deployedMatches ? 'it matches.' : 'it does NOT match.');
}

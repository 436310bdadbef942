/**
 * How long Lambda bills a run for, from what a run costs on one full core: the one home of that
 * formula. The cost model prices Lambda compute with it (`estimate`, the benchmark and the docs),
 * and the benchmark prints its table of memory sizes with it. Pure: no I/O.
 *
 *   implied Lambda time = INIT + max(CPU time ÷ share, critical-path bound)
 *   share = min(1, memory ÷ 1,769 MB)
 *
 * Lambda gives a function CPU in proportion to its memory, and the collector's work is
 * single-threaded, so a run that needs C ms of one core takes C ÷ share ms at a fraction of one;
 * it can never be shorter than the round trips that must follow one another (the bound). INIT
 * (loading the bundle, before the handler) has been billed since August 2025.
 */

/** The memory at which Lambda allocates the equivalent of one vCPU (docs/performance.md). */
export const ONE_VCPU_MEMORY_MB = 1769;

/** The memory sizes the benchmark prints the implied time at: Lambda's smallest, the default's neighbours, one vCPU. */
export const IMPLIED_TIME_MEMORY_SIZES_MB = [128, 256, 512, 1024, ONE_VCPU_MEMORY_MB] as const;

export const IMPLIED_TIME_FORMULA = `INIT + max(CPU time ÷ share, critical-path bound), share = min(1, memory ÷ ${ONE_VCPU_MEMORY_MB.toLocaleString('en-US')} MB)`;

/** What one run costs, measured (or assumed) on one full core. */
export interface RunOnOneCore {
  /** The initialization before the handler runs (0 for a warm invocation). */
  readonly initMs: number;
  /** CPU time (user + system) of the invocation. */
  readonly cpuMs: number;
  /** The critical-path bound: the wall time the invocation cannot go below, whatever its CPU. */
  readonly boundMs: number;
}

/** The fraction of one vCPU Lambda gives a function of `memoryMb`. */
export function cpuShare(memoryMb: number): number {
  return Math.min(1, memoryMb / ONE_VCPU_MEMORY_MB);
}

/** The run's billed time at `memoryMb`, in ms. */
export function impliedLambdaMs(run: RunOnOneCore, memoryMb: number): number {
  return run.initMs + Math.max(run.cpuMs / cpuShare(memoryMb), run.boundMs);
}

/** The formula with the run's figures: `180 ms INIT + max(762 ms CPU ÷ 0.145, 400 ms bound) = 5,438 ms`. */
export function impliedArithmetic(run: RunOnOneCore, memoryMb: number): string {
  const ms = (value: number): string => `${Math.round(value).toLocaleString('en-US')} ms`;
  return (
    `${ms(run.initMs)} INIT + max(${ms(run.cpuMs)} CPU ÷ ${cpuShare(memoryMb).toFixed(3)}, ${ms(run.boundMs)} bound) = ` +
    ms(impliedLambdaMs(run, memoryMb))
  );
}

/**
 * What `estimate --lambda` assumes for the CPU side, which a dry run from a workstation cannot
 * measure: the cold run of `npm run bench` (2,000 budgets, 3,000 billing series), on the 2-core x86
 * machine of docs/performance.md, one full core.
 *
 * - `initMs`: the cold start's process wall, median ("Cold start, process wall" in the table).
 * - `cpuMsPerSeries`: the cold invocation's CPU time ÷ the series it sent
 *   (`runTime.cold.cpuMs.median` ÷ `runTime.seriesSent` in bench/report.json). Most of it is the SDK parsing
 *   the AWS answers and the series' JSON, both proportional to the series.
 *
 * Measured with `npm run bench -- --node <Node.js 24>` (the function's runtime) at commit 515d619 on
 * an idle machine: INIT 250.6 ms, CPU 937.8 ms ÷ 11,604 series = 0.081 ms (Node.js 20 on the same
 * commit: 228.7 ms and 1,193 ms, 0.103 ms). Update both when their figures move.
 */
export const ESTIMATE_CPU_ASSUMPTION = { initMs: 251, cpuMsPerSeries: 0.081 } as const;

/** A run of `series` series sent, as `estimate` assumes it on one core, bound by the dry run's own wall time. */
export function assumedRun(series: number, dryRunMs: number): RunOnOneCore {
  return {
    initMs: ESTIMATE_CPU_ASSUMPTION.initMs,
    cpuMs: series * ESTIMATE_CPU_ASSUMPTION.cpuMsPerSeries,
    boundMs: dryRunMs,
  };
}

/**
 * The report: its JSON shape, and the table printed from it.
 */
import type { Cost } from './cost';
import type { CostExplorerFigure } from './cost-explorer';
import type { Machine } from './machine';
import { COST_EXPLORER_CALL_NAMES, type CallCounts, type CostExplorerCalls } from './minimum';
import type { Spread } from './stats';
import type { ProfileSummary } from './profile';
import type { MemoryChoice } from './memory-choice';

export interface BundleFigure {
  readonly source: 'cdk-asset' | 'esbuild';
  readonly path: string;
  readonly minifiedBytes: number;
  readonly gzippedBytes: number;
  readonly floor: {
    readonly minifiedBytes: number;
    readonly gzippedBytes: number;
    readonly command?: string;
    /** The SDK clients and commands in it: those of the collector's bundle (bench/floor/clients.ts). */
    readonly sdk?: readonly { readonly client: string; readonly commands: readonly string[] }[];
  };
  readonly ratio: { readonly minified: number; readonly gzipped: number };
  readonly goal: number;
  readonly met: boolean;
}

export interface CallsFigure {
  readonly measured: CallCounts;
  readonly minimum: CallCounts;
  readonly met: boolean;
  readonly over: string[];
}

export interface RunTimeFigure {
  readonly durationMs: Spread;
  /** CPU time of the child during the invocation (not a goal: explains the gap to the bound). */
  readonly cpuMs: Spread;
  readonly boundMs: number;
  readonly formula: string;
  readonly ratio: number;
  readonly goal: number;
  readonly met: boolean;
  /** Median of each segment of the invocations (see bench/timeline.ts), in ms. */
  readonly segmentsMs?: Readonly<Record<string, number>>;
}

/** One run's implied Lambda time (cli/lambda-time.ts) at each memory size of the table. */
export interface ImpliedLambdaRun {
  /** The run on one core: INIT, the invocation's CPU time (median), its critical-path bound. */
  readonly run: { readonly initMs: number; readonly cpuMs: number; readonly boundMs: number };
  readonly byMemory: readonly { readonly memoryMb: number; readonly share: number; readonly ms: number }[];
}

export interface ImpliedLambdaFigure {
  readonly formula: string;
  readonly caveats: string;
  readonly cold: ImpliedLambdaRun;
  readonly warm: ImpliedLambdaRun;
}

/** The collector against the run floor (bench/floor/run.ts), for one of the cold and the warm invocation. */
export interface RunFloorSide {
  readonly wallMs: Spread;
  readonly floorWallMs: Spread;
  readonly wallRatio: number;
  readonly cpuMs: Spread;
  readonly floorCpuMs: Spread;
  readonly cpuRatio: number;
  readonly met: boolean;
}

export interface RunFloorFigure {
  readonly goal: number;
  /** The floor's one precomputed Datadog body, and the collector's, gzipped. */
  readonly body: { readonly floorGzippedBytes: number; readonly collectorGzippedBytes: number };
  readonly cold: RunFloorSide;
  readonly warm: RunFloorSide;
}

export interface RssFigure {
  readonly label: string;
  /** The V8 flags the child ran with (Lambda's, for a memory size), none for the host defaults. */
  readonly nodeFlags: readonly string[];
  readonly mib: number;
  readonly vmHwmMib?: number;
  readonly goalMib: number;
  readonly met: boolean;
}

export interface Report {
  readonly schema: 1;
  readonly mode: 'full' | 'quick';
  readonly generatedAt: string;
  readonly command: string;
  readonly machine: Machine & { readonly load1AtStart: number; readonly load1AtEnd: number };
  readonly git?: { readonly commit: string; readonly dirty: boolean };
  readonly settings: Readonly<Record<string, unknown>>;
  readonly bundle: BundleFigure & { readonly details: Readonly<Record<string, unknown>> };
  readonly coldStart: {
    readonly wallMs: Spread;
    readonly floorWallMs: Spread;
    readonly ratio: number;
    readonly setupMs: Spread;
    readonly floorSetupMs: Spread;
    readonly setupRatio: number;
    /** Median over rounds of bundle / floor within the round (both ran back to back): steadier on a busy machine. */
    readonly pairedRatio: { readonly wall: number; readonly setup: number };
    readonly goal: number;
    readonly met: boolean;
    readonly method: string;
    readonly details: Readonly<Record<string, unknown>>;
  };
  readonly calls: {
    readonly scale: { readonly budgets: number; readonly series: number };
    readonly cold: CallsFigure;
    readonly warm: CallsFigure;
  };
  readonly runTime: {
    readonly latencyMs: number;
    /** Series the cold run sent to Datadog: what `estimate` divides the CPU time by (cli/lambda-time.ts). */
    readonly seriesSent: number;
    readonly nodeFlags: readonly string[];
    readonly cold: RunTimeFigure;
    readonly warm: RunTimeFigure;
    readonly zeroLatency: { readonly coldMs: number; readonly warmMs: number; readonly coldCpuMs: number; readonly warmCpuMs: number };
    /** Largest event-loop delay of the benchmark process (which hosts the fakes) during the timed runs. */
    readonly fakeServerLagMs: number;
  };
  readonly sdkFloor: RunFloorFigure;
  /**
   * The collector against the run floor that also encodes its body (JSON, gzip) from series
   * ready-made: for information, the part of the collector's time that is its own work on the data.
   */
  readonly sdkFloorWithEncoding: Omit<RunFloorFigure, 'goal'>;
  readonly impliedLambda: ImpliedLambdaFigure;
  /** The default memory by issue 16's rule (bench/memory-choice.ts), and whether the deployed default is it. */
  readonly memoryChoice: MemoryChoice;
  readonly peakRss: { readonly headline: RssFigure; readonly others: readonly RssFigure[] };
  readonly cost: Cost & { readonly runsPerMonth: number };
  /** The Cost Explorer scenario (bench/cost-explorer.ts): the second rule's run, its requests against the minimum and their price. */
  readonly costExplorer?: CostExplorerFigure;
  /** `--cpu-prof`: where each profile was written, and its self time grouped as ours, SDK and Node. */
  readonly cpuProfile?: Record<'cold' | 'warm', { readonly file: string; readonly summary: ProfileSummary }>;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
}

const bytes = (value: number): string => `${value.toLocaleString('en-US')} B`;
const ms = (value: number): string => `${value.toFixed(1)} ms`;
const yes = (met: boolean): string => (met ? 'yes' : 'NO');
const calls = (counts: CallCounts): string =>
  `${counts.DescribeBudgets} / ${counts.DescribeBudgetNotificationsForAccount} / ${counts.ListMetrics} / ${counts.GetMetricData} / ` +
  `${counts.GetSecretValue} / ${counts.Datadog}`;

/** A row of figure 3: calls measured against their minimum, whose goal is the minimum exactly. */
export function callsRow(label: string, measured: string, minimum: string, met: boolean): string[] {
  return ['3', label, measured, minimum, met ? '=' : '>', 'exactly', yes(met)];
}

/** The Cost Explorer run's rows: its calls against the minimum (beside the other calls), and what they cost a month (beside the other cost). */
function costExplorerRows(figure: CostExplorerFigure): { readonly calls: string[]; readonly cost: string[] } {
  const counts = (calls: CostExplorerCalls): string => COST_EXPLORER_CALL_NAMES.map((name) => String(calls[name])).join(' / ');
  return {
    calls: callsRow('Calls, Cost Explorer run (GCU / GCF)', counts(figure.calls.measured), counts(figure.calls.minimum), figure.calls.met),
    cost: [
      '6',
      `Cost Explorer requests per month (${figure.runsPerMonth} runs, ${figure.schedule})`,
      `$${figure.cost.totalUsd.toFixed(2)}`,
      '—',
      '—',
      '—',
      '',
    ],
  };
}

/** Rows of the main table: figure, measured, floor or bound, ratio, goal, met. */
export function tableRows(report: Report): string[][] {
  const { bundle, coldStart, calls: callFigures, runTime, sdkFloor, sdkFloorWithEncoding, peakRss, cost } = report;
  const ce = report.costExplorer === undefined ? undefined : costExplorerRows(report.costExplorer);
  const floorRows = (label: string, side: RunFloorSide): string[][] => [
    [
      '4',
      `Run vs SDK floor, ${label} run, wall`,
      ms(side.wallMs.median),
      ms(side.floorWallMs.median),
      side.wallRatio.toFixed(3),
      `≤ ${sdkFloor.goal}`,
      yes(side.wallRatio <= sdkFloor.goal),
    ],
    [
      '4',
      `Run vs SDK floor, ${label} run, CPU`,
      ms(side.cpuMs.median),
      ms(side.floorCpuMs.median),
      side.cpuRatio.toFixed(3),
      `≤ ${sdkFloor.goal}`,
      yes(side.cpuRatio <= sdkFloor.goal),
    ],
  ];
  // The goal is the headline's (Lambda's flags for the memory goal); the other runs are shown for information.
  const rss = (figure: RssFigure, isGoal = false): string[] => [
    '5',
    `Peak RSS, ${figure.label}`,
    `${figure.mib.toFixed(1)} MiB`,
    '—',
    '—',
    isGoal ? `≤ ${figure.goalMib} MiB` : '(info)',
    isGoal ? yes(figure.met) : '',
  ];
  return [
    ['#', 'Figure', 'Measured', 'Floor / bound', 'Ratio', 'Goal', 'Met'],
    [
      '1',
      `Bundle, minified (${bundle.source})`,
      bytes(bundle.minifiedBytes),
      bytes(bundle.floor.minifiedBytes),
      bundle.ratio.minified.toFixed(3),
      `≤ ${bundle.goal}`,
      yes(bundle.met),
    ],
    [
      '1',
      'Bundle, gzipped',
      bytes(bundle.gzippedBytes),
      bytes(bundle.floor.gzippedBytes),
      bundle.ratio.gzipped.toFixed(3),
      `≤ ${bundle.goal}`,
      yes(bundle.ratio.gzipped <= bundle.goal),
    ],
    [
      '2',
      `Cold start, process wall, median of ${coldStart.wallMs.n}`,
      ms(coldStart.wallMs.median),
      ms(coldStart.floorWallMs.median),
      coldStart.ratio.toFixed(3),
      `≤ ${coldStart.goal}`,
      yes(coldStart.met),
    ],
    [
      '2',
      'Cold start, require + clients, in-process',
      ms(coldStart.setupMs.median),
      ms(coldStart.floorSetupMs.median),
      coldStart.setupRatio.toFixed(3),
      '(info)',
      '',
    ],
    [
      '2',
      'Cold start, median of per-round ratios: wall / in-process',
      '',
      '',
      `${coldStart.pairedRatio.wall.toFixed(3)} / ${coldStart.pairedRatio.setup.toFixed(3)}`,
      '(info)',
      '',
    ],
    callsRow(
      'Calls, cold run (DB / LM / GMD / SM / DD)',
      calls(callFigures.cold.measured),
      calls(callFigures.cold.minimum),
      callFigures.cold.met,
    ),
    callsRow(
      'Calls, warm run (DB / LM / GMD / SM / DD)',
      calls(callFigures.warm.measured),
      calls(callFigures.warm.minimum),
      callFigures.warm.met,
    ),
    ...(ce === undefined ? [] : [ce.calls]),
    [
      '4',
      `Run time, cold run, ${runTime.latencyMs} ms latency, median of ${runTime.cold.durationMs.n}`,
      ms(runTime.cold.durationMs.median),
      ms(runTime.cold.boundMs),
      runTime.cold.ratio.toFixed(3),
      `≤ ${runTime.cold.goal}`,
      yes(runTime.cold.met),
    ],
    [
      '4',
      'Run time, warm run',
      ms(runTime.warm.durationMs.median),
      ms(runTime.warm.boundMs),
      runTime.warm.ratio.toFixed(3),
      `≤ ${runTime.warm.goal}`,
      yes(runTime.warm.met),
    ],
    ...floorRows('cold', sdkFloor.cold),
    ...floorRows('warm', sdkFloor.warm),
    ...(['cold', 'warm'] as const).map((label) => {
      const side = sdkFloorWithEncoding[label];
      return [
        '4',
        `Run vs SDK floor + body encoding, ${label} run, CPU`,
        ms(side.cpuMs.median),
        ms(side.floorCpuMs.median),
        side.cpuRatio.toFixed(3),
        '(info)',
        '',
      ];
    }),
    rss(peakRss.headline, true),
    ...peakRss.others.map((figure) => rss(figure)),
    ['6', `AWS cost per month (${Math.round(cost.runsPerMonth)} runs)`, `$${cost.totalUsd.toFixed(2)}`, '—', '—', '—', ''],
    ...(ce === undefined ? [] : [ce.cost]),
  ];
}

/** The implied Lambda time table: one row per run, one column per memory size. */
export function impliedTable(figure: ImpliedLambdaFigure): string[][] {
  const row = (label: string, run: ImpliedLambdaRun): string[] => [
    `${label} (INIT ${ms(run.run.initMs)}, CPU ${ms(run.run.cpuMs)}, bound ${ms(run.run.boundMs)})`,
    ...run.byMemory.map((entry) => ms(entry.ms)),
  ];
  return [
    ['Run', ...figure.cold.byMemory.map((entry) => `${entry.memoryMb.toLocaleString('en-US')} MB (share ${entry.share})`)],
    row('cold', figure.cold),
    row('warm', figure.warm),
  ];
}

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => [...(row[column] ?? '')].length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => cell + ' '.repeat(Math.max(0, widths[column] - [...cell].length)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** The same table as Markdown, for docs/performance.md. */
export function markdownTable(rows: readonly (readonly string[])[]): string {
  const line = (row: readonly string[]): string => `| ${row.map((cell) => cell.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(rows[0]), line(rows[0].map(() => '---')), ...rows.slice(1).map(line)].join('\n');
}

/**
 * `--cpu-prof`: a V8 CPU profile of the collector's run, read back as self time per function,
 * grouped by whose code it is: ours (this repository's, found through the bundle's source map),
 * the AWS SDK's, or Node's (its internals, native code, the garbage collector, `(program)`).
 */
import { readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, round } from './stats';

/** A function as V8's profiler names it; line and column are 0-based, of the function's start. */
export interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** The inspector's `Profiler.stop` result, the format of a `.cpuprofile` file. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: CallFrame; readonly hitCount?: number }[];
  /** Microseconds. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node each sample hit, in order, and the microseconds before each sample. */
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

export type ProfileGroup = 'ours' | 'sdk' | 'node' | 'other';

/** Where a frame's code comes from: its source file (relative to the repository) and 1-based line. */
export interface Origin {
  readonly source: string;
  readonly line: number;
  /** The function's name in the source, when the source map gives it (a minified bundle renames functions). */
  readonly name?: string;
}

/** Maps a profile frame to its source; undefined for a frame outside the mapped bundle. */
export type Locate = (frame: CallFrame) => Origin | undefined;

export const GROUP_LABELS: Readonly<Record<ProfileGroup, string>> = {
  ours: "ours (this repository's code)",
  sdk: 'SDK (@aws-sdk, @smithy and their dependencies)',
  node: 'Node (node: internals, native code, GC, (program))',
  other: 'other (the harness, unmapped bundle code)',
};

/** V8's pseudo-frames for time spent outside JavaScript functions. */
const NODE_PSEUDO_FRAMES = new Set(['(program)', '(garbage collector)', '(root)']);

export function groupOf(frame: CallFrame, origin: Origin | undefined): ProfileGroup | 'idle' {
  if (frame.functionName === '(idle)') return 'idle';
  if (NODE_PSEUDO_FRAMES.has(frame.functionName) || frame.url === '' || frame.url.startsWith('node:')) return 'node';
  if (origin === undefined) return 'other';
  // The collector's only packages are the SDK's clients: the rest of node_modules is their dependencies.
  return origin.source.split('/').includes('node_modules') ? 'sdk' : 'ours';
}

export interface ProfileEntry {
  readonly group: ProfileGroup;
  /** The function's name and where it is (`normalizeTag lambda/datadog/tags.ts:25`). */
  readonly name: string;
  readonly selfMs: number;
  /** Of the profile's busy (not idle) time. */
  readonly percent: number;
}

export interface ProfileSummary {
  /** Sampled time not idle, and idle (waiting on I/O), in ms. */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly groups: readonly { readonly group: ProfileGroup; readonly selfMs: number; readonly percent: number }[];
  /** The functions with the most self time, most first. */
  readonly top: readonly ProfileEntry[];
}

/**
 * Self time per node, in µs: each sample counts as one sampling interval (the median gap between
 * samples). Not the gap that follows it, as Chrome's DevTools counts: on a busy machine the
 * process waits for a core between two samples, and that wait would be charged to whatever
 * function the next sample finds running.
 */
function selfTimes(profile: CpuProfile): Map<number, number> {
  const times = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = profile;
  if (samples.length === 0) {
    // A profile without its samples (hit counts only): spread the span evenly over the hits.
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0);
    const each = hits === 0 ? 0 : (profile.endTime - profile.startTime) / hits;
    for (const node of profile.nodes) times.set(node.id, (node.hitCount ?? 0) * each);
    return times;
  }
  const interval = median(timeDeltas.slice(1));
  for (const id of samples) times.set(id, (times.get(id) ?? 0) + interval);
  return times;
}

/** Self time by group and by function, most first; percentages of the busy time. */
export function summarizeProfile(profile: CpuProfile, locate: Locate, topCount = 15): ProfileSummary {
  const times = selfTimes(profile);
  const byFunction = new Map<string, { group: ProfileGroup; name: string; us: number }>();
  let idleUs = 0;
  for (const node of profile.nodes) {
    const us = times.get(node.id) ?? 0;
    if (us === 0) continue;
    const origin = locate(node.callFrame);
    const group = groupOf(node.callFrame, origin);
    if (group === 'idle') {
      idleUs += us;
      continue;
    }
    const name = describeFrame(node.callFrame, origin);
    const key = `${group}\0${name}`;
    const entry = byFunction.get(key) ?? { group, name, us: 0 };
    entry.us += us;
    byFunction.set(key, entry);
  }
  const entries = [...byFunction.values()];
  const busyUs = entries.reduce((sum, entry) => sum + entry.us, 0);
  const percent = (us: number): number => (busyUs === 0 ? 0 : round((100 * us) / busyUs));
  const groupUs = new Map<ProfileGroup, number>();
  for (const entry of entries) groupUs.set(entry.group, (groupUs.get(entry.group) ?? 0) + entry.us);
  return {
    busyMs: round(busyUs / 1000),
    idleMs: round(idleUs / 1000),
    groups: (Object.keys(GROUP_LABELS) as ProfileGroup[])
      .map((group) => ({ group, selfMs: round((groupUs.get(group) ?? 0) / 1000), percent: percent(groupUs.get(group) ?? 0) }))
      .sort((a, b) => b.selfMs - a.selfMs),
    top: entries
      .sort((a, b) => b.us - a.us)
      .slice(0, topCount)
      .map((entry) => ({ group: entry.group, name: entry.name, selfMs: round(entry.us / 1000), percent: percent(entry.us) })),
  };
}

function describeFrame(frame: CallFrame, origin: Origin | undefined): string {
  if (origin !== undefined) return `${origin.name ?? (frame.functionName || '(anonymous)')} ${origin.source}:${origin.line}`;
  if (frame.url === '') return frame.functionName || '(anonymous)';
  const where = frame.url.replace(/^file:\/\//, '').replace(/^.*\//, '');
  return `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}`;
}

/**
 * The locator of a bundle built with `--sourcemap` (`<bundle>.map` beside it): a frame of the
 * bundle maps to its original file, relative to `root`, and the name the source map gives.
 */
export function bundleLocator(bundlePath: string, root: string): Locate {
  const mapPath = `${bundlePath}.map`;
  const payload = JSON.parse(readFileSync(mapPath, 'utf8')) as ConstructorParameters<typeof SourceMap>[0];
  const map = new SourceMap(payload);
  const contents = new Map(payload.sources.map((source, index) => [source, payload.sourcesContent?.[index]]));
  const bundle = resolve(bundlePath);
  const cache = new Map<string, Origin | undefined>();
  return (frame) => {
    const path = frame.url.startsWith('file://') ? fileURLToPath(frame.url) : frame.url;
    if (path === '' || resolve(path) !== bundle) return undefined;
    const key = `${frame.lineNumber}:${frame.columnNumber}`;
    if (cache.has(key)) return cache.get(key);
    const entry = map.findEntry(frame.lineNumber, frame.columnNumber) as {
      originalSource?: string;
      originalLine?: number;
      name?: string;
    };
    let origin: Origin | undefined;
    if (entry.originalSource !== undefined && entry.originalLine !== undefined) {
      const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : entry.originalSource;
      const absolute = isAbsolute(source) ? source : resolve(dirname(mapPath), source);
      const name = entry.name ?? declaredName(contents.get(entry.originalSource)?.split('\n')[entry.originalLine]);
      origin = {
        source: relative(root, absolute).replace(/^(\.\.\/)+/, ''),
        line: entry.originalLine + 1,
        ...(name === undefined ? {} : { name }),
      };
    }
    cache.set(key, origin);
    return origin;
  };
}

/**
 * The name a source line declares (`function f(`, `class C`, `const f =`, a method `f(`), for a
 * frame whose minified name the source map does not restore.
 */
export function declaredName(line: string | undefined): string | undefined {
  if (line === undefined) return undefined;
  const declared = /\b(?:function\s*\*?\s*|class\s+|(?:const|let|var)\s+)([\w$]+)/.exec(line);
  if (declared !== null) return declared[1];
  return /^\s*(?:(?:public|private|protected|static|async|get|set|readonly|override)\s+)*\*?([\w$]+)\s*[(<]/.exec(line)?.[1];
}

/** The summary as text lines: the groups, then the top functions. */
export function formatProfile(label: string, summary: ProfileSummary): string[] {
  const lines = [
    `CPU profile of the ${label} run: ${summary.busyMs} ms busy, ${summary.idleMs} ms idle (waiting on I/O); self time by group (% of busy):`,
  ];
  for (const group of summary.groups) {
    lines.push(`  ${`${group.percent.toFixed(1)} %`.padStart(7)}  ${`${group.selfMs} ms`.padStart(10)}  ${GROUP_LABELS[group.group]}`);
  }
  lines.push('  top functions by self time:');
  for (const entry of summary.top) {
    lines.push(
      `  ${`${entry.percent.toFixed(1)} %`.padStart(7)}  ${`${entry.selfMs} ms`.padStart(10)}  ${entry.group.padEnd(5)}  ${entry.name}`,
    );
  }
  return lines;
}

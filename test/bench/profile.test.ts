/**
 * `npm run bench -- --cpu-prof` reads a V8 CPU profile back as self time grouped as ours, SDK
 * and Node (bench/profile.ts): on a small hand-made profile, and through the source map of a
 * real esbuild bundle.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildSync } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleLocator, declaredName, groupOf, summarizeProfile, type CallFrame, type CpuProfile, type Locate } from '../../bench/profile';

const BUNDLE = 'file:///tmp/bundle/index.js';
const frame = (functionName: string, url = BUNDLE, lineNumber = 0, columnNumber = 0): CallFrame => ({
  functionName,
  url,
  lineNumber,
  columnNumber,
});

/** The bundle's frames by column, as a source map would place them. */
const ORIGINS: Readonly<Record<number, { source: string; line: number; name?: string }>> = {
  10: { source: 'lambda/datadog/tags.ts', line: 25, name: 'normalizeTag' },
  20: { source: 'lambda/datadog/payload.ts', line: 47, name: 'compressWithinLimit' },
  30: { source: 'node_modules/@smithy/core/dist-es/read.js', line: 3, name: '_readStruct' },
  40: { source: 'node_modules/fast-xml-parser/src/parse.js', line: 9, name: 'parse' },
};
const locate: Locate = (callFrame) => (callFrame.url === BUNDLE ? ORIGINS[callFrame.columnNumber] : undefined);

/** Node ids and the ms their samples own: a sample every millisecond. */
const NODES: readonly [id: number, callFrame: CallFrame, us: number][] = [
  [1, frame('(root)', ''), 0],
  [2, frame('(idle)', ''), 200],
  [3, frame('(garbage collector)', ''), 150],
  [4, frame('(program)', ''), 50],
  [5, frame('zlibBufferSync', 'node:zlib', 120), 60],
  [6, frame('writeSync', ''), 40],
  [7, frame('Ab', BUNDLE, 0, 10), 120],
  [8, frame('Ab', BUNDLE, 0, 10), 30], // the same function, reached by another path
  [9, frame('compressWithinLimit', BUNDLE, 0, 20), 100],
  [10, frame('_readStruct', BUNDLE, 0, 30), 140],
  [11, frame('qe', BUNDLE, 0, 40), 60],
  [12, frame('invoke', 'file:///tmp/children/scale-child.js', 41), 50],
];

function handMadeProfile(): CpuProfile {
  const samples: number[] = [];
  for (const [id, , ms] of NODES) for (let t = 0; t < ms; t += 1) samples.push(id);
  return {
    nodes: NODES.map(([id, callFrame]) => ({ id, callFrame })),
    startTime: 5_000_000,
    endTime: 5_000_000 + samples.length * 1000,
    samples,
    // The first sample comes at the start; each owns the time until the next (µs).
    timeDeltas: samples.map((_, index) => (index === 0 ? 0 : 1000)),
  };
}

describe('the profile summary', () => {
  it.each([
    ['(idle)', frame('(idle)', ''), 'idle'],
    ['the garbage collector', frame('(garbage collector)', ''), 'node'],
    ['(program)', frame('(program)', ''), 'node'],
    ["a node: module's function", frame('zlibBufferSync', 'node:zlib'), 'node'],
    ['native code (no url)', frame('writeSync', ''), 'node'],
    ["this repository's code in the bundle", frame('Ab', BUNDLE, 0, 10), 'ours'],
    ["the SDK's code in the bundle", frame('_readStruct', BUNDLE, 0, 30), 'sdk'],
    ["an SDK dependency's code in the bundle", frame('qe', BUNDLE, 0, 40), 'sdk'],
    ['code outside the bundle (the harness)', frame('invoke', 'file:///tmp/children/scale-child.js'), 'other'],
  ])('puts %s in its group', (_, callFrame, group) => {
    expect(groupOf(callFrame, locate(callFrame))).toBe(group);
  });

  it('adds up self time by group, as percentages of the busy time (idle apart), each sample owning the time to the next', () => {
    const summary = summarizeProfile(handMadeProfile(), locate);
    expect(summary.idleMs).toBe(200);
    expect(summary.busyMs).toBe(800);
    expect(summary.groups).toEqual([
      { group: 'node', selfMs: 300, percent: 37.5 },
      { group: 'ours', selfMs: 250, percent: 31.3 },
      { group: 'sdk', selfMs: 200, percent: 25 },
      { group: 'other', selfMs: 50, percent: 6.3 },
    ]);
  });

  it('lists the functions by self time, one line per function whatever the path to it, named from the source map', () => {
    const summary = summarizeProfile(handMadeProfile(), locate, 4);
    expect(summary.top).toEqual([
      { group: 'node', name: '(garbage collector)', selfMs: 150, percent: 18.8 },
      { group: 'ours', name: 'normalizeTag lambda/datadog/tags.ts:25', selfMs: 150, percent: 18.8 },
      { group: 'sdk', name: '_readStruct node_modules/@smithy/core/dist-es/read.js:3', selfMs: 140, percent: 17.5 },
      { group: 'ours', name: 'compressWithinLimit lambda/datadog/payload.ts:47', selfMs: 100, percent: 12.5 },
    ]);
  });

  it('counts each sample as one sampling interval, not the wait for a core that may follow it', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('Ab', BUNDLE, 0, 10) },
        { id: 2, callFrame: frame('_readStruct', BUNDLE, 0, 30) },
      ],
      startTime: 0,
      endTime: 60_000,
      // Four samples 1 ms apart, then the process is off the core for 50 ms before the last one.
      samples: [1, 2, 2, 1, 2],
      timeDeltas: [5_000, 1_000, 1_000, 1_000, 50_000],
    };
    expect(summarizeProfile(profile, locate).groups.slice(0, 2)).toEqual([
      { group: 'sdk', selfMs: 3, percent: 60 },
      { group: 'ours', selfMs: 2, percent: 40 },
    ]);
  });

  it('spreads the span over the hit counts of a profile without its samples', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('Ab', BUNDLE, 0, 10), hitCount: 3 },
        { id: 2, callFrame: frame('(garbage collector)', ''), hitCount: 1 },
      ],
      startTime: 0,
      endTime: 4_000,
    };
    expect(summarizeProfile(profile, locate).groups.slice(0, 2)).toEqual([
      { group: 'ours', selfMs: 3, percent: 75 },
      { group: 'node', selfMs: 1, percent: 25 },
    ]);
  });
});

describe('the source map of a minified bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("maps a function's start in the bundle to its file in the repository or in node_modules, and its name", () => {
    mkdirSync(join(dir, 'lambda'));
    mkdirSync(join(dir, 'node_modules', '@smithy', 'core'), { recursive: true });
    writeFileSync(
      join(dir, 'node_modules', '@smithy', 'core', 'index.js'),
      'export function readStructure(input) {\n  return JSON.parse(input).map((x) => x * 2);\n}\n',
    );
    writeFileSync(
      join(dir, 'lambda', 'handler.ts'),
      "import { readStructure } from '@smithy/core';\n\nexport function packTheBodies(text: string): number[] {\n  return readStructure(text).filter((y: number) => y > 1);\n}\n",
    );
    const outfile = join(dir, 'out', 'index.js');
    buildSync({
      entryPoints: [join(dir, 'lambda', 'handler.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      sourcemap: true,
      outfile,
      logLevel: 'silent',
    });
    const code = readFileSync(outfile, 'utf8');
    // Where V8 places a function: the start of its `function` keyword in the bundle (names minified).
    const at = (pattern: RegExp): CallFrame => {
      const match = pattern.exec(code);
      expect(match).not.toBeNull();
      return frame('a', `file://${outfile}`, 0, match?.index ?? -1);
    };
    const bundled = bundleLocator(outfile, dir);
    expect(bundled(at(/function \w+\(\w+\)\{return JSON\.parse/))).toEqual({
      source: 'node_modules/@smithy/core/index.js',
      line: 1,
      name: 'readStructure',
    });
    expect(bundled(at(/function \w+\(\w+\)\{return \w+\(\w+\)\.filter/))).toEqual({
      source: 'lambda/handler.ts',
      line: 3,
      name: 'packTheBodies',
    });
    expect(bundled(frame('a', 'file:///elsewhere/index.js'))).toBeUndefined();
  });

  it.each([
    ['export function normalizeTag(raw: string): string {', 'normalizeTag'],
    ['  constructor(series: Iterable<RawSeries>) {', 'constructor'],
    ['  private plainTag([key, value]: RawPair): string {', 'plainTag'],
    ['export class TagNormalizer {', 'TagNormalizer'],
    ['const encoded = (item) => JSON.stringify(item);', 'encoded'],
    ['  }', undefined],
  ])('reads the name a source line declares: %s', (line, name) => {
    expect(declaredName(line)).toBe(name);
  });
});

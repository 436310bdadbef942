/**
 * Cold starts: fresh `node` processes that require a bundle and construct its clients, the
 * bundles taking turns (A B, then B A, ...) so that drift on a noisy machine hits them alike.
 * One unmeasured warm-up each first, so every measured run finds the files in the page cache.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { RESULT_MARKER, type ColdStartResult } from './children/protocol';
import type { ChildScript } from './machine';
import { spread, type Spread } from './stats';

export interface ColdStartSubject {
  readonly label: string;
  readonly bundlePath: string;
  readonly kind: 'floor' | 'handler';
}

export interface ColdStartFigures {
  /** Spawn to exit of the whole process, as the parent sees it. */
  readonly wallMs: Spread;
  /** Inside the process: require the bundle and construct the clients. */
  readonly setupMs: Spread;
  readonly importMs: Spread;
  /** Peak RSS once required and set up (nothing run), MiB. */
  readonly maxRssMib: Spread;
  readonly samples: { readonly wallMs: number; readonly setupMs: number }[];
}

const CHILD_TIMEOUT_MS = 20_000;

function once(
  script: ChildScript,
  subject: ColdStartSubject,
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[],
): Promise<{ wallMs: number; result: ColdStartResult }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(script.node, [...nodeFlags, script.path, subject.bundlePath, subject.kind], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exitedAt = 0;
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      if (output.length < 100_000) output += chunk.toString('utf8');
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('exit', () => {
      exitedAt = performance.now();
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = output.split('\n').find((text) => text.startsWith(RESULT_MARKER));
      if (code !== 0 || line === undefined) {
        reject(new Error(`cold-start child for ${subject.label} exited ${code}: ${output.slice(0, 1500)}`));
        return;
      }
      const result = JSON.parse(line.slice(RESULT_MARKER.length)) as ColdStartResult;
      if (!result.ok) {
        reject(new Error(`cold start of ${subject.label} did not reach its clients: ${result.error ?? 'unknown'}`));
        return;
      }
      resolve({ wallMs: (exitedAt || performance.now()) - started, result });
    });
  });
}

export async function measureColdStarts(
  script: ChildScript,
  subjects: readonly ColdStartSubject[],
  runs: number,
  env: NodeJS.ProcessEnv,
  nodeFlags: readonly string[],
  progress: (message: string) => void,
): Promise<Record<string, ColdStartFigures>> {
  for (const subject of subjects) await once(script, subject, env, nodeFlags);
  const samples: Record<string, { wallMs: number; setupMs: number; importMs: number; rssMib: number }[]> = {};
  for (const subject of subjects) samples[subject.label] = [];
  for (let round = 0; round < runs; round += 1) {
    const order = round % 2 === 0 ? subjects : [...subjects].reverse();
    for (const subject of order) {
      const { wallMs, result } = await once(script, subject, env, nodeFlags);
      samples[subject.label].push({
        wallMs,
        setupMs: result.setupMs,
        importMs: result.importMs,
        rssMib: (result.maxRssBytes ?? 0) / 2 ** 20,
      });
    }
    if ((round + 1) % 5 === 0 || round + 1 === runs) progress(`cold starts: ${round + 1}/${runs} rounds`);
  }
  const figures: Record<string, ColdStartFigures> = {};
  for (const subject of subjects) {
    const list = samples[subject.label];
    figures[subject.label] = {
      wallMs: spread(list.map((sample) => sample.wallMs)),
      setupMs: spread(list.map((sample) => sample.setupMs)),
      importMs: spread(list.map((sample) => sample.importMs)),
      maxRssMib: spread(list.map((sample) => sample.rssMib)),
      samples: list.map((sample) => ({ wallMs: Math.round(sample.wallMs * 10) / 10, setupMs: Math.round(sample.setupMs * 10) / 10 })),
    };
  }
  return figures;
}

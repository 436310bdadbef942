/** Where the figures come from: the machine, how busy it was, the commit measured, and Lambda's Node flags. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { round } from './stats';

export interface Machine {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly os: string;
  readonly memoryGiB: number;
}

/**
 * A child script and the Node.js that runs it. The benchmark's children run the collector as
 * Lambda would; `--node` points them at another Node.js than the one running the benchmark
 * (Lambda's runtime is Node.js 24, this machine's may be older, and Buffer and JSON work differ
 * between them), so the figures can be taken with the runtime the function deploys with.
 */
export interface ChildScript {
  readonly path: string;
  /** The `node` executable that runs it. */
  readonly node: string;
}

/** The version of the Node.js at `node` (`v24.1.0`), or of this process when it is this process's. */
export function nodeVersion(node: string): string {
  if (node === process.execPath) return process.version;
  try {
    return execFileSync(node, ['--version'], { encoding: 'utf8', timeout: 10_000 }).trim();
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new Error(`--node ${node}: could not run it (${why}); give the path of a node executable, such as node24/package/bin/node`);
  }
}

/** This machine, with the Node.js version of the children that run the collector. */
export function machine(childNode: string = process.execPath): Machine {
  let cpuModel = cpus()[0]?.model ?? 'unknown';
  try {
    cpuModel = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpuModel;
  } catch {
    // Not Linux: keep what os.cpus() says.
  }
  return {
    nproc: availableParallelism(),
    cpuModel,
    node: nodeVersion(childNode),
    os: `${process.platform} ${release()} ${process.arch}`,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
  };
}

/** The 1-minute load average: on a shared machine, the context every wall-clock figure needs. */
export function load1(): number {
  return round(loadavg()[0], 2);
}

/** The commit measured, and whether the working tree differed from it. */
export function gitState(root: string): { commit: string; dirty: boolean } | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: root, encoding: 'utf8', timeout: 10_000 }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--', 'lambda', 'lib', 'bin', 'package-lock.json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 10_000,
    });
    return { commit, dirty: status.trim() !== '' };
  } catch {
    return undefined;
  }
}

/**
 * The V8 heap flags Lambda's Node.js bootstrap (/var/runtime/bootstrap) passes for a function's
 * memory size: new space a tenth of the memory, semi-space half of that, old space the rest.
 * A 128 MB function runs `node --max-semi-space-size=6 --max-old-space-size=116`.
 */
export function lambdaNodeFlags(memoryMb: number): string[] {
  const newSpace = Math.floor(memoryMb / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMb - newSpace}`];
}

/**
 * The collector's bundle built with esbuild the way `NodejsFunction` builds it, from the
 * construct's own options (`lambda/deployment.ts`): the demo runs it, the benchmark measures it,
 * and a test holds it byte for byte to the asset `cdk synth` writes.
 *
 * What `NodejsFunction` runs (aws-cdk-lib 2.276, aws-lambda-nodejs/lib/bundling.js, local
 * bundling): `esbuild --bundle <entry> --target=node<N> --platform=node --outfile=<dir>/index.js`
 * then `--minify` when `minify: true`, `--sourcemap` when `sourceMap: true`, one `--external:`
 * per external module (none with `bundleAwsSDK: true`), and `--format=` / `--main-fields=` only
 * when the construct sets `format` / `mainFields`. `N` comes from the runtime name
 * (`nodejs24.x` -> `node24`). With no `--format` and `--platform=node` esbuild writes CommonJS
 * and resolves packages by `main` before `module`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLING, FUNCTION_RUNTIME, HANDLER } from '../lambda/deployment';

/** The esbuild flags that differ between the bundle variants the benchmark measures. */
export interface BundleVariant {
  readonly name: string;
  readonly description: string;
  readonly extraArgs: readonly string[];
}

/** What the construct runs: `NodejsFunction` with the `mainFields` of `BUNDLING`, so the SDK's ES module builds, which shake better. */
export const CONSTRUCT_VARIANT: BundleVariant = {
  name: 'construct',
  description: `as the construct bundles (NodejsFunction with bundling.mainFields ${JSON.stringify(BUNDLING.mainFields)})`,
  extraArgs: [`--main-fields=${BUNDLING.mainFields.join(',')}`],
};

export interface BuiltBundle {
  readonly path: string;
  readonly minifiedBytes: number;
  readonly gzippedBytes: number;
  /** The esbuild command line, as CDK would run it. */
  readonly command?: string;
  /** Bytes in the output per package (or per project folder), largest first. */
  readonly breakdown?: Readonly<Record<string, number>>;
  /** esbuild's metafile of the build (JSON), beside the output. */
  readonly metafile?: string;
}

/** Runs a command with a time limit; resolves with its exit code and (capped) output. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number; signal?: AbortSignal },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    // With a signal, the command runs in a process group of its own, so that aborting ends it
    // and whatever it started (esbuild's JavaScript shim starts the native binary).
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.signal !== undefined,
    });
    const abort = (): void => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(-child.pid, 'SIGKILL');
    };
    options.signal?.addEventListener('abort', abort, { once: true });
    let output = '';
    const keep = (chunk: Buffer): void => {
      if (output.length < 200_000) output += chunk.toString('utf8');
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      options.signal?.removeEventListener('abort', abort);
      resolvePromise({ code, output, timedOut });
    });
  });
}

export function sizes(path: string): { minifiedBytes: number; gzippedBytes: number } {
  const bytes = readFileSync(path);
  return { minifiedBytes: bytes.length, gzippedBytes: gzipSync(bytes).length };
}

/** Groups a metafile's output bytes by npm package, or by the project folder of a source file. */
function breakdown(metafilePath: string, outfile: string, root: string): Record<string, number> {
  const meta = JSON.parse(readFileSync(metafilePath, 'utf8')) as {
    outputs: Record<string, { inputs: Record<string, { bytesInOutput: number }> }>;
  };
  const output = Object.entries(meta.outputs).find(([path]) => resolve(root, path) === outfile)?.[1];
  const groups: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
    const group = match?.[1] ?? (input.split('/').slice(0, -1).join('/') || input);
    groups[group] = (groups[group] ?? 0) + bytesInOutput;
  }
  return Object.fromEntries(Object.entries(groups).sort(([, a], [, b]) => b - a));
}

/** Bundles `entry` with the esbuild command line `NodejsFunction` uses. */
export async function esbuildLikeCdk(
  root: string,
  entry: string,
  outfile: string,
  target: string,
  variant: BundleVariant,
  signal?: AbortSignal,
): Promise<BuiltBundle> {
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  const args = [
    '--bundle',
    entry,
    `--target=${target}`,
    '--platform=node',
    `--outfile=${outfile}`,
    ...(BUNDLING.minify ? ['--minify'] : []),
    ...variant.extraArgs,
  ];
  // The metafile does not change the output; CDK adds it only when asked, so it is left out of the shown command.
  const metafile = `${outfile}.meta.json`;
  const result = await run(esbuild, [...args, `--metafile=${metafile}`, '--log-level=error'], { cwd: root, timeoutMs: 120_000, signal });
  if (result.code !== 0) throw new Error(`esbuild failed for ${entry}: ${result.output.slice(0, 2000)}`);
  return {
    path: outfile,
    ...sizes(outfile),
    command: `esbuild ${args.map((arg) => arg.replace(`${root}/`, '')).join(' ')}`,
    breakdown: breakdown(metafile, outfile, root),
    metafile,
  };
}

/** esbuild's target for a Lambda runtime name, as CDK derives it (`nodejs24.x` -> `node24`). */
export function targetOf(runtime: string | undefined): string {
  const match = /nodejs(\d+)/.exec(runtime ?? '');
  return match === null ? BUNDLING.target : `node${match[1]}`;
}

/**
 * Bundles the collector's handler as the construct does (`HANDLER.entry`, the target of
 * `FUNCTION_RUNTIME`, `BUNDLING`) into `<outDir>/index.js`.
 */
export function bundleCollector(root: string, outDir: string, signal?: AbortSignal): Promise<BuiltBundle> {
  return esbuildLikeCdk(
    root,
    resolve(root, HANDLER.entry),
    join(outDir, 'index.js'),
    targetOf(FUNCTION_RUNTIME.runtime),
    CONSTRUCT_VARIANT,
    signal,
  );
}

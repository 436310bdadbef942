/**
 * The Lambda bundle: taken from the cloud assembly when the CDK app synthesizes, otherwise
 * built with esbuild the way `NodejsFunction` builds it. The floor is bundled the same way.
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
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { BUNDLING } from '../lambda/deployment';
import { CloudAssemblyError, readCollectorFunction, type CollectorFunction } from '../tools/cloud-assembly';

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

/** `NodejsFunction` with `minify: true, bundleAwsSDK: true` and nothing else set: esbuild resolves `main` before `module`. */
export const MAIN_FIRST_VARIANT: BundleVariant = {
  name: 'main-first',
  description: "NodejsFunction defaults (no mainFields: the SDK's CommonJS builds)",
  extraArgs: [],
};

export interface BuiltBundle {
  readonly path: string;
  readonly minifiedBytes: number;
  readonly gzippedBytes: number;
  /** The esbuild command line, as CDK would run it. */
  readonly command?: string;
  /** Bytes in the output per package (or per project folder), largest first. */
  readonly breakdown?: Readonly<Record<string, number>>;
}

export type SynthOutcome =
  | { readonly status: 'ok'; readonly ms: number; readonly fn: CollectorFunction; readonly reused?: boolean }
  | { readonly status: 'skipped' | 'failed'; readonly ms: number; readonly reason: string };

/** Runs a command with a time limit; resolves with its exit code and (capped) output. */
export function run(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number | null; output: string; timedOut: boolean }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
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
): Promise<BuiltBundle> {
  const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
  const args = ['--bundle', entry, `--target=${target}`, '--platform=node', `--outfile=${outfile}`, ...(BUNDLING.minify ? ['--minify'] : []), ...variant.extraArgs];
  // The metafile does not change the output; CDK adds it only when asked, so it is left out of the shown command.
  const metafile = `${outfile}.meta.json`;
  const result = await run(esbuild, [...args, `--metafile=${metafile}`, '--log-level=error'], { cwd: root, timeoutMs: 120_000 });
  if (result.code !== 0) throw new Error(`esbuild failed for ${entry}: ${result.output.slice(0, 2000)}`);
  return {
    path: outfile,
    ...sizes(outfile),
    command: `esbuild ${args.map((arg) => arg.replace(`${root}/`, '')).join(' ')}`,
    breakdown: breakdown(metafile, outfile, root),
  };
}

/** esbuild's target for a Lambda runtime name, as CDK derives it (`nodejs24.x` -> `node24`). */
export function targetOf(runtime: string | undefined): string {
  const match = /nodejs(\d+)/.exec(runtime ?? '');
  return match === null ? BUNDLING.target : `node${match[1]}`;
}

/** Whether the project has a CDK app to synthesize, and the `--app` to give when cdk.json does not name one. */
export function cdkApp(root: string, override: string | undefined): { app?: string; reason?: string } {
  if (override !== undefined) return { app: override };
  if (!existsSync(join(root, 'bin', 'app.ts'))) return { reason: 'bin/app.ts does not exist yet' };
  if (!existsSync(join(root, 'lib')) || readdirSync(join(root, 'lib')).length === 0) return { reason: 'lib/ is empty' };
  if (existsSync(join(root, 'cdk.json'))) return {};
  return { app: `${join(root, 'node_modules', '.bin', 'tsx')} bin/app.ts` };
}

/** Newest modification time of the files under these paths (directories walked, node_modules skipped). */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string, depth: number): void => {
    if (!existsSync(path) || depth > 8) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const name of readdirSync(path)) if (name !== 'node_modules') visit(join(path, name), depth + 1);
    } else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of paths) visit(path, 0);
  return newest;
}

/**
 * The cloud assembly a previous `cdk synth` left in `cdk.out/` (CI synthesizes before it runs
 * the benchmark), when it is newer than every input of the bundle.
 */
export function reuseCloudAssembly(root: string): SynthOutcome {
  const assembly = join(root, 'cdk.out');
  const manifest = join(assembly, 'manifest.json');
  if (!existsSync(manifest)) return { status: 'skipped', ms: 0, reason: 'quick mode: no cdk.out/ to reuse (run `npx cdk synth` first, or pass --synth)' };
  const inputs = ['lambda', 'lib', 'bin', 'cdk.json', 'package-lock.json', 'tsconfig.json'].map((path) => join(root, path));
  if (newestMtime(inputs) > statSync(manifest).mtimeMs) {
    return { status: 'skipped', ms: 0, reason: 'quick mode: cdk.out/ is older than the sources (pass --synth to synthesize)' };
  }
  const fn = collectorIn(assembly);
  if (typeof fn === 'string') return { status: 'failed', ms: 0, reason: fn };
  return { status: 'ok', ms: 0, fn, reused: true };
}

/** `cdk synth` into `outDir`, then the collector function's asset. */
export async function synthesize(root: string, outDir: string, appOverride: string | undefined, timeoutMs: number): Promise<SynthOutcome> {
  const started = Date.now();
  const { app, reason } = cdkApp(root, appOverride);
  if (reason !== undefined) return { status: 'skipped', ms: 0, reason };
  const cdk = join(root, 'node_modules', '.bin', 'cdk');
  const args = ['synth', '--no-notices', '--quiet', '-o', outDir, ...(app === undefined ? [] : ['--app', app])];
  const env = {
    ...process.env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    CDK_DISABLE_VERSION_CHECK: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  const result = await run(cdk, args, { cwd: root, env, timeoutMs });
  const ms = Date.now() - started;
  if (result.timedOut) return { status: 'failed', ms, reason: `cdk synth took longer than ${timeoutMs / 1000} s` };
  if (result.code !== 0) return { status: 'failed', ms, reason: `cdk synth exited ${result.code}: ${lastLines(result.output, 8)}` };
  const fn = collectorIn(outDir);
  if (typeof fn === 'string') return { status: 'failed', ms, reason: fn };
  return { status: 'ok', ms, fn };
}

function lastLines(text: string, count: number): string {
  return text.trim().split('\n').slice(-count).join(' / ').slice(0, 1500);
}

/** The assembly's collector function, or why there is none: the benchmark reports it and bundles with esbuild instead. */
function collectorIn(assemblyDir: string): CollectorFunction | string {
  try {
    return readCollectorFunction(assemblyDir);
  } catch (error) {
    if (error instanceof CloudAssemblyError) return error.message;
    throw error;
  }
}

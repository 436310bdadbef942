/**
 * The Lambda bundle: taken from the cloud assembly when the CDK app synthesizes, otherwise
 * built with esbuild the way `NodejsFunction` builds it (`tools/bundle.ts`). The floor is
 * bundled the same way.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CloudAssemblyError, readCollectorFunction, type CollectorFunction } from '../tools/cloud-assembly';
import { run, type BundleVariant } from '../tools/bundle';

/** `NodejsFunction` with `minify: true, bundleAwsSDK: true` and nothing else set: esbuild resolves `main` before `module`. */
export const MAIN_FIRST_VARIANT: BundleVariant = {
  name: 'main-first',
  description: "NodejsFunction defaults (no mainFields: the SDK's CommonJS builds)",
  extraArgs: [],
};

export type SynthOutcome =
  | { readonly status: 'ok'; readonly ms: number; readonly fn: CollectorFunction; readonly reused?: boolean }
  | { readonly status: 'skipped' | 'failed'; readonly ms: number; readonly reason: string };

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
  if (!existsSync(manifest))
    return { status: 'skipped', ms: 0, reason: 'quick mode: no cdk.out/ to reuse (run `npx cdk synth` first, or pass --synth)' };
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

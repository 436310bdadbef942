/**
 * One demo run: the fake AWS seeded with a scenario, the local Datadog intake, the collector
 * bundled as the construct bundles it, and one invocation of that bundle in its own process
 * with the stack's environment. Everything it starts is registered with a {@link Cleanup}, so
 * that the caller can stop it all on Ctrl-C as on a normal end.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { startFakeAws, startIntake, type IntakeSeries } from '../../fakes';
import type { RunSummary } from '../../lambda/collect';
import { BUNDLING, DEPLOYMENT_DEFAULTS, FUNCTION_RUNTIME, HANDLER } from '../../lambda/deployment';
import { collectorEnvironmentFor } from '../../lambda/environment';
import { bundleCollector } from '../../tools/bundle';
import { buildMonitors } from '../../tools/datadog/monitors';
import { judgeMonitor, type Judgement } from '../../tools/datadog/judge';
import { DEFAULT_ASSET_SETTINGS } from '../../tools/datadog/settings';
import { LAMBDA_RUNNER, lambdaProcessEnvironment } from '../../tools/lambda-process';
import { DEMO_API_KEY, DEMO_SECRET, type Scenario } from './scenarios';
import { PAYER_ACCOUNT_ID } from './sample-account';

const ROOT = resolve(__dirname, '..', '..');
const FUNCTION_NAME = 'billing-collector-demo';
const FUNCTION_REGION = 'eu-west-1';
/** The invocation context's ARN: its account is the payer account the fakes are seeded for. */
export const DEMO_FUNCTION_ARN = `arn:aws:lambda:${FUNCTION_REGION}:${PAYER_ACCOUNT_ID}:function:${FUNCTION_NAME}`;

/** Things to stop, newest first; runs once, whoever calls it first (the end of the run or Ctrl-C). */
export class Cleanup {
  private readonly steps: (() => void | Promise<void>)[] = [];
  private running: Promise<void> | undefined;

  public add(step: () => void | Promise<void>): void {
    this.steps.unshift(step);
  }

  public run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps)
        await Promise.resolve()
          .then(step)
          .catch(() => undefined);
    })();
    return this.running;
  }
}

/** One series as Datadog received it. */
export interface ReceivedSeries {
  readonly metric: string;
  readonly value: number;
  readonly unit?: string;
  readonly tags: readonly string[];
}

/** How the invocation ended, as Lambda would report it. */
export type InvocationOutcome =
  | { readonly status: 'resolved' }
  | { readonly status: 'threw'; readonly error: string }
  | { readonly status: 'timed_out' }
  | { readonly status: 'crashed'; readonly detail: string };

export interface MonitorVerdict {
  readonly name: string;
  readonly query: string;
  readonly judgement: Judgement;
}

export interface DemoResult {
  readonly scenario: string;
  readonly title: string;
  readonly bundle: { readonly command: string; readonly bytes: number; readonly ms: number };
  readonly function: {
    readonly arn: string;
    readonly runtime: string;
    readonly timeoutSeconds: number;
    readonly environment: Readonly<Record<string, string>>;
  };
  readonly invocation: { readonly outcome: InvocationOutcome; readonly ms: number };
  /** The run summary the function logged, when it logged one. */
  readonly summary?: RunSummary;
  readonly datadog: {
    readonly requests: number;
    readonly accepted: number;
    readonly refused: Readonly<Record<string, number>>;
    readonly series: readonly ReceivedSeries[];
  };
  readonly monitors: readonly MonitorVerdict[];
}

/** Runs the scenario; the caller runs `cleanup` afterwards (and on Ctrl-C). */
export async function runDemo(scenario: Scenario, cleanup: Cleanup, now = new Date()): Promise<DemoResult> {
  // The process id in the name tells this run's folder from another demo's running beside it.
  const tmp = mkdtempSync(join(tmpdir(), `billing-demo-${process.pid}-`));
  cleanup.add(() => rmSync(tmp, { recursive: true, force: true }));
  const stopBundling = new AbortController();
  const bundling = timed(() => bundleCollector(ROOT, tmp, stopBundling.signal));
  // esbuild is ended before its output folder is removed, or it would write it again.
  cleanup.add(async () => {
    stopBundling.abort();
    await bundling.catch(() => undefined);
  });
  const aws = await startFakeAws({
    accountId: PAYER_ACCOUNT_ID,
    budgets: scenario.budgets(now),
    billingSeries: scenario.billingSeries(),
    secrets: { [DEMO_SECRET.arn]: scenario.secretKey },
  });
  cleanup.add(() => aws.close());
  const intake = await startIntake({ apiKey: DEMO_API_KEY });
  cleanup.add(() => intake.close());
  const { value: bundle, ms: bundleMs } = await bundling;

  // The stack's environment for its default settings, plus what the demo points elsewhere.
  const stackEnvironment = collectorEnvironmentFor({ apiKeySecretArn: DEMO_SECRET.arn, apiUrl: intake.url, env: 'demo' });
  const env = lambdaProcessEnvironment({
    functionName: FUNCTION_NAME,
    region: FUNCTION_REGION,
    memorySize: DEPLOYMENT_DEFAULTS.memorySizeMb,
    runtime: FUNCTION_RUNTIME.runtime,
    logFormat: 'JSON',
    logLevel: DEPLOYMENT_DEFAULTS.logLevel,
    stackEnvironment,
    awsEndpoint: aws.endpoint,
  });
  const timeoutMs = DEPLOYMENT_DEFAULTS.timeoutSeconds * 1000;
  const { value: invocation, ms: invocationMs } = await timed(() => invokeOnce(bundle.path, env, timeoutMs, cleanup));

  const summaryLine = invocation.logLines.find((line) => line.message === 'run summary');
  const series = intake.series().map(received);
  const requests = intake.requests;
  const refused: Record<string, number> = {};
  for (const request of requests.filter((r) => !r.accepted)) {
    const status = String(request.status ?? 'no answer');
    refused[status] = (refused[status] ?? 0) + 1;
  }
  const monitors = buildMonitors(DEFAULT_ASSET_SETTINGS).map((monitor) => ({
    name: monitor.name,
    query: monitor.query,
    judgement: judgeMonitor(monitor, series),
  }));
  return {
    scenario: scenario.name,
    title: scenario.title,
    bundle: {
      command: (bundle.command ?? `esbuild ${HANDLER.entry}`).replace(tmp, '<temporary folder>'),
      bytes: bundle.minifiedBytes,
      ms: bundleMs,
    },
    function: {
      arn: DEMO_FUNCTION_ARN,
      runtime: `${FUNCTION_RUNTIME.runtime} (esbuild target ${BUNDLING.target})`,
      timeoutSeconds: DEPLOYMENT_DEFAULTS.timeoutSeconds,
      environment: stackEnvironment,
    },
    invocation: { outcome: invocation.outcome, ms: invocationMs },
    summary: summaryLine === undefined ? undefined : summaryOf(summaryLine),
    datadog: { requests: requests.length, accepted: requests.filter((r) => r.accepted).length, refused, series },
    monitors,
  };
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await work();
  return { value, ms: Date.now() - started };
}

function received(series: IntakeSeries): ReceivedSeries {
  return {
    metric: series.metric,
    value: series.points[series.points.length - 1]?.value ?? Number.NaN,
    unit: series.unit,
    tags: series.tags ?? [],
  };
}

function summaryOf(line: Record<string, unknown>): RunSummary {
  // The log line is the summary's fields beside the logger's own.
  const summary: Record<string, unknown> = { ...line };
  for (const field of ['level', 'message', 'timestamp']) delete summary[field];
  return summary as unknown as RunSummary;
}

interface RunnerRecord {
  readonly type: 'init' | 'invocation';
  readonly ok?: boolean;
  readonly status?: 'resolved' | 'threw' | 'timed_out';
  readonly error?: { readonly name: string; readonly message: string };
}

/** One cold invocation of the bundle in the Lambda runtime stand-in, in its own process. */
function invokeOnce(
  bundleFile: string,
  env: Readonly<Record<string, string>>,
  timeoutMs: number,
  cleanup: Cleanup,
): Promise<{ outcome: InvocationOutcome; logLines: Record<string, unknown>[] }> {
  const child = spawn(process.execPath, [LAMBDA_RUNNER, bundleFile, HANDLER.exportName, DEMO_FUNCTION_ARN], {
    env,
    stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
  });
  cleanup.add(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const records: RunnerRecord[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => records.push(JSON.parse(line) as RunnerRecord));
  // One request, then end of input: the runner exits once the invocation has reported.
  child.stdin?.end(`${JSON.stringify({ id: 1, timeoutMs, event: {} })}\n`);
  return new Promise((resolvePromise, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => {
      const logLines = stdout
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      const init = records.find((record) => record.type === 'init');
      const invocation = records.find((record) => record.type === 'invocation');
      let outcome: InvocationOutcome;
      if (init?.ok === false)
        outcome = { status: 'crashed', detail: `loading the bundle failed: ${init.error?.name}: ${init.error?.message}` };
      else if (invocation?.status === 'resolved') outcome = { status: 'resolved' };
      else if (invocation?.status === 'threw')
        outcome = { status: 'threw', error: `${invocation.error?.name}: ${invocation.error?.message}` };
      else if (invocation?.status === 'timed_out') outcome = { status: 'timed_out' };
      else outcome = { status: 'crashed', detail: `exit ${signal ?? code}: ${stderr.trim().split('\n').slice(-5).join(' / ')}` };
      resolvePromise({ outcome, logLines });
    });
  });
}

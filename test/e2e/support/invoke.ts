/**
 * Runs the bundled collector in its own Node process, as Lambda would: the environment the
 * stack gives the function plus what Lambda adds, an invocation context whose function ARN
 * carries the seeded account, and a timeout after which the invocation is abandoned.
 *
 * The process is a warm execution environment: `startFunction` loads the bundle once, and each
 * `invoke()` is one invocation in it (the configuration and the API key cache persist between
 * them, as in Lambda). `invokeCollector` is one cold invocation.
 *
 * Everything a run writes (stdout, stderr, the outcome and its error) is also kept in this
 * module's {@link capturedOutput}, so a test file can prove afterwards that no API key ever
 * appeared in any of it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { LAMBDA_RUNNER, lambdaProcessEnvironment } from '../../../tools/lambda-process';
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';
import type { CollectorBundle } from './bundle';

/** The function's region: deliberately not us-east-1, where the billing data lives. */
export const FUNCTION_REGION = 'eu-west-1';
export const FUNCTION_NAME = 'billing-collector';
/** The ARN in the invocation context of a function in `accountId`: the account the collector reads as its own. */
export function functionArn(accountId: string = MOTO_DEFAULT_ACCOUNT_ID): string {
  return `arn:aws:lambda:${FUNCTION_REGION}:${accountId}:function:${FUNCTION_NAME}`;
}

/** The ARN in the invocation context; its account is the one the budgets are seeded in. */
export const FUNCTION_ARN = functionArn();

/** Longest wait for the bundle to load (init phase) on a busy two-core machine. */
const INIT_TIMEOUT_MS = 30_000;

/** One parsed line of the function's stdout. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly timestamp: string;
  readonly [field: string]: unknown;
}

/** A thrown error as the runner serialized it (name, message, stack, and the error's own fields). */
export interface ThrownError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
  readonly [field: string]: unknown;
}

export type Outcome =
  | { readonly status: 'resolved'; readonly value: unknown }
  | { readonly status: 'threw'; readonly error: ThrownError }
  /** Lambda would end the invocation with "Task timed out"; the environment is discarded. */
  | { readonly status: 'timed_out' }
  /** The process died during the invocation. */
  | { readonly status: 'crashed'; readonly exitCode: number | null; readonly signal: string | null };

export interface Invocation {
  readonly outcome: Outcome;
  /** Every stdout line the invocation wrote, parsed: each one is JSON, or the invocation rejects. */
  readonly logLines: readonly LogLine[];
  /** What the invocation wrote to stdout, as written (a log line read raw). */
  readonly stdout: string;
  /** What the invocation wrote to stderr. */
  readonly stderr: string;
  /** The exit code once the process has ended (cold invocations, time-outs); `null` while warm. */
  readonly exitCode: number | null;
  /** Wall time of the invocation, as the runner measured it. */
  readonly durationMs: number;
}

export interface FunctionOptions {
  readonly bundle: CollectorBundle;
  /** `AWS_ENDPOINT_URL`: moto, or the fault proxy in front of it. */
  readonly awsEndpoint: string;
  /** `DD_API_URL`: the loopback Datadog intake. */
  readonly datadogUrl: string;
  /** Variables to add to or override in the stack's environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The account the function is deployed in (its ARN's). @default moto's default account */
  readonly accountId?: string;
}

export interface InvokeOptions {
  /** @default the function's Timeout from the template */
  readonly timeoutMs?: number;
  readonly event?: unknown;
}

/** A warm execution environment. */
export interface FunctionProcess {
  readonly pid: number;
  /** The environment the process was started with (for assertions; holds no key). */
  readonly env: Readonly<Record<string, string>>;
  invoke(options?: InvokeOptions): Promise<Invocation>;
  /** Close stdin and wait for the process to end; resolves to its exit code. Safe to call twice. */
  stop(): Promise<number | null>;
}

const captured: string[] = [];

/** Everything every run in this process (that is, this test file) has written or thrown. */
export function capturedOutput(): string {
  return captured.join('\n');
}

/**
 * The environment of the function: Lambda's own variables, the stack's `Environment.Variables`,
 * then the test's endpoints and dummy credentials. Nothing is inherited from the test process
 * (no real AWS profile or credentials can leak in) except `PATH`.
 */
export function functionEnvironment(options: FunctionOptions): Record<string, string> {
  const { bundle } = options;
  return lambdaProcessEnvironment({
    functionName: FUNCTION_NAME,
    region: FUNCTION_REGION,
    memorySize: bundle.memorySize,
    runtime: bundle.runtime,
    logFormat: bundle.logFormat,
    logLevel: bundle.applicationLogLevel,
    stackEnvironment: bundle.environment,
    awsEndpoint: options.awsEndpoint,
    extra: { DD_API_URL: options.datadogUrl, ...options.env },
  });
}

/** Starts a warm execution environment: the bundle is loaded before this resolves. */
export async function startFunction(options: FunctionOptions): Promise<FunctionProcess> {
  const env = functionEnvironment(options);
  const child = spawn(
    process.execPath,
    [LAMBDA_RUNNER, options.bundle.bundleFile, options.bundle.handlerExport, functionArn(options.accountId)],
    {
      env,
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    },
  );
  return new RunnerProcess(child, env, options.bundle.timeoutSeconds * 1000).ready();
}

/** One invocation in a fresh execution environment (a cold start), which is then stopped. */
export async function invokeCollector(options: FunctionOptions & InvokeOptions): Promise<Invocation> {
  const fn = await startFunction(options);
  try {
    const invocation = await fn.invoke(options);
    const exitCode = await fn.stop();
    return { ...invocation, exitCode };
  } finally {
    await fn.stop();
  }
}

type RunnerRecord =
  | { type: 'init'; ok: true }
  | { type: 'init'; ok: false; error: ThrownError }
  | ({ type: 'invocation'; id: number; durationMs: number; stdoutBytes: number; stderrBytes: number } & (
      { status: 'resolved'; value: unknown } | { status: 'threw'; error: ThrownError } | { status: 'timed_out' }
    ));

class RunnerProcess implements FunctionProcess {
  public readonly pid: number;
  private stdout = Buffer.alloc(0);
  private stderr = Buffer.alloc(0);
  private stdoutUsed = 0;
  private stderrUsed = 0;
  private readonly records: RunnerRecord[] = [];
  private readonly waiters = new Set<() => void>();
  private exit: { code: number | null; signal: string | null } | undefined;
  private nextId = 1;
  private stopping: Promise<number | null> | undefined;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    public readonly env: Readonly<Record<string, string>>,
    private readonly defaultTimeoutMs: number,
  ) {
    this.pid = child.pid ?? -1;
    child.stdout?.on('data', (chunk: Buffer) => {
      this.stdout = Buffer.concat([this.stdout, chunk]);
      captured.push(chunk.toString('utf8'));
      this.wake();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = Buffer.concat([this.stderr, chunk]);
      captured.push(chunk.toString('utf8'));
      this.wake();
    });
    createInterface({ input: child.stdio[3] as Readable }).on('line', (line) => {
      captured.push(line);
      this.records.push(JSON.parse(line) as RunnerRecord);
      this.wake();
    });
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exit = { code, signal };
        this.wake();
        resolve();
      });
    });
    // If the test run dies, do not leave the function behind.
    const kill = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', kill);
    void this.exited.then(() => process.off('exit', kill));
  }

  public async ready(): Promise<this> {
    const init = await this.waitFor(() => this.records.find((r) => r.type === 'init'), INIT_TIMEOUT_MS, 'the bundle to load');
    if (init === undefined || init.type !== 'init')
      throw new Error(`the function process ended before loading the bundle: ${this.describeExit()}`);
    if (!init.ok) throw new Error(`loading the bundle failed: ${init.error.name}: ${init.error.message}`);
    return this;
  }

  public async invoke(options: InvokeOptions = {}): Promise<Invocation> {
    if (this.exitStatus() !== undefined || this.stopping !== undefined)
      throw new Error(`the function process has ended: ${this.describeExit()}`);
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    (this.child.stdin as Writable).write(`${JSON.stringify({ id, timeoutMs, event: options.event ?? {} })}\n`);

    // The runner times the invocation out itself; the margin covers a process that hangs harder.
    const record = await this.waitFor(
      () => this.records.find((r) => r.type === 'invocation' && r.id === id),
      timeoutMs + 15_000,
      `invocation ${id}`,
    );
    if (record === undefined || record.type !== 'invocation') {
      const { stdout, stderr } = this.take(this.stdout.length, this.stderr.length);
      return {
        outcome: { status: 'crashed', exitCode: this.exitStatus()?.code ?? null, signal: this.exitStatus()?.signal ?? null },
        logLines: parseLogLines(stdout),
        stdout,
        stderr,
        exitCode: this.exitStatus()?.code ?? null,
        durationMs: Number.NaN,
      };
    }
    // Pipes are read separately: wait until the bytes the runner counted have all arrived.
    await this.waitFor(
      () =>
        (this.stdout.length >= record.stdoutBytes && this.stderr.length >= record.stderrBytes) ||
        this.exitStatus() !== undefined ||
        undefined,
      10_000,
      `the output of invocation ${id}`,
    );
    const { stdout, stderr } = this.take(record.stdoutBytes, record.stderrBytes);
    if (record.status === 'timed_out') await this.exited;
    const outcome: Outcome =
      record.status === 'resolved'
        ? { status: 'resolved', value: record.value }
        : record.status === 'threw'
          ? { status: 'threw', error: record.error }
          : { status: 'timed_out' };
    return {
      outcome,
      logLines: parseLogLines(stdout),
      stdout,
      stderr,
      exitCode: this.exitStatus()?.code ?? null,
      durationMs: record.durationMs,
    };
  }

  public stop(): Promise<number | null> {
    this.stopping ??= (async () => {
      if (this.exit === undefined) {
        this.child.stdin?.end();
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
        await this.exited;
        clearTimeout(timer);
      }
      return this.exit?.code ?? null;
    })();
    return this.stopping;
  }

  private take(stdoutEnd: number, stderrEnd: number): { stdout: string; stderr: string } {
    const stdout = this.stdout.subarray(this.stdoutUsed, stdoutEnd).toString('utf8');
    const stderr = this.stderr.subarray(this.stderrUsed, stderrEnd).toString('utf8');
    this.stdoutUsed = Math.max(this.stdoutUsed, stdoutEnd);
    this.stderrUsed = Math.max(this.stderrUsed, stderrEnd);
    return { stdout, stderr };
  }

  /** How the process ended, if it has (a method, so that TypeScript does not narrow it across awaits). */
  private exitStatus(): { code: number | null; signal: string | null } | undefined {
    return this.exit;
  }

  private describeExit(): string {
    const stderr = this.stderr.toString('utf8').trim().split('\n').slice(-10).join('\n');
    return `${this.exit === undefined ? 'still running' : `exit ${this.exit.signal ?? this.exit.code}`}${stderr === '' ? '' : `; stderr ends with:\n${stderr}`}`;
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first defined value of `check`, or `undefined` once the process has ended. */
  private waitFor<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const attempt = (): boolean => {
        const value = check();
        if (value !== undefined || this.exit !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(attempt);
          resolve(value);
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        this.waiters.delete(attempt);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (pid ${this.pid})`));
      }, timeoutMs);
      if (!attempt()) this.waiters.add(attempt);
    });
  }
}

/** Parses stdout into log lines; a line that is not a JSON object fails the run loudly. */
function parseLogLines(stdout: string): LogLine[] {
  const lines = stdout.split('\n').filter((line) => line !== '');
  return lines.map((line, index) => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      throw new Error(`stdout line ${index + 1} of the invocation is not JSON: ${line.slice(0, 300)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new Error(`stdout line ${index + 1} of the invocation is not a JSON object: ${line.slice(0, 300)}`);
    }
    return parsed as LogLine;
  });
}

/** The run's one summary line; throws unless there is exactly one. */
export function runSummary(invocation: Invocation): LogLine & RunSummaryFields {
  const lines = invocation.logLines.filter((line) => line.message === 'run summary');
  if (lines.length !== 1) throw new Error(`expected one "run summary" log line, found ${lines.length}`);
  return lines[0] as LogLine & RunSummaryFields;
}

/**
 * The fields of the summary line, written out here rather than imported from the collector:
 * the test reads the log as an operator would.
 */
export interface RunSummaryFields {
  readonly status: 'success' | 'partial' | 'failure';
  readonly accountId: string;
  readonly series: Readonly<Record<string, number>>;
  readonly seriesTotal: number;
  readonly skipped: Readonly<Record<string, number>>;
  readonly awsCalls: Readonly<Record<string, number>>;
  readonly datadog: { readonly requests: number; readonly unanswered: number; readonly bytes: number; readonly seriesSent: number };
  readonly billingDataAgeHours?: number;
  readonly durationMs: number;
  readonly warnings: number;
  readonly errors: readonly string[];
  readonly dryRun: boolean;
}

/**
 * Start and stop a moto server (a real AWS emulator, in Python) on loopback for end-to-end tests.
 *
 * The tier that uses it must fail, never skip, when moto is missing: a skipped e2e tier looks
 * green in CI while testing nothing. So a missing moto is one clear error with the install command.
 */
import { execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';

/** The message thrown when moto (or Python) is not available. */
export const MOTO_NOT_INSTALLED = "moto is not installed: pip install 'moto[server]'";

/** The account moto uses when a request does not name one (STS, ARNs of created resources). */
export const MOTO_DEFAULT_ACCOUNT_ID = '123456789012';

/** A running moto server. */
export interface MotoServer {
  /** Endpoint for the AWS SDK clients, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly endpoint: string;
  /** The moto process id; for diagnostics only. */
  readonly pid: number;
  /** Clear every service's state (`POST /moto-api/reset`), keeping the process. */
  reset(): Promise<void>;
  /** Stop the process (SIGTERM, then SIGKILL after 5 s). Safe to call twice. */
  stop(): Promise<void>;
  /** The last lines moto wrote to stdout and stderr (its request log and tracebacks). */
  logTail(): string;
}

/** Options of {@link startMoto}. */
export interface MotoOptions {
  /**
   * The Python interpreter that has moto.
   * @default 'python3'
   */
  readonly python?: string;
  /**
   * How long to wait for the server to answer before giving up.
   * @default 20000
   */
  readonly startTimeoutMs?: number;
}

/** moto logs one line per request: keep only the end, which is what explains a failure. */
const LOG_TAIL_LINES = 40;
/** A free port can be taken between our check and moto's bind; try a few ports before failing. */
const PORT_ATTEMPTS = 3;
const STOP_GRACE_MS = 5_000;
const POLL_INTERVAL_MS = 100;

/** Thrown when moto is installed but does not come up; carries the tail of its output. */
export class MotoStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'MotoStartError';
  }
}

/**
 * Start `python3 -m moto.server` on 127.0.0.1 and a free port, and wait until it answers.
 *
 * Throws an `Error` whose message is exactly {@link MOTO_NOT_INSTALLED} when moto cannot be
 * imported, and a {@link MotoStartError} with moto's output when it does not come up in time.
 * The process is also killed when the Node process exits, so a crashed test run leaves no moto behind.
 *
 * @example
 * const moto = await startMoto();
 * try { ... clients with { endpoint: moto.endpoint } ... } finally { await moto.stop(); }
 */
export async function startMoto(options: MotoOptions = {}): Promise<MotoServer> {
  const python = options.python ?? 'python3';
  const startTimeoutMs = options.startTimeoutMs ?? 20_000;
  await assertMotoInstalled(python);

  let lastError: unknown;
  for (let attempt = 1; attempt <= PORT_ATTEMPTS; attempt++) {
    const port = await freePort();
    try {
      return await launch(python, port, startTimeoutMs);
    } catch (error) {
      lastError = error;
      // Only a lost race for the port is worth another try; anything else is reported at once.
      if (!(error instanceof MotoStartError && /Address already in use|is in use by another program/.test(error.message))) throw error;
    }
  }
  throw lastError;
}

async function assertMotoInstalled(python: string): Promise<void> {
  // `moto.server` needs the server extras (flask, werkzeug): importing only `moto` would pass
  // without them and fail later, less clearly.
  await new Promise<void>((resolve, reject) => {
    execFile(python, ['-c', 'import moto, moto.server'], { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(MOTO_NOT_INSTALLED, { cause: new Error(`${python}: ${stderr.trim() || error.message}`) }));
      else resolve();
    });
  });
}

/** Ask the system for a free loopback port. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function launch(python: string, port: number, startTimeoutMs: number): Promise<MotoServer> {
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    // PYTHONUNBUFFERED: moto's output reaches the log tail when written, not when a buffer fills.
    env: { ...process.env, PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = new LogTail(LOG_TAIL_LINES);
  // Both pipes must be drained for the whole life of the process: moto logs every request,
  // and a full pipe would block it.
  child.stdout.on('data', (chunk: Buffer) => log.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => log.push(chunk));

  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  // If the test run dies without calling stop(), do not leave moto running.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      process.off('exit', killOnExit);
      // No pid: spawn failed and there is no process (nor any 'exit' event) to wait for.
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    })();
    return stopping;
  };

  const ready = waitUntilAnswering(endpoint, startTimeoutMs);
  const outcome = await Promise.race([
    ready.then(() => ({ kind: 'ready' as const })),
    exited.then((e) => ({ kind: 'exited' as const, ...e })),
    spawnFailed.then((error) => ({ kind: 'spawn-error' as const, error })),
  ]);
  if (outcome.kind !== 'ready') {
    ready.cancel();
    await stop();
    const why =
      outcome.kind === 'exited'
        ? `exited with ${outcome.signal ?? `code ${outcome.code}`}`
        : `could not be spawned (${outcome.error.message})`;
    throw new MotoStartError(`moto server on port ${port} ${why}. Its output ends with:\n${log.text()}`);
  }
  if (!(await ready)) {
    await stop();
    throw new MotoStartError(
      `moto server on port ${port} did not answer within ${startTimeoutMs} ms. Its output ends with:\n${log.text()}`,
    );
  }

  return {
    endpoint,
    pid: child.pid ?? -1,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new MotoStartError(`moto reset answered ${res.status}. Its output ends with:\n${log.text()}`);
    },
    stop,
    logTail: () => log.text(),
  };
}

/** Poll `GET /moto-api/` until it answers 200 or time runs out; resolves `false` on timeout. */
function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<boolean> & { cancel(): void } {
  let cancelled = false;
  const deadline = Date.now() + timeoutMs;
  const poll = async (): Promise<boolean> => {
    while (!cancelled && Date.now() < deadline) {
      try {
        const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.ok) return true;
      } catch {
        // Not listening yet: connection refused until moto has imported its services.
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
    return false;
  };
  return Object.assign(poll(), {
    cancel() {
      cancelled = true;
    },
  });
}

/** The last N lines of a process's output. */
class LogTail {
  private lines: string[] = [];
  private partial = '';

  constructor(private readonly max: number) {}

  push(chunk: Buffer): void {
    const parts = (this.partial + chunk.toString('utf8')).split('\n');
    this.partial = parts.pop() ?? '';
    this.lines.push(...parts);
    if (this.lines.length > this.max) this.lines = this.lines.slice(-this.max);
  }

  text(): string {
    const all = this.partial === '' ? this.lines : [...this.lines, this.partial];
    return all.length === 0 ? '(no output)' : all.join('\n');
  }
}

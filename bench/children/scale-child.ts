/**
 * Runs the real bundle's handler at scale, in its own process, driven over IPC by the
 * benchmark: require the bundle, then one invocation per `invoke` command (the first is the
 * cold one: clients created, secret read; the next are warm), then report the peak RSS.
 * Run with `fork(scale-child.js, [bundle.js])`; it exits by itself after `finish`, or when the
 * parent goes away.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import type { ScaleCommand, ScaleEvent } from './protocol';

/** In the account the fake AWS serves, which the collector reads from the ARN. */
const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:${FAKE_ACCOUNT_ID}:function:bench`;
/** The time the handler is given (Lambda's remaining time): the organization scenario gives its own timeout. */
const REMAINING_MS = Number(process.env.BENCH_REMAINING_MS ?? 120_000);
/** The invocation's event, as JSON: the Cost Explorer scenario sends the second rule's; `{}` is the hourly rule's. */
const EVENT: unknown = JSON.parse(process.env.BENCH_EVENT ?? '{}');

function send(event: ScaleEvent): Promise<void> {
  return new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(event, undefined, {}, () => resolve());
  });
}

function vmHwmBytes(): number | undefined {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    return match === null ? undefined : Number(match[1]) * 1024;
  } catch {
    return undefined;
  }
}

const started = performance.now();
const handler = (createRequire(__filename)(resolve(process.argv[2])) as { handler: (event: unknown, context: unknown) => Promise<unknown> })
  .handler;
const context = { invokedFunctionArn: FUNCTION_ARN, getRemainingTimeInMillis: () => REMAINING_MS };

/** The sampling interval of `--cpu-prof`: fine enough for a run of a few hundred ms, cheap enough not to distort it. */
const PROFILE_INTERVAL_US = 200;

function post(session: Session, method: string, params?: object): Promise<unknown> {
  return new Promise((resolve, reject) => session.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
}

/** Runs `work` under V8's sampling profiler (the inspector's, in this process) and writes its profile to `file`. */
async function profiled<T>(file: string, work: () => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: PROFILE_INTERVAL_US });
  await post(session, 'Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await post(session, 'Profiler.stop')) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  }
}

process.on('message', (command: ScaleCommand) => {
  if (command.type === 'finish') {
    const maxRssBytes = process.resourceUsage().maxRSS * 1024;
    void send({ type: 'finished', maxRssBytes, vmHwmBytes: vmHwmBytes() }).then(() => process.exit(0));
    return;
  }
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const cpuMs = (): number => {
    const used = process.cpuUsage(cpu0);
    return (used.user + used.system) / 1000;
  };
  const invoke = (): Promise<unknown> => handler(EVENT, context);
  (command.profileTo === undefined ? invoke() : profiled(command.profileTo, invoke)).then(
    (summary) =>
      send({
        type: 'invoked',
        label: command.label,
        durationMs: performance.now() - t0,
        cpuMs: cpuMs(),
        ok: true,
        summary,
        rssBytes: process.memoryUsage().rss,
      }),
    (error: unknown) =>
      send({
        type: 'invoked',
        label: command.label,
        durationMs: performance.now() - t0,
        cpuMs: cpuMs(),
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 2000) : String(error),
        rssBytes: process.memoryUsage().rss,
      }),
  );
});
process.on('disconnect', () => process.exit(0));
void send({ type: 'ready', importMs: performance.now() - started });

/**
 * One process running the real bundle's handler at scale against the fake endpoints: a cold
 * invocation, then warm ones, each with the calls the servers counted during it.
 */
import { fork } from 'node:child_process';
import type { ScaleCommand, ScaleEvent } from './children/protocol';
import type { ChildScript } from './machine';
import type { AwsTally, FakeAws } from '../fakes/aws/server';
import type { Intake, IntakeTally } from '../fakes/datadog/intake';
import { segments, type Segments } from './timeline';

/** One invocation as the child reported it, with what the fake servers saw during it. */
export interface Invocation extends Omit<Extract<ScaleEvent, { type: 'invoked' }>, 'type'> {
  readonly aws: AwsTally;
  readonly datadog: IntakeTally;
  /** Where the time went, from the servers' clock; undefined when a side made no request. */
  readonly segments?: Segments;
}

/**
 * The calls of one invocation, by the names a scenario counts: each AWS operation as the fake
 * AWS tallied it (0 when not called), and `Datadog` as the requests the intake answered.
 */
export function countedCalls<K extends string>(invocation: Invocation, names: readonly K[]): Record<K, number> {
  const operations: Readonly<Record<string, number | undefined>> = invocation.aws.operations;
  return Object.fromEntries(
    names.map((name) => [name, name === 'Datadog' ? invocation.datadog.requests : (operations[name] ?? 0)]),
  ) as Record<K, number>;
}

export interface ScaleRun {
  readonly nodeFlags: readonly string[];
  readonly importMs: number;
  readonly invocations: Invocation[];
  readonly maxRssBytes: number;
  readonly vmHwmBytes?: number;
  /** The handler's log lines (JSON), capped. */
  readonly logLines: string[];
}

export async function runScale(
  script: ChildScript,
  bundlePath: string,
  env: NodeJS.ProcessEnv,
  servers: { aws: FakeAws; datadog: Intake },
  labels: readonly string[],
  timeoutMs: number,
  nodeFlags: readonly string[] = [],
  /** Invocation label -> file: those invocations run under the CPU profiler, which writes its profile there (`--cpu-prof`). */
  profiles: Readonly<Record<string, string>> = {},
): Promise<ScaleRun> {
  servers.aws.take();
  servers.datadog.take();
  servers.aws.server.takeTimeline();
  servers.datadog.server.takeTimeline();
  const child = fork(script.path, [bundlePath], {
    env,
    execPath: script.node,
    execArgv: [...nodeFlags],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    if (output.length < 2_000_000) output += chunk.toString('utf8');
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);

  const events: ScaleEvent[] = [];
  let waiting: ((event: ScaleEvent) => void) | undefined;
  child.on('message', (event: ScaleEvent) => {
    if (waiting === undefined) events.push(event);
    else {
      const deliver = waiting;
      waiting = undefined;
      deliver(event);
    }
  });
  const closed = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);

  const next = (): Promise<ScaleEvent> => {
    const queued = events.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      waiting = resolve;
      void closed.then((code) => reject(new Error(`the scale child exited (${code}) early: ${output.slice(-3000)}`)));
    });
  };
  const command = (message: ScaleCommand): void => {
    child.send(message);
  };

  try {
    const ready = await next();
    if (ready.type !== 'ready') throw new Error(`unexpected message from the scale child: ${ready.type}`);
    const invocations: Invocation[] = [];
    for (const label of labels) {
      const profileTo = profiles[label];
      command({ type: 'invoke', label, ...(profileTo === undefined ? {} : { profileTo }) });
      const event = await next();
      if (event.type !== 'invoked') throw new Error(`unexpected message from the scale child: ${event.type}`);
      // Let the intake finish the body checks it defers until after its answers.
      await new Promise((resolve) => setImmediate(resolve));
      const timeline = [...servers.aws.server.takeTimeline(), ...servers.datadog.server.takeTimeline()];
      invocations.push({
        ...event,
        aws: servers.aws.take(),
        datadog: servers.datadog.take(),
        segments: segments(timeline, event.durationMs),
      });
    }
    command({ type: 'finish' });
    const finished = await next();
    if (finished.type !== 'finished') throw new Error(`unexpected message from the scale child: ${finished.type}`);
    await closed;
    return {
      nodeFlags,
      importMs: ready.importMs,
      invocations,
      maxRssBytes: finished.maxRssBytes,
      vmHwmBytes: finished.vmHwmBytes,
      logLines: output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .slice(0, 200),
    };
  } finally {
    clearTimeout(timer);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

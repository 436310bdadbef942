/**
 * One process running the real bundle's handler at scale against the fake endpoints: a cold
 * invocation, then warm ones, each with the calls the servers counted during it.
 */
import { fork } from 'node:child_process';
import type { ScaleCommand, ScaleEvent } from './children/protocol';
import type { ChildScript } from './machine';
import { startFakeAws, type AwsTally, type FakeAws, type FakeAwsSeed } from '../fakes/aws/server';
import { startIntake } from '../fakes/datadog/intake';
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

/** Calls measured against their minimum: exactly the minimum, and what was over it, by name. */
export interface CallsAgainstMinimum<K extends string> {
  readonly measured: Record<K, number>;
  readonly minimum: Record<K, number>;
  readonly met: boolean;
  readonly over: string[];
}

/**
 * An invocation's calls against a scenario's minimum: each counted name (`countedCalls`), then
 * every other AWS operation the fake saw, whose minimum is `others[name]` (0 when absent).
 */
export function callsAgainstMinimum<K extends string>(
  invocation: Invocation,
  names: readonly K[],
  minimum: Record<K, number>,
  others: Readonly<Record<string, number>> = {},
): CallsAgainstMinimum<K> {
  const measured = countedCalls(invocation, names);
  const over = names
    .filter((name) => measured[name] !== minimum[name])
    .map((name) => `${name} ${measured[name]} (minimum ${minimum[name]})`);
  for (const [name, count] of Object.entries(invocation.aws.operations)) {
    if ((names as readonly string[]).includes(name) || count === (others[name] ?? 0)) continue;
    over.push(`${name} ${count} (minimum ${others[name] ?? 0})`);
  }
  return { measured, minimum, met: over.length === 0, over };
}

/** What a scenario of its own (organization mode, the Cost Explorer run) needs to run the bundle against fakes of its own. */
export interface ScenarioOptions {
  readonly scaleChild: ChildScript;
  readonly bundlePath: string;
  /** The child's environment (fake endpoints and dummy credentials); the fakes' endpoints are set here. */
  readonly env: (awsOrigin: string, datadogOrigin: string) => NodeJS.ProcessEnv;
  readonly secretArn: string;
  readonly apiKey: string;
  readonly latencyMs: number;
  readonly progress: (message: string) => void;
}

/**
 * One cold invocation of the bundle against a fake AWS seeded with `seed` (and the API key's
 * secret) and a fresh intake, both with the scenario's latency, closed afterwards.
 * @throws when the invocation failed, naming `label`
 */
export async function coldRunAgainstFakes(
  options: ScenarioOptions,
  run: {
    readonly label: string;
    readonly seed: FakeAwsSeed;
    /** Variables added to the child's environment: the deployment's settings the scenario runs with. */
    readonly env: NodeJS.ProcessEnv;
    readonly timeoutMs: number;
    readonly nodeFlags: readonly string[];
  },
): Promise<{
  readonly scaleRun: ScaleRun;
  readonly invocation: Invocation;
  /** How late the slower fake answered at worst, beyond its latency (0 or less: on time). */
  readonly overrunMs: number;
}> {
  const aws = await startFakeAws({ ...run.seed, secrets: { [options.secretArn]: options.apiKey } });
  const datadog = await startIntake({ apiKey: options.apiKey, checkBodiesAfterAnswer: true });
  try {
    aws.server.latencyMs = options.latencyMs;
    datadog.server.latencyMs = options.latencyMs;
    const env = { ...options.env(aws.endpoint, datadog.url), ...run.env };
    const scaleRun = await runScale(options.scaleChild, options.bundlePath, env, { aws, datadog }, ['cold'], run.timeoutMs, run.nodeFlags);
    const invocation = scaleRun.invocations[0];
    if (!invocation.ok) throw new Error(`the ${run.label} failed: ${invocation.error}`);
    return { scaleRun, invocation, overrunMs: Math.max(aws.server.overrunMs(), datadog.server.overrunMs()) };
  } finally {
    await Promise.all([aws.close(), datadog.close()]);
  }
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

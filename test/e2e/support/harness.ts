/**
 * Everything one end-to-end test file needs, started once: the synthesized bundle, a moto
 * server, the fault proxy in front of it, and the Datadog intake. Tests in a file share them and
 * run one after another; `reset()` between tests clears moto (`POST /moto-api/reset`), the
 * proxy's rules and the intake's records.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { BudgetSeed } from '../../../fakes/aws/budgets';
import type { CostAnomaliesData } from '../../../fakes/aws/cost-anomalies';
import type { CostExplorerData } from '../../../fakes/aws/cost-explorer';
import type { FakeAws } from '../../../fakes/aws/server';
import { startIntake, TEST_API_KEY, type Intake, type ReceivedRequest } from '../../../fakes/datadog/intake';
import { startMotoGaps } from '../../support/moto-gaps';
import { startMoto, type MotoServer } from '../../support/moto-server';
import { collectorBundle, type CollectorBundle } from './bundle';
import { startFaultProxy, type FaultProxy } from './fault-proxy';
import { capturedOutput, invokeCollector, startFunction, type FunctionProcess, type Invocation } from './invoke';

/** Synthesis (on a cache miss) and moto's start, on two loaded cores. */
export const SETUP_TIMEOUT_MS = 300_000;

/**
 * The harness of one e2e file, with its secret hygiene built in: it starts before the file's
 * tests, and when they are done it stops and checks that the runs logged their summary and that
 * nothing any run wrote or threw holds the API key or any of `secrets`. A new e2e file cannot
 * forget the check.
 * @param assign receives the started harness (`(started) => (h = started)`).
 */
export function useHarness(
  assign: (harness: Harness) => void,
  options: {
    readonly secrets?: readonly string[];
    readonly gaps?: GapsSeed;
    readonly context?: Readonly<Record<string, string>>;
  } = {},
): void {
  let harness: Harness | undefined;
  beforeAll(async () => {
    harness = await startHarness(TEST_API_KEY, options.gaps, options.context);
    assign(harness);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await harness?.close();
    const output = capturedOutput();
    expect(output).toContain('run summary');
    for (const secret of [TEST_API_KEY, ...(options.secrets ?? [])]) expect(output).not.toContain(secret);
  });
}

export interface RunOptions {
  /** Where AWS_ENDPOINT_URL points: moto (with its gaps filled), or the fault proxy in front of it. @default 'proxy' */
  readonly via?: 'moto' | 'proxy';
  /** Variables added to or overriding the stack's environment; `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The invocation's timeout. @default the function's Timeout */
  readonly timeoutMs?: number;
  /** The account the function is deployed in. @default moto's default account */
  readonly accountId?: string;
  /** The invocation's event, such as a rule's input. @default {} */
  readonly event?: unknown;
}

/**
 * What the fake AWS behind the proxy answers for the operations moto lacks: the budgets whose
 * notifications `DescribeBudgetNotificationsForAccount` lists (the same budgets a test seeds in
 * moto, with their `Notifications`). @default none: every budget without notifications
 */
export interface GapsSeed {
  readonly budgets?: readonly BudgetSeed[];
  /** Cost Explorer's state, which Cost Anomaly Detection answers under. @default not enabled */
  readonly costExplorer?: CostExplorerData;
  /** The anomalies and monitors `GetAnomalies` and `GetAnomalyMonitors` answer with. @default none */
  readonly costAnomalies?: CostAnomaliesData;
}

export interface Harness {
  readonly bundle: CollectorBundle;
  readonly moto: MotoServer;
  /** The project's fake AWS, answering the operations moto lacks through the proxy. */
  readonly gaps: FakeAws;
  readonly proxy: FaultProxy;
  readonly intake: Intake;
  /** One cold invocation of the bundle. */
  run(options?: RunOptions): Promise<Invocation>;
  /** A warm execution environment, for several invocations in one process. */
  start(options?: Omit<RunOptions, 'timeoutMs' | 'event'>): Promise<FunctionProcess>;
  reset(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the bundle's synthesis (or cache lookup), moto and the intake at once.
 * @param intakeApiKey the key the intake accepts. @default TEST_API_KEY
 * @param context synthesis context beside the secret's ARN. @default none
 */
export async function startHarness(
  intakeApiKey: string = TEST_API_KEY,
  gapsSeed: GapsSeed = {},
  context: Readonly<Record<string, string>> = {},
): Promise<Harness> {
  const started = await Promise.allSettled([collectorBundle(context), startMoto(), startIntake({ apiKey: intakeApiKey })] as const);
  const [bundleResult, motoResult, intakeResult] = started;
  if (bundleResult.status === 'rejected' || motoResult.status === 'rejected' || intakeResult.status === 'rejected') {
    if (motoResult.status === 'fulfilled') await motoResult.value.stop();
    if (intakeResult.status === 'fulfilled') await intakeResult.value.close();
    const failed = started.find((result) => result.status === 'rejected') as PromiseRejectedResult;
    throw failed.reason;
  }
  const bundle = bundleResult.value;
  const moto = motoResult.value;
  const intake = intakeResult.value;
  // The operations moto lacks go to the project's fake AWS; the faults are injected in front of both.
  const filled = await startMotoGaps(moto.endpoint, {
    budgets: gapsSeed.budgets ?? [],
    ...(gapsSeed.costExplorer === undefined ? {} : { costExplorer: gapsSeed.costExplorer }),
    ...(gapsSeed.costAnomalies === undefined ? {} : { costAnomalies: gapsSeed.costAnomalies }),
  });
  const gaps = filled.fake;
  const proxy = await startFaultProxy(filled.endpoint);

  const options = (via: RunOptions['via'], env: RunOptions['env'], accountId: RunOptions['accountId']) => ({
    bundle,
    awsEndpoint: via === 'moto' ? filled.endpoint : proxy.url,
    datadogUrl: intake.url,
    env,
    accountId,
  });
  return {
    bundle,
    moto,
    gaps,
    proxy,
    intake,
    run: (run = {}) =>
      invokeCollector({
        ...options(run.via, run.env, run.accountId),
        timeoutMs: run.timeoutMs,
        ...('event' in run ? { event: run.event } : {}),
      }),
    start: (run = {}) => startFunction(options(run.via, run.env, run.accountId)),
    async reset() {
      proxy.reset();
      intake.reset();
      gaps.clearFailures();
      gaps.take();
      await moto.reset();
    },
    async close() {
      await Promise.all([proxy.close(), intake.close(), moto.stop(), filled.close()]);
    },
  };
}

/**
 * What is wrong with the requests the intake received, as readable lines: a body that does not
 * validate against Datadog's schema, a point Datadog would drop for its time, a request without
 * gzip or without the key. Empty when every request is as Datadog wants it.
 */
export function requestProblems(requests: readonly ReceivedRequest[], apiKeys: readonly string[] = [TEST_API_KEY]): string[] {
  return requests.flatMap((request, index) => {
    const problems: string[] = [];
    const where = `request ${index + 1} (${request.method} ${request.path}, status ${request.status})`;
    if (request.method !== 'POST' || request.path !== '/api/v2/series') problems.push(`${where}: not POST /api/v2/series`);
    if (request.body === undefined) problems.push(`${where}: no JSON body (${request.bodyError})`);
    for (const error of request.schemaErrors) problems.push(`${where}: schema: ${error.instancePath || '(body)'} ${error.message}`);
    for (const warning of request.timestampWarnings) problems.push(`${where}: ${warning}`);
    if (request.contentEncoding !== 'gzip') problems.push(`${where}: Content-Encoding ${request.contentEncoding}, not gzip`);
    if (request.headers['content-type'] !== 'application/json') problems.push(`${where}: Content-Type ${request.headers['content-type']}`);
    if (request.apiKey === undefined || !apiKeys.includes(request.apiKey))
      problems.push(`${where}: DD-API-KEY is not one of the seeded keys`);
    return problems;
  });
}

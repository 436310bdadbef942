/**
 * A fake AWS endpoint on 127.0.0.1 for the services the collector reads, speaking each one's
 * real wire protocol (see budgets.ts, cloudwatch.ts, secrets-manager.ts), so that the real SDK
 * clients run against it unchanged with `endpoint` set to its origin. Requests are routed by
 * `X-Amz-Target` to the service modules in {@link SERVICES}: a new AWS source adds one module
 * and one entry there. It counts what it is asked, and a test or a demo can make one operation
 * fail.
 */
import type { IncomingMessage } from 'node:http';
import { startLoopbackServer, type Answer, type Body, type LoopbackServer } from '../loopback';
import { budgetsService, type BudgetsSeed } from './budgets';
import { cloudWatchService, type CloudWatchSeed } from './cloudwatch';
import { secretsManagerService, type SecretsManagerSeed } from './secrets-manager';
import { AwsError, type AwsService, type OperationInput } from './service';

/** The services the fake serves, each built over its part of the seed. */
const SERVICES = [budgetsService, cloudWatchService, secretsManagerService] as const;

/** The fake's data, every service's part of it. */
export type FakeAwsSeed = BudgetsSeed & CloudWatchSeed & SecretsManagerSeed;

/** Options of {@link startFakeAws}. */
export interface FakeAwsOptions extends FakeAwsSeed {
  /** Milliseconds from the end of a request to its answer (the benchmark's AWS round trip). @default 0 */
  readonly latencyMs?: number;
}

/** An error to answer an operation with, instead of running it. */
export interface InjectedError {
  /** The error type, which the SDK makes the error's `name` (`AccessDeniedException`, `ThrottlingException`). */
  readonly type: string;
  /** @default `injected <type>` */
  readonly message?: string;
  /** @default 400 */
  readonly status?: number;
  /** How many calls fail, after which the operation answers normally again. @default every call until cleared */
  readonly times?: number;
}

/** What the fake saw since the last `take()`. */
export interface AwsTally {
  /** Requests per operation (`DescribeBudgets`, ...), error answers included. */
  readonly operations: Record<string, number>;
  /** Error answers per error type. */
  readonly errors: Record<string, number>;
  /** Requests per signing `service@region`, from the SigV4 credential scope (`unsigned` without one). */
  readonly signing: Record<string, number>;
  /** Billed units other than requests, e.g. `metricsRequested` (GetMetricData queries). */
  readonly units: Record<string, number>;
}

/** A running fake AWS. */
export interface FakeAws {
  /** The origin to give the SDK clients as `endpoint` (or `AWS_ENDPOINT_URL`). */
  readonly endpoint: string;
  /** The server: latency, timeline, overrun. */
  readonly server: LoopbackServer;
  /**
   * Answers `operation` (`DescribeBudgets`, `ListMetrics`, `GetMetricData`, `GetSecretValue`)
   * with this error; replaces any error injected before for it.
   */
  failOperation(operation: string, error: InjectedError): void;
  /** Forgets every injected error. */
  clearFailures(): void;
  /** What was seen since the previous call; starts a new tally. */
  take(): AwsTally;
  close(): Promise<void>;
}

/** Bodies over this are refused: no call the collector makes comes near it. */
const MAX_BODY_BYTES = 16 * 1024 * 1024;
const SIGNING_SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

function emptyTally(): AwsTally {
  return { operations: {}, errors: {}, signing: {}, units: {} };
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

/**
 * Starts the fake AWS over this data.
 *
 * @example
 * const aws = await startFakeAws({
 *   budgets: [{ BudgetName: 'Platform', BudgetType: 'COST', BudgetLimit: { Amount: '100', Unit: 'USD' } }],
 *   billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 42.5 }],
 *   secrets: { 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf': '<key>' },
 * });
 * const client = new BudgetsClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials });
 * aws.failOperation('GetMetricData', { type: 'AccessDeniedException', times: 1 });
 */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  let tally = emptyTally();
  const routes = new Map<string, { service: AwsService; operation: string }>();
  const services = SERVICES.map((create) => create(options));
  for (const service of services) {
    for (const operation of Object.keys(service.operations)) routes.set(`${service.targetPrefix}.${operation}`, { service, operation });
  }
  const served = new Set([...routes.values()].map(({ operation }) => operation));
  const failures = new Map<string, { error: AwsError; left: number }>();

  const run = (
    request: IncomingMessage,
    body: Body,
    route: { service: AwsService; operation: string } | undefined,
    target: string,
  ): string => {
    if (route === undefined) throw new AwsError('UnknownOperationException', `The fake AWS does not serve "${target}"`);
    if (request.method !== 'POST') throw new AwsError('UnknownOperationException', `${request.method} is not an AWS JSON call`);
    if (body.length > MAX_BODY_BYTES) throw new AwsError('SerializationException', `The request body is over ${MAX_BODY_BYTES} bytes`, 413);
    const failure = failures.get(route.operation);
    if (failure !== undefined) {
      failure.left -= 1;
      if (failure.left <= 0) failures.delete(route.operation);
      throw failure.error;
    }
    let input: OperationInput;
    try {
      input = JSON.parse(body.bytes.toString('utf8') || '{}') as OperationInput;
    } catch {
      throw new AwsError('SerializationException', 'The request body is not JSON');
    }
    return route.service.operations[route.operation](input, { count: (unit, by) => bump(tally.units, unit, by) });
  };

  const handle = (request: IncomingMessage, body: Body): Answer => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const route = routes.get(target);
    const operation = route?.operation ?? (target || `(${request.method} ${request.url})`);
    bump(tally.operations, operation);
    const scope = SIGNING_SCOPE.exec(String(request.headers.authorization ?? ''));
    bump(tally.signing, scope === null ? 'unsigned' : `${scope[2]}@${scope[1]}`);
    const json = route?.service.jsonVersion ?? '1.1';
    const headers = { 'content-type': `application/x-amz-json-${json}`, 'x-amzn-requestid': `fake-${Date.now()}` };
    try {
      return { status: 200, headers, body: run(request, body, route, target), label: operation };
    } catch (error) {
      const awsError = error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
      bump(tally.errors, awsError.type);
      const errorHeaders: Record<string, string> = { ...headers, 'x-amzn-errortype': awsError.type };
      if (route?.service.queryCompatible === true)
        errorHeaders['x-amzn-query-error'] = `${awsError.type};${awsError.status < 500 ? 'Sender' : 'Receiver'}`;
      return {
        status: awsError.status,
        headers: errorHeaders,
        body: JSON.stringify({ __type: awsError.type, message: awsError.message, Message: awsError.message }),
        label: operation,
      };
    }
  };

  const server = await startLoopbackServer({ latencyMs: options.latencyMs, maxBodyBytes: MAX_BODY_BYTES, handle });
  return {
    endpoint: server.origin,
    server,
    failOperation: (operation, injected) => {
      if (!served.has(operation)) throw new RangeError(`the fake AWS serves ${[...served].join(', ')}; not "${operation}"`);
      const times = injected.times ?? Number.POSITIVE_INFINITY;
      if (!(times >= 1)) throw new RangeError(`an injected error needs \`times\` of 1 or more, got ${times}`);
      failures.set(operation, {
        error: new AwsError(injected.type, injected.message ?? `injected ${injected.type}`, injected.status ?? 400),
        left: times,
      });
    },
    clearFailures: () => failures.clear(),
    take: () => {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
    close: () => server.close(),
  };
}

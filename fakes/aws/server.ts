/**
 * A fake AWS endpoint on 127.0.0.1 for the services the collector reads, speaking each one's
 * real wire protocol (see budgets.ts, cloudwatch.ts, cost-explorer.ts, organizations.ts,
 * secrets-manager.ts, sts.ts), so that the real SDK clients run against it unchanged with
 * `endpoint` set to its origin. Each service module declares its protocol (protocols.ts: AWS JSON by `X-Amz-Target`,
 * AWS Query by the form's `Version`), and a request goes to the service whose protocol
 * recognises it: a new AWS source adds one module and one entry in {@link SERVICES}.
 *
 * Requests are answered as the account their credentials belong to: credentials the fake's STS
 * issued act in the assumed role's account, any others in the fake's own `accountId`. It counts
 * what it is asked, and a test or a demo can make one operation fail.
 */
import type { IncomingMessage } from 'node:http';
import { startLoopbackServer, type Answer, type Body, type LoopbackServer } from '../loopback';
import { budgetsService, type BudgetsSeed } from './budgets';
import { cloudWatchService, type CloudWatchSeed } from './cloudwatch';
import { costExplorerService, type CostExplorerSeed } from './cost-explorer';
import type { CostAnomaliesSeed } from './cost-anomalies';
import { organizationsService, type OrganizationsSeed } from './organizations';
import { awsJson } from './protocols';
import { secretsManagerService, type SecretsManagerSeed } from './secrets-manager';
import { AwsError, FAKE_ACCOUNT_ID, type AwsService, type Caller, type FakeAccounts } from './service';
import { stsService, type StsSeed } from './sts';

/** The services the fake serves, each built over its part of the seed and the accounts they share. */
const SERVICES = [budgetsService, cloudWatchService, costExplorerService, organizationsService, secretsManagerService, stsService] as const;

/** The fake's data, every service's part of it. */
export type FakeAwsSeed = {
  /** The account of the caller's own credentials (any the fake's STS did not issue). @default FAKE_ACCOUNT_ID */
  readonly accountId?: string;
} & BudgetsSeed &
  CloudWatchSeed &
  CostExplorerSeed &
  CostAnomaliesSeed &
  OrganizationsSeed &
  SecretsManagerSeed &
  StsSeed;

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
   * Answers `operation` (`DescribeBudgets`, `DescribeBudgetNotificationsForAccount`, `ListMetrics`,
   * `GetMetricData`, `GetSecretValue`, `ListAccounts`, `AssumeRole`, ...) with this error; replaces
   * any error injected before for it.
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
const SIGNING_SCOPE = /Credential=([^/]+)\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;
/** How requests that no service recognises are answered. */
const UNKNOWN = awsJson({ targetPrefix: '', version: '1.1' });

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
 *   budgets: [
 *     {
 *       BudgetName: 'Platform',
 *       BudgetType: 'COST',
 *       BudgetLimit: { Amount: '100', Unit: 'USD' },
 *       // Its alert thresholds, for DescribeBudgetNotificationsForAccount.
 *       Notifications: [
 *         { NotificationType: 'ACTUAL', ComparisonOperator: 'GREATER_THAN', Threshold: 80, ThresholdType: 'PERCENTAGE', NotificationState: 'ALARM' },
 *       ],
 *     },
 *   ],
 *   billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 42.5 }],
 *   secrets: { 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-api-key-AbCdEf': '<key>' },
 *   // A member, its budgets (read with credentials from AssumeRole into its role) and that role.
 *   organization: { accounts: [{ Id: '123456789012', Name: 'management' }, { Id: '111122223333', Name: 'team-a' }] },
 *   budgetsByAccount: { '111122223333': [{ BudgetName: 'Team A', BudgetType: 'COST' }] },
 *   roles: [{ arn: 'arn:aws:iam::111122223333:role/aws-billing-to-datadog-reader' }],
 * });
 * const client = new BudgetsClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials });
 * aws.failOperation('GetMetricData', { type: 'AccessDeniedException', times: 1 });
 */
export async function startFakeAws(options: FakeAwsOptions = {}): Promise<FakeAws> {
  let tally = emptyTally();
  const ownAccountId = options.accountId ?? FAKE_ACCOUNT_ID;
  const accounts: FakeAccounts = { ownAccountId, sessions: new Map() };
  const ownCaller: Caller = { accountId: ownAccountId, arn: `arn:aws:iam::${ownAccountId}:user/fake-caller` };
  const services: readonly AwsService[] = SERVICES.map((create) => create(options, accounts));
  const served = new Set<string>();
  for (const service of services) {
    for (const operation of Object.keys(service.operations)) {
      // Injected errors and the tally name operations alone: two services must not share a name.
      if (served.has(operation)) throw new RangeError(`two services of the fake AWS serve "${operation}"`);
      served.add(operation);
    }
  }
  const failures = new Map<string, { error: AwsError; left: number }>();

  /** The service whose protocol recognises the request, and the operation it names. */
  const recognise = (request: IncomingMessage, body: Body): { service: AwsService; operation: string } | undefined => {
    for (const service of services) {
      const operation = service.protocol.operationOf(request, body);
      if (operation !== undefined) return { service, operation };
    }
    return undefined;
  };

  const run = (request: IncomingMessage, body: Body, service: AwsService, operation: string, caller: Caller): string => {
    if (request.method !== 'POST') throw new AwsError('UnknownOperationException', `${request.method} is not an AWS API call`);
    if (body.length > MAX_BODY_BYTES) throw new AwsError('SerializationException', `The request body is over ${MAX_BODY_BYTES} bytes`, 413);
    if (!Object.hasOwn(service.operations, operation)) {
      throw new AwsError('UnknownOperationException', `The fake AWS does not serve "${operation}"`);
    }
    const failure = failures.get(operation);
    if (failure !== undefined) {
      failure.left -= 1;
      if (failure.left <= 0) failures.delete(operation);
      throw failure.error;
    }
    const input = service.protocol.input(body);
    return service.operations[operation](input, { count: (unit, by) => bump(tally.units, unit, by), caller });
  };

  const handle = (request: IncomingMessage, body: Body): Answer => {
    const route = recognise(request, body);
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = route?.operation ?? (target || `(${request.method} ${request.url})`);
    bump(tally.operations, operation);
    const scope = SIGNING_SCOPE.exec(String(request.headers.authorization ?? ''));
    bump(tally.signing, scope === null ? 'unsigned' : `${scope[3]}@${scope[2]}`);
    const session = scope === null ? undefined : accounts.sessions.get(scope[1]);
    const caller = session ?? ownCaller;
    const protocol = route?.service.protocol ?? UNKNOWN;
    const requestId = `fake-${Date.now()}`;
    try {
      if (route === undefined) throw new AwsError('UnknownOperationException', `The fake AWS does not serve "${operation}"`);
      if (session !== undefined && session.expiresAt <= Date.now()) {
        throw new AwsError('ExpiredTokenException', 'The security token included in the request is expired');
      }
      const output = run(request, body, route.service, route.operation, caller);
      return { status: 200, ...protocol.success(operation, output, requestId), label: operation };
    } catch (error) {
      const awsError = error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
      bump(tally.errors, awsError.type);
      return { status: awsError.status, ...protocol.failure(operation, awsError, requestId), label: operation };
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

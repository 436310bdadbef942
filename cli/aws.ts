/**
 * AWS clients for the tool: the standard credential chain (with `--profile`), billing clients
 * in us-east-1 as in the function, and the account resolved with STS (the function reads it
 * from its own ARN instead). `AWS_ENDPOINT_URL` and its per-service forms work unchanged.
 */
import { shownValue } from '../lambda/secret-shape';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AccountClients } from '../lambda/accounts/clients';
import { AwsClientPool, type AwsClientOptions } from '../lambda/aws-clients';
import { BILLING_REGION } from '../lambda/billing-facts';
import { SOURCES } from '../lambda/sources';
import { awsFailure, unreachableAt } from '../lambda/sources/aws-errors';
import type { AwsClient } from '../lambda/sources/source';
import { RunError } from './errors';

export interface AwsOptions {
  /** A profile of the shared config and credentials files. @default the SDK's (AWS_PROFILE, else default) */
  readonly profile?: string;
  /** Told of each call every client makes, once whatever the retries (`--verbose`). */
  readonly observe?: (call: AwsCall) => void;
}

/** One AWS call as `--verbose` shows it: never its input, output or message. */
export interface AwsCall {
  /** The client's service, such as `Budgets`. */
  readonly service: string;
  /** Such as `DescribeBudgets`. */
  readonly operation: string;
  /** HTTP status of the last attempt, when there was an answer. */
  readonly status?: number;
  /** The error's name, when the call failed. */
  readonly error?: string;
  /** Retries included. */
  readonly durationMs: number;
}

/** Attempts per AWS call; the SDK's standard retry mode with its backoff. */
const MAX_ATTEMPTS = 3;
/**
 * A laptop on a bad network should fail in seconds, not hang. Without `throwOnRequestTimeout`
 * the SDK only logs a warning when `requestTimeout` passes, and keeps waiting.
 */
export const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 30_000, throwOnRequestTimeout: true } as const;

/** Makes each client once and destroys them all at the end, so no socket keeps the process up. */
export class AwsClientFactory {
  private readonly made = new Map<string, { destroy(): void }>();
  /** The sources' clients, made by their own makers, with the tool's retries and time-outs. */
  public readonly pool: AwsClientPool;
  private metricsRequested = 0;

  /** Organization mode: other accounts' clients, made with their credentials, counted and observed as the pool's. */
  public readonly accounts: AccountClients;

  constructor(private readonly options: AwsOptions) {
    const onMade = (client: AwsClient): void => {
      this.countBilledUnits(client);
      this.observeCalls(client);
    };
    this.pool = new AwsClientPool(this.clientOptions(), onMade);
    this.accounts = new AccountClients(this.clientOptions(), onMade);
  }

  public sts(): STSClient {
    return this.once('sts', () => this.observeCalls(new STSClient({ region: BILLING_REGION, ...this.clientOptions() })));
  }

  /** In the secret's region, taken from its ARN. */
  public secretsManager(region: string): SecretsManagerClient {
    return this.once(`secretsmanager:${region}`, () => this.observeCalls(new SecretsManagerClient({ region, ...this.clientOptions() })));
  }

  /**
   * Metrics requested so far by the operations the sources declare as billed per metric
   * (CloudWatch bills GetMetricData per metric requested, not per call), once per call
   * whatever the retries.
   */
  public get metricsRequestedSoFar(): number {
    return this.metricsRequested;
  }

  public destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
    this.pool.destroy();
    this.accounts.destroy();
  }

  private countBilledUnits(client: AwsClient): void {
    const billed = new Map<string, (input: object) => number>();
    for (const operation of SOURCES.flatMap((source) => source.operations)) {
      if (operation.billedUnits !== undefined) billed.set(`${operation.name}Command`, operation.billedUnits);
    }
    (client as unknown as MiddlewareClient).middlewareStack.add(
      (next, context) => async (args) => {
        const units = billed.get(context.commandName ?? '');
        if (units !== undefined) this.metricsRequested += units(args.input as object);
        return next(args);
      },
      { step: 'initialize', name: 'cliCountBilledUnits' },
    );
  }

  /** Tells the observer of each call, at the first step, so once per call whatever the retries. */
  private observeCalls<C>(client: C): C {
    const observe = this.options.observe;
    if (observe === undefined) return client;
    (client as unknown as MiddlewareClient).middlewareStack.add(
      (next, context) => async (args) => {
        const started = Date.now();
        const call = {
          service: (context.clientName ?? 'unknown').replace(/Client$/, ''),
          operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
        };
        try {
          const result = await next(args);
          const status = (result as { output?: { $metadata?: { httpStatusCode?: number } } }).output?.$metadata?.httpStatusCode;
          observe({ ...call, ...(status === undefined ? {} : { status }), durationMs: Date.now() - started });
          return result;
        } catch (error) {
          const status = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
          const name = error instanceof Error ? error.name : 'Error';
          observe({ ...call, ...(status === undefined ? {} : { status }), error: name, durationMs: Date.now() - started });
          throw error;
        }
      },
      { step: 'initialize', name: 'cliObserveCalls' },
    );
    return client;
  }

  private clientOptions(): AwsClientOptions {
    return {
      maxAttempts: MAX_ATTEMPTS,
      requestHandler: REQUEST_HANDLER,
      ...(this.options.profile === undefined ? {} : { profile: this.options.profile }),
    };
  }

  private once<C extends { destroy(): void }>(key: string, make: () => C): C {
    const existing = this.made.get(key);
    if (existing !== undefined) return existing as C;
    const client = make();
    this.made.set(key, client);
    return client;
  }
}

/** The part of an SDK client the tool's middleware is added to. */
interface MiddlewareClient {
  readonly middlewareStack: {
    add(
      middleware: (
        next: (args: { input: unknown }) => Promise<unknown>,
        context: { clientName?: string; commandName?: string },
      ) => (args: { input: unknown }) => Promise<unknown>,
      options: { step: 'initialize'; name: string },
    ): void;
  };
}

export interface CallerIdentity {
  readonly accountId: string;
  readonly arn: string;
}

/** What to do when the credential chain finds nothing usable. */
export function credentialsFix(profile: string | undefined): string {
  const which = profile === undefined ? 'the default profile (or AWS_PROFILE)' : `the profile ${shownValue(profile)}`;
  return (
    `Give the tool AWS credentials: run "aws configure" or "aws sso login" for ${which}, pass --profile <name>, ` +
    'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'
  );
}

/**
 * What to do about an AWS failure whose cause is on this machine's side, told apart by the
 * collector's own classifier: AWS not reachable, no credentials, expired credentials; undefined
 * for access denied (the caller names the permission) and for any other error.
 */
export function awsFailureFix(error: unknown, profile: string | undefined): string | undefined {
  switch (awsFailure(error)) {
    case 'unreachable': {
      const { where, reason } = unreachableAt(error);
      return `Nothing answered at ${where} (${reason}): check AWS_ENDPOINT_URL if it is set, DNS, your proxy and your network connection to AWS.`;
    }
    case 'noCredentials':
      return credentialsFix(profile);
    case 'expiredCredentials': {
      const which = profile === undefined ? 'the default profile (or AWS_PROFILE)' : `the profile ${shownValue(profile)}`;
      return (
        `Your AWS credentials have expired: refresh them with "aws sso login" for ${which}, ` +
        'or start a new session (new temporary keys and AWS_SESSION_TOKEN).'
      );
    }
    case 'accessDenied':
    case undefined:
      return undefined;
  }
}

/**
 * The account the credentials belong to.
 * @throws RunError saying what to do: reach AWS, give credentials, or refresh them.
 */
export async function callerIdentity(aws: AwsClientFactory, profile: string | undefined): Promise<CallerIdentity> {
  try {
    const identity = await aws.sts().send(new GetCallerIdentityCommand({}));
    if (identity.Account === undefined || !/^\d{12}$/.test(identity.Account)) {
      throw new Error(`STS answered without an account id (got ${JSON.stringify(identity.Account)})`);
    }
    return { accountId: identity.Account, arn: identity.Arn ?? '' };
  } catch (error) {
    throw new RunError(`Cannot resolve the AWS account with STS GetCallerIdentity: ${awsErrorText(error)}`, {
      // STS answers every caller with credentials: any other failure is most likely theirs.
      fix: awsFailureFix(error, profile) ?? credentialsFix(profile),
      cause: error,
    });
  }
}

/** A short description of an AWS SDK error: its name and first line. */
export function awsErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const firstLine = error.message.split('\n')[0]?.trim() ?? '';
  return firstLine === '' ? error.name : `${error.name}: ${firstLine}`;
}

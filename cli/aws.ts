/**
 * AWS clients for the tool: the standard credential chain (with `--profile`), billing clients
 * in us-east-1 as in the function, and the account resolved with STS (the function reads it
 * from its own ARN instead). `AWS_ENDPOINT_URL` and its per-service forms work unchanged.
 */
import type { BudgetsClient } from '@aws-sdk/client-budgets';
import type { CloudWatchClient, GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { billingRegionClients, type AwsClientOptions, type LazyAwsClients } from '../lambda/aws-clients';
import { BILLING_REGION } from '../lambda/billing-facts';
import { RunError } from './errors';

export interface AwsOptions {
  /** A profile of the shared config and credentials files. @default the SDK's (AWS_PROFILE, else default) */
  readonly profile?: string;
}

/** Attempts per AWS call; the SDK's standard retry mode with its backoff. */
const MAX_ATTEMPTS = 3;
/** A laptop on a bad network should fail in seconds, not hang. */
const REQUEST_HANDLER = { connectionTimeout: 5_000, requestTimeout: 30_000 } as const;

/** Makes each client once and destroys them all at the end, so no socket keeps the process up. */
export class AwsClientFactory {
  private readonly made = new Map<string, { destroy(): void }>();
  /** The sources' clients, from the function's own table, with the tool's retries and time-outs. */
  public readonly billing: LazyAwsClients;

  constructor(private readonly options: AwsOptions) {
    this.billing = billingRegionClients(this.clientOptions());
  }

  public sts(): STSClient {
    return this.once('sts', () => new STSClient({ region: BILLING_REGION, ...this.clientOptions() }));
  }

  /** In us-east-1: the Budgets API and billing metrics live only there. */
  public budgets(): BudgetsClient {
    return this.billing.budgets;
  }

  /** In us-east-1: the Budgets API and billing metrics live only there. */
  public cloudWatch(): CloudWatchClient {
    return this.billing.cloudWatch;
  }

  /** In the secret's region, taken from its ARN. */
  public secretsManager(region: string): SecretsManagerClient {
    return this.once(`secretsmanager:${region}`, () => new SecretsManagerClient({ region, ...this.clientOptions() }));
  }

  public destroy(): void {
    for (const client of this.made.values()) client.destroy();
    this.made.clear();
    this.billing.destroy();
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

export interface CallerIdentity {
  readonly accountId: string;
  readonly arn: string;
}

/** What to do when the credential chain finds nothing usable. */
export function credentialsFix(profile: string | undefined): string {
  const which = profile === undefined ? 'the default profile (or AWS_PROFILE)' : `the profile "${profile}"`;
  return (
    `Give the tool AWS credentials: run "aws configure" or "aws sso login" for ${which}, pass --profile <name>, ` +
    'or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.'
  );
}

/**
 * The account the credentials belong to.
 * @throws RunError saying how to get credentials.
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
      fix: credentialsFix(profile),
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

/**
 * Counts the metrics each GetMetricData call asks for (CloudWatch bills per metric requested,
 * not per call), once per call whatever the retries.
 */
export function countMetricsRequested(client: CloudWatchClient): { readonly total: () => number } {
  let total = 0;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName === 'GetMetricDataCommand') {
        total += (args.input as GetMetricDataCommandInput).MetricDataQueries?.length ?? 0;
      }
      return next(args);
    },
    { step: 'initialize', name: 'cliCountMetricsRequested' },
  );
  return { total: () => total };
}

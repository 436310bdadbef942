/**
 * Credentials of other accounts' roles, from `sts:AssumeRole` with the function's own
 * credentials, cached per role and reused while at least five minutes remain.
 *
 * A Lambda's credentials are already a role session, so assuming another role is role chaining,
 * which AWS caps at one hour whatever the role's `MaxSessionDuration`: at the hourly schedule
 * every run assumes every role again; only closely spaced runs (a retry, the command-line tool)
 * reuse them. The cache lives as long as its owner: the handler keeps one per execution
 * environment, so it survives warm invocations.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CHAINED_SESSION_SECONDS } from '../billing-facts';
import { increment, type CallCounter } from '../samples';
import { callNeeding } from '../sources/aws-errors';
import type { AwsClientConfig, AwsCredentials } from '../sources/source';

/** The session name every assumed role's CloudTrail entries carry: it names the collector. */
export const SESSION_NAME = 'aws-billing-to-datadog';

/** Cached credentials are used only while at least this long remains before they expire. */
export const RENEW_BEFORE_MS = 5 * 60_000;

/** The STS client, made by the pool of the function's own credentials. */
export const STS_CLIENTS = { clients: { sts: (config: AwsClientConfig) => new STSClient(config) } };

/** The ARN of the role `roleName` in `accountId`. */
export function roleArn(partition: string, accountId: string, roleName: string): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}

/** The partition of any ARN, its second field: `aws`, `aws-cn`, `aws-us-gov`. */
export function partitionOf(arn: string): string {
  return arn.split(':')[1] || 'aws';
}

/** The account of a role's ARN: its fifth field. */
export function roleAccount(arn: string): string {
  return arn.split(':')[4] ?? '';
}

export class RoleSessions {
  private readonly cache = new Map<string, AwsCredentials>();

  /**
   * @param sts a client with the credentials that assume the roles (the function's own).
   * @param now the clock, in epoch milliseconds. @default Date.now
   */
  constructor(
    private readonly sts: Pick<STSClient, 'send'>,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * The credentials of the role `arn`, from the cache while at least five minutes remain.
   * @throws AccessDeniedError naming `sts:AssumeRole` when the role does not exist or does not trust the caller.
   */
  public async credentials(arn: string, calls: CallCounter, signal?: AbortSignal): Promise<AwsCredentials> {
    const cached = this.cache.get(arn);
    if (cached?.expiration !== undefined && cached.expiration.getTime() - this.now() >= RENEW_BEFORE_MS) return cached;
    this.cache.delete(arn);
    increment(calls, 'AssumeRole');
    const command = new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: SESSION_NAME, DurationSeconds: CHAINED_SESSION_SECONDS });
    const answer = await callNeeding('sts:AssumeRole', () => this.sts.send(command, { abortSignal: signal }));
    const given = answer.Credentials;
    if (given?.AccessKeyId === undefined || given.SecretAccessKey === undefined) {
      throw new Error(`STS answered AssumeRole of ${arn} without credentials`);
    }
    const credentials: AwsCredentials = {
      accessKeyId: given.AccessKeyId,
      secretAccessKey: given.SecretAccessKey,
      sessionToken: given.SessionToken,
      expiration: given.Expiration,
    };
    this.cache.set(arn, credentials);
    return credentials;
  }
}

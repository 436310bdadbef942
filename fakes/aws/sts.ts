/**
 * AWS STS in the fake AWS: `AssumeRole`, into the roles the seed declares, and
 * `GetCallerIdentity`, who the credentials act as (the command-line tool's first call). The credentials it
 * issues act in the role's account: a later request signed with them (SigV4
 * `Credential=<AccessKeyId>/...`) is answered from that account's data (budgets.ts), as AWS
 * answers a member's role session.
 * Wire protocol: AWS Query, a form `Action=AssumeRole&Version=2011-06-15&RoleArn=...`, answered
 * in XML (`AssumeRoleResponse`/`AssumeRoleResult`), errors as an XML `ErrorResponse`.
 *
 * Differences from AWS: no trust policies, a role is trusted by every caller or refused to all;
 * every role's maximum session is one hour; policies, tags and external ids are ignored. A seed
 * may make a role's sessions shorter than AWS's 15-minute minimum (`sessionSeconds`), so that a
 * reader's rule for reusing credentials can be tested in seconds; a request signed with expired
 * credentials is refused with `ExpiredTokenException`, as AWS refuses it.
 */
import { randomBytes } from 'node:crypto';
import { awsQuery, xmlText } from './protocols';
import { AwsError, type AwsService, type FakeAccounts, type OperationContext, type OperationInput } from './service';

/** A role the fake's STS knows. */
export interface RoleSeed {
  /** `arn:<partition>:iam::<account>:role/<path/><name>`: the account the credentials act in. */
  readonly arn: string;
  /** Its trust policy trusts no caller: `AssumeRole` is refused as for a role that does not exist. @default false */
  readonly refused?: boolean;
  /**
   * How long the credentials last (their `Expiration` is this far from now), whatever
   * `DurationSeconds` asked: the fake's control of expiry. @default `DurationSeconds`, as AWS
   */
  readonly sessionSeconds?: number;
}

/** The STS part of the fake's data. */
export interface StsSeed {
  /** @default none: every `AssumeRole` is AccessDenied */
  readonly roles?: readonly RoleSeed[];
  /**
   * Roles not in `roles`, looked up by ARN when asked for: for an organization of thousands of
   * accounts, without a list of thousands of roles. @default none
   */
  readonly roleOf?: (arn: string) => RoleSeed | undefined;
}

/** STS's limits: stated here on their own, so the fake checks the collector's. */
export const STS_LIMITS = {
  minDurationSeconds: 900,
  defaultDurationSeconds: 3600,
  /** A role's default `MaxSessionDuration`, and the cap on a chained role session. */
  maxDurationSeconds: 3600,
} as const;

const ROLE_ARN = /^arn:aws[\w-]*:iam::(\d{12}):role\/(?:[\w+=,.@-]+\/)*([\w+=,.@-]{1,64})$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** `length` characters of AWS's key id alphabet. */
function keyChars(length: number): string {
  return [...randomBytes(length)].map((byte) => BASE32[byte % 32]).join('');
}

/** The STS service over this data. */
export function stsService(seed: StsSeed, accounts: FakeAccounts): AwsService {
  const roles = new Map<string, RoleSeed & { account: string; name: string }>();
  for (const role of seed.roles ?? []) {
    const match = ROLE_ARN.exec(role.arn);
    if (match === null) throw new RangeError(`a seeded role is named by its ARN, arn:aws:iam::<account>:role/<name>; got "${role.arn}"`);
    roles.set(role.arn, { ...role, account: match[1], name: match[2] });
  }

  const roleFor = (arn: string): (RoleSeed & { account: string; name: string }) | undefined => {
    const known = roles.get(arn);
    if (known !== undefined) return known;
    const found = seed.roleOf?.(arn);
    const match = found === undefined ? null : ROLE_ARN.exec(found.arn);
    return found === undefined || match === null ? undefined : { ...found, account: match[1], name: match[2] };
  };

  const assumeRole = (input: OperationInput, { caller }: OperationContext): string => {
    const arn = input.RoleArn;
    const session = input.RoleSessionName;
    if (typeof arn !== 'string' || arn.length < 20) {
      throw new AwsError(
        'ValidationError',
        "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20",
      );
    }
    if (typeof session !== 'string' || !SESSION_NAME.test(session)) {
      throw new AwsError(
        'ValidationError',
        "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      );
    }
    const duration = input.DurationSeconds === undefined ? STS_LIMITS.defaultDurationSeconds : Number(input.DurationSeconds);
    if (!Number.isInteger(duration) || duration < STS_LIMITS.minDurationSeconds) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '${String(input.DurationSeconds)}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to ${STS_LIMITS.minDurationSeconds}`,
      );
    }
    const role = roleFor(arn);
    // AWS answers a role that does not exist as it answers one that does not trust the caller.
    if (role === undefined || role.refused === true) {
      throw new AwsError('AccessDenied', `User: ${caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`, 403);
    }
    if (duration > STS_LIMITS.maxDurationSeconds) {
      throw new AwsError('ValidationError', 'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    }
    const accessKeyId = `ASIA${keyChars(16)}`;
    const assumedArn = arn.replace(
      /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?[^/]+$/,
      `arn:$1:sts::$2:assumed-role/${role.name}/${session}`,
    );
    // AWS gives whole seconds.
    const expiresAt = Math.floor((Date.now() + (role.sessionSeconds ?? duration) * 1000) / 1000) * 1000;
    accounts.sessions.set(accessKeyId, { accountId: role.account, arn: assumedArn, expiresAt });
    const expiration = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return (
      `<AssumedRoleUser><Arn>${xmlText(assumedArn)}</Arn><AssumedRoleId>AROA${keyChars(17)}:${xmlText(session)}</AssumedRoleId></AssumedRoleUser>` +
      `<Credentials><AccessKeyId>${accessKeyId}</AccessKeyId><SecretAccessKey>${randomBytes(30).toString('base64')}</SecretAccessKey>` +
      `<SessionToken>${randomBytes(96).toString('base64')}</SessionToken><Expiration>${expiration}</Expiration></Credentials>`
    );
  };

  const getCallerIdentity = (_input: OperationInput, { caller }: OperationContext): string =>
    `<UserId>AIDA${keyChars(17)}</UserId><Account>${caller.accountId}</Account><Arn>${xmlText(caller.arn)}</Arn>`;

  return {
    protocol: awsQuery({ version: '2011-06-15', xmlns: 'https://sts.amazonaws.com/doc/2011-06-15/' }),
    operations: { AssumeRole: assumeRole, GetCallerIdentity: getCallerIdentity },
  };
}

import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { RENEW_BEFORE_MS, RoleSessions, SESSION_NAME, roleAccount, roleArn } from '../../../lambda/accounts/credentials';
import { AccessDeniedError } from '../../../lambda/errors';
import type { CallCounter } from '../../../lambda/samples';

const sts = mockClient(STSClient);
const client = new STSClient({ region: 'us-east-1' });
const ROLE = 'arn:aws:iam::111122223333:role/aws-billing-to-datadog-reader';
const START = Date.parse('2026-01-01T00:00:00Z');

beforeEach(() => {
  sts.reset();
  let issued = 0;
  sts.on(AssumeRoleCommand).callsFake(async () => {
    issued += 1;
    return {
      Credentials: {
        AccessKeyId: `ASIA${issued}`,
        SecretAccessKey: 'secret',
        SessionToken: 'token',
        Expiration: new Date(START + 3600_000),
      },
    };
  });
});

describe('roleArn and roleAccount', () => {
  it.each([
    ['aws', 'arn:aws:iam::111122223333:role/reader'],
    ['aws-cn', 'arn:aws-cn:iam::111122223333:role/reader'],
    ['aws-us-gov', 'arn:aws-us-gov:iam::111122223333:role/reader'],
  ])('names the role in partition %s', (partition, arn) => {
    expect(roleArn(partition, '111122223333', 'reader')).toBe(arn);
    expect(roleAccount(arn)).toBe('111122223333');
  });
});

describe('RoleSessions', () => {
  it('assumes the role for an hour, the longest a chained session may last, with the collector’s session name', async () => {
    const calls: CallCounter = {};
    const credentials = await new RoleSessions(client, () => START).credentials(ROLE, calls);

    expect(sts.commandCalls(AssumeRoleCommand)[0].args[0].input).toEqual({
      RoleArn: ROLE,
      RoleSessionName: SESSION_NAME,
      DurationSeconds: 3600,
    });
    expect(credentials).toMatchObject({ accessKeyId: 'ASIA1', secretAccessKey: 'secret', sessionToken: 'token' });
    expect(calls).toEqual({ AssumeRole: 1 });
  });

  it.each([
    { left: RENEW_BEFORE_MS, assumed: 1 },
    { left: RENEW_BEFORE_MS - 1, assumed: 2 },
    { left: 0, assumed: 2 },
  ])('with $left ms left, has assumed the role $assumed time(s)', async ({ left, assumed }) => {
    let now = START;
    const sessions = new RoleSessions(client, () => now);
    const first = await sessions.credentials(ROLE, {});
    now = START + 3600_000 - left;
    const second = await sessions.credentials(ROLE, {});

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(assumed);
    expect(second === first).toBe(assumed === 1);
  });

  it('keeps one cache entry per role', async () => {
    const sessions = new RoleSessions(client, () => START);
    await sessions.credentials(ROLE, {});
    await sessions.credentials(ROLE.replace('111122223333', '444455556666'), {});
    await sessions.credentials(ROLE, {});

    expect(sts.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('names sts:AssumeRole when the role is refused, and caches nothing', async () => {
    sts.on(AssumeRoleCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDenied' }));
    const sessions = new RoleSessions(client, () => START);

    const error = await sessions.credentials(ROLE, {}).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('sts:AssumeRole');
  });
});

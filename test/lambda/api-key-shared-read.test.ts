/**
 * A secret read shared by invocations that run at once in one process: the real SDK client
 * against the project's fake AWS, answering late. (Apart from api-key.test.ts, whose SDK mock
 * would answer in the fake's place.)
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { SecretApiKey } from '../../lambda/api-key';
import { ApiKeyError } from '../../lambda/errors';

const KEY = '3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c';
const SIX_HOURS = 6 * 60 * 60 * 1000;

describe('SecretApiKey: a read shared by invocations running at once', () => {
  const FAKE_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:datadog/api-key-AbCdEf`;
  let aws: FakeAws;

  beforeAll(async () => {
    // Every answer 400 ms late: a slow Secrets Manager.
    aws = await startFakeAws({ secrets: { [FAKE_ARN]: KEY }, latencyMs: 400 });
  });
  afterAll(async () => {
    await aws.close();
  });

  function slowSecret(): SecretApiKey {
    const client = new SecretsManagerClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    });
    return new SecretApiKey(client, { secretArn: FAKE_ARN, secretRegion: 'us-east-1', maxAgeMs: SIX_HOURS });
  }

  it("keeps reading for the second invocation when the first one's deadline passes, with one read for both", async () => {
    const source = slowSecret();
    aws.take();

    const first = source.get(AbortSignal.timeout(100));
    const second = source.get(AbortSignal.timeout(5_000));

    await expect(first).rejects.toThrow(`Secrets Manager did not answer for the secret ${FAKE_ARN} in time`);
    await expect(second).resolves.toBe(KEY);
    expect(aws.take().operations).toEqual({ GetSecretValue: 1 });
    expect(source.reads).toBe(1);
  });

  it('abandons the read once every invocation waiting for it has stopped waiting, and reads afresh for the next', async () => {
    const source = slowSecret();
    aws.take();

    const waits = [source.get(AbortSignal.timeout(50)), source.get(AbortSignal.timeout(100))];

    for (const wait of waits) await expect(wait).rejects.toBeInstanceOf(ApiKeyError);
    await expect(source.get(AbortSignal.timeout(5_000))).resolves.toBe(KEY);
    expect(source.reads).toBe(2);
  });
});

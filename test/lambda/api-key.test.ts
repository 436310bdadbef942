import {
  DecryptionFailure,
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { parseApiKey, SecretApiKey } from '../../lambda/api-key';
import { API_KEY_PLACEHOLDER } from '../../lambda/environment';
import { ApiKeyError, describeError } from '../../lambda/errors';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-api-key-AbCdEf';
const REGION = 'eu-west-1';
const KEY = '3f9a1c0b7d2e4f6a8b0c1d2e3f4a5b6c';
const ROTATED_KEY = 'ffeeddccbbaa99887766554433221100';
const SIX_HOURS = 6 * 60 * 60 * 1000;

const secretsMock = mockClient(SecretsManagerClient);

beforeEach(() => {
  secretsMock.reset();
});

/** Every way an error could carry the key into a log or a summary. */
function everythingSaidAbout(error: unknown): string {
  const parts = [describeError(error), String(error)];
  for (let current = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '');
  }
  return parts.join('\n');
}

function apiKey(options: { now?: () => number; maxAgeMs?: number } = {}): SecretApiKey {
  return new SecretApiKey(new SecretsManagerClient({ region: REGION }), {
    secretArn: SECRET_ARN,
    secretRegion: REGION,
    maxAgeMs: options.maxAgeMs ?? SIX_HOURS,
    now: options.now,
  });
}

describe('parseApiKey: accepted values', () => {
  it.each([
    { case: 'plain text', secret: KEY },
    { case: 'JSON with DD_API_KEY', secret: JSON.stringify({ DD_API_KEY: KEY }) },
    { case: 'JSON with other fields too', secret: JSON.stringify({ DD_APP_KEY: 'x', DD_API_KEY: KEY }) },
    { case: 'a trailing newline', secret: `${KEY}\n` },
    { case: 'surrounding spaces and tabs', secret: `  \t${KEY} \r\n` },
    { case: 'JSON with whitespace around the value', secret: `\n{"DD_API_KEY": " ${KEY}\\n"}\n` },
  ])('reads the key from $case', ({ secret }) => {
    expect(parseApiKey(secret, SECRET_ARN, REGION)).toBe(KEY);
  });

  it('accepts uppercase hexadecimal as it is', () => {
    expect(parseApiKey(KEY.toUpperCase(), SECRET_ARN, REGION)).toBe(KEY.toUpperCase());
  });
});

describe('parseApiKey: refused values', () => {
  it.each([
    { case: 'one character too many', secret: `${KEY}a`, message: /a key is 32 hexadecimal characters, the secret holds 33 characters\. / },
    { case: 'one character too few', secret: KEY.slice(1), message: /the secret holds 31 characters\. / },
    { case: 'an application key (40 characters)', secret: `${KEY}01234567`, message: /holds 40 characters\. Use an API key/ },
    {
      case: 'a character that is not hexadecimal',
      secret: `${KEY.slice(0, 31)}g`,
      message: /holds 32 characters including others than 0-9 and a-f/,
    },
    { case: 'a space inside the key', secret: `${KEY.slice(0, 16)} ${KEY.slice(16)}`, message: /holds 33 characters including others/ },
    { case: 'JSON whose DD_API_KEY is too long', secret: JSON.stringify({ DD_API_KEY: `${KEY}00` }), message: /holds 34 characters/ },
    { case: 'an empty string', secret: '', message: /^The secret \S+ is empty\. Put the key in it with: / },
    { case: 'only whitespace', secret: ' \n\t ', message: /is empty\./ },
    { case: 'JSON without DD_API_KEY', secret: JSON.stringify({ api_key: KEY }), message: /is JSON without a string field "DD_API_KEY"/ },
    {
      case: 'JSON whose DD_API_KEY is not a string',
      secret: '{"DD_API_KEY": 12345}',
      message: /is JSON without a string field "DD_API_KEY"/,
    },
    { case: 'JSON whose DD_API_KEY is empty', secret: '{"DD_API_KEY": "  "}', message: /is empty\./ },
    { case: 'broken JSON', secret: `{"DD_API_KEY": "${KEY}"`, message: /starts with "\{" but is not valid JSON/ },
  ])('refuses $case, naming the secret but never the value', ({ secret, message }) => {
    let error: unknown;
    try {
      parseApiKey(secret, SECRET_ARN, REGION);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ApiKeyError);
    expect((error as Error).name).toBe('ApiKeyError');
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(SECRET_ARN);
    expect(everythingSaidAbout(error)).not.toContain(KEY);
    expect(everythingSaidAbout(error)).not.toContain(KEY.slice(1));
    expect(everythingSaidAbout(error)).not.toContain(KEY.slice(0, 16));
  });

  it('refuses binary data (no SecretString) and says how to put a key in', () => {
    expect(() => parseApiKey(undefined, SECRET_ARN, REGION)).toThrow(
      `The secret ${SECRET_ARN} holds binary data, not a Datadog API key. Put the key in it with: ` +
        `aws secretsmanager put-secret-value --region eu-west-1 --secret-id '${SECRET_ARN}' --secret-string file:///dev/stdin`,
    );
  });

  it.each([
    { case: 'plain text', secret: API_KEY_PLACEHOLDER },
    { case: 'plain text with a newline', secret: `${API_KEY_PLACEHOLDER}\n` },
    { case: 'JSON', secret: JSON.stringify({ DD_API_KEY: API_KEY_PLACEHOLDER }) },
  ])('says "API key not set" with the put-secret-value command for the stack\'s placeholder ($case)', ({ secret }) => {
    expect(() => parseApiKey(secret, SECRET_ARN, REGION)).toThrow(
      new ApiKeyError(
        `API key not set: the secret ${SECRET_ARN} still holds the placeholder the stack created. Put the key in it with: ` +
          `aws secretsmanager put-secret-value --region eu-west-1 --secret-id '${SECRET_ARN}' ` +
          '--secret-string file:///dev/stdin (it reads the key from standard input: paste it, press Enter, then Ctrl-D)',
      ),
    );
  });
});

describe('SecretApiKey: reading the secret', () => {
  it('reads GetSecretValue with the secret ARN and returns the key', async () => {
    secretsMock.on(GetSecretValueCommand, { SecretId: SECRET_ARN }).resolves({ ARN: SECRET_ARN, SecretString: KEY });
    const source = apiKey();
    await expect(source.get()).resolves.toBe(KEY);
    expect(secretsMock).toHaveReceivedCommandExactlyOnceWith(GetSecretValueCommand, { SecretId: SECRET_ARN });
    expect(source.reads).toBe(1);
    expect(source.origin).toBe(`the secret ${SECRET_ARN}`);
    expect(source.origin).not.toContain(KEY);
  });

  it('reads the key from a JSON secret', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: `{"DD_API_KEY":"${KEY}"}\n` });
    await expect(apiKey().get()).resolves.toBe(KEY);
  });

  type Failure = { case: string; respond: (mock: typeof secretsMock) => void; message: RegExp };
  const failures: Failure[] = [
    {
      case: 'a binary secret (SecretBinary only)',
      respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretBinary: new TextEncoder().encode(KEY) }),
      message: /holds binary data/,
    },
    { case: 'an empty secret', respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretString: '' }), message: /is empty/ },
    {
      case: 'a key of the wrong length',
      respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretString: `${KEY}ab` }),
      message: /32 hexadecimal characters, the secret holds 34 characters/,
    },
    {
      case: 'a key that is not hexadecimal',
      respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretString: `${KEY.slice(0, 30)}zz` }),
      message: /including others than 0-9 and a-f/,
    },
    {
      case: 'JSON without DD_API_KEY',
      respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ key: KEY }) }),
      message: /without a string field "DD_API_KEY"/,
    },
    {
      case: 'the placeholder',
      respond: (mock) => mock.on(GetSecretValueCommand).resolves({ SecretString: API_KEY_PLACEHOLDER }),
      message: /^API key not set: .* aws secretsmanager put-secret-value --region eu-west-1 --secret-id /,
    },
    {
      case: 'ResourceNotFoundException',
      respond: (mock) =>
        mock
          .on(GetSecretValueCommand)
          .rejects(new ResourceNotFoundException({ message: "Secrets Manager can't find the specified secret.", $metadata: {} })),
      message: /^The secret \S+ does not exist \(or has no value yet\)\. Check DD_API_KEY_SECRET_ARN/,
    },
    {
      case: 'AccessDeniedException',
      respond: (mock) =>
        mock.on(GetSecretValueCommand).rejects(
          new SecretsManagerServiceException({
            name: 'AccessDeniedException',
            $fault: 'client',
            $metadata: {},
            message: 'not authorized',
          }),
        ),
      message: /^AWS denied secretsmanager:GetSecretValue on \S+: the function's role needs it, and kms:Decrypt/,
    },
    {
      case: 'DecryptionFailure',
      respond: (mock) => mock.on(GetSecretValueCommand).rejects(new DecryptionFailure({ message: 'KMS denied', $metadata: {} })),
      message: /could not decrypt .*: grant kms:Decrypt/,
    },
    {
      case: 'any other AWS error',
      respond: (mock) =>
        mock
          .on(GetSecretValueCommand)
          .rejects(new SecretsManagerServiceException({ name: 'InternalServiceError', $fault: 'server', $metadata: {}, message: 'boom' })),
      message: /^Could not read the secret \S+: InternalServiceError: boom$/,
    },
  ];

  it.each(failures)('fails with an ApiKeyError naming the secret, and never the key, on $case', async ({ respond, message }) => {
    respond(secretsMock);
    const error = await apiKey()
      .get()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiKeyError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toContain(SECRET_ARN);
    expect(everythingSaidAbout(error)).not.toContain(KEY);
    expect(everythingSaidAbout(error)).not.toContain(KEY.slice(0, 16));
  });

  it('keeps the AWS error as the cause', async () => {
    const notFound = new ResourceNotFoundException({ message: 'no such secret', $metadata: {} });
    secretsMock.on(GetSecretValueCommand).rejects(notFound);
    const error = await apiKey()
      .get()
      .catch((caught: unknown) => caught);
    expect((error as Error).cause).toBe(notFound);
  });
});

describe('SecretApiKey: the cache', () => {
  it('shares one read among refreshes asked for at the same time, and reads again afterwards', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    const source = apiKey();
    const keys = await Promise.all([source.refresh(), source.refresh(), source.refresh(), source.get()]);
    expect(keys).toEqual([KEY, KEY, KEY, KEY]);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(source.reads).toBe(1);

    await source.refresh();
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('lets every caller of a shared read see its failure, and the next refresh try again', async () => {
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: 'not a key' }).resolves({ SecretString: KEY });
    const source = apiKey();
    const outcomes = await Promise.allSettled([source.refresh(), source.refresh()]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    await expect(source.refresh()).resolves.toBe(KEY);
  });

  it('serves the second get() from the cache without a call', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    let clock = 1_000_000;
    const source = apiKey({ now: () => clock });
    await source.get();
    clock += 60_000;
    await expect(source.get()).resolves.toBe(KEY);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);
    expect(source.reads).toBe(1);
  });

  it('re-reads the secret once the maximum age has passed, and picks up a rotated key', async () => {
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: KEY }).resolves({ SecretString: ROTATED_KEY });
    let clock = 1_000_000;
    const source = apiKey({ now: () => clock, maxAgeMs: SIX_HOURS });

    await expect(source.get()).resolves.toBe(KEY);
    clock += SIX_HOURS - 1;
    await expect(source.get()).resolves.toBe(KEY);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);

    clock += 1;
    await expect(source.get()).resolves.toBe(ROTATED_KEY);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(source.reads).toBe(2);
  });

  it('counts the maximum age from the last read, not the first', async () => {
    secretsMock.on(GetSecretValueCommand).resolves({ SecretString: KEY });
    let clock = 0;
    const source = apiKey({ now: () => clock, maxAgeMs: 1000 });
    await source.get();
    clock = 1000;
    await source.get();
    clock = 1999;
    await source.get();
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('re-reads on refresh() even while the cache is fresh, and serves the new key afterwards', async () => {
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: KEY }).resolves({ SecretString: ROTATED_KEY });
    const clock = 1_000_000;
    const source = apiKey({ now: () => clock });
    await source.get();
    await expect(source.refresh()).resolves.toBe(ROTATED_KEY);
    await expect(source.get()).resolves.toBe(ROTATED_KEY);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    expect(source.reads).toBe(2);
  });

  it('drops the old key when a refresh fails, so the next get() reads again instead of using a refused key', async () => {
    secretsMock
      .on(GetSecretValueCommand)
      .resolvesOnce({ SecretString: KEY })
      .rejectsOnce(new SecretsManagerServiceException({ name: 'InternalServiceError', $fault: 'server', $metadata: {}, message: 'boom' }))
      .resolves({ SecretString: ROTATED_KEY });
    const source = apiKey({ now: () => 0 });
    await source.get();
    await expect(source.refresh()).rejects.toBeInstanceOf(ApiKeyError);
    await expect(source.get()).resolves.toBe(ROTATED_KEY);
    expect(secretsMock).toHaveReceivedCommandTimes(GetSecretValueCommand, 3);
  });

  it('does not cache a refused value: the next get() reads the secret again', async () => {
    secretsMock.on(GetSecretValueCommand).resolvesOnce({ SecretString: API_KEY_PLACEHOLDER }).resolves({ SecretString: KEY });
    const source = apiKey({ now: () => 0 });
    await expect(source.get()).rejects.toThrow(/^API key not set/);
    await expect(source.get()).resolves.toBe(KEY);
    expect(source.reads).toBe(2);
  });
});

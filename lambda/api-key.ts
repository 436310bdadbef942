/**
 * The Datadog API key, read from AWS Secrets Manager and cached for the life of the execution
 * environment, up to a maximum age. Every message here names the secret, never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ApiKeySource } from './datadog/submit';
import { API_KEY_PLACEHOLDER, putApiKeyCommand } from './environment';
import { ActionableError, ApiKeyError } from './errors';
import { explainAwsError, isAccessDenied } from './sources/aws-errors';

const API_KEY_FORMAT = /^[0-9a-f]{32}$/i;

/**
 * Extracts and checks the key from a secret's string: plaintext, or JSON with a `DD_API_KEY`
 * field (the Datadog Forwarder's convention). Surrounding whitespace is trimmed.
 * @throws ApiKeyError saying what is wrong and how to fix it.
 */
export function parseApiKey(secretString: string | undefined, secretArn: string, secretRegion: string): string {
  const fix =
    `Put the key in it with: ${putApiKeyCommand(secretArn, secretRegion)} ` +
    '(it reads the key from standard input: paste it, press Enter, then Ctrl-D)';
  if (secretString === undefined) {
    throw new ApiKeyError(`The secret ${secretArn} holds binary data, not a Datadog API key.`, { fix });
  }
  let value = secretString.trim();
  if (value.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new ApiKeyError(`The secret ${secretArn} starts with "{" but is not valid JSON.`, { fix });
    }
    const field = (parsed as Record<string, unknown>).DD_API_KEY;
    if (typeof field !== 'string') {
      throw new ApiKeyError(
        `The secret ${secretArn} is JSON without a string field "DD_API_KEY". Store the key as plain text or as {"DD_API_KEY": "<key>"}.`,
      );
    }
    value = field.trim();
  }
  if (value === API_KEY_PLACEHOLDER) {
    throw new ApiKeyError(`API key not set: the secret ${secretArn} still holds the placeholder the stack created.`, { fix });
  }
  if (value === '') throw new ApiKeyError(`The secret ${secretArn} is empty.`, { fix });
  const problem = apiKeyFormatProblem(value, 'the secret');
  if (problem !== undefined) {
    throw new ApiKeyError(`The secret ${secretArn} does not hold a Datadog API key: ${problem}`, { fix });
  }
  return value;
}

/**
 * What is wrong with a candidate key's format, without repeating the key; `undefined` when it
 * is 32 hexadecimal characters.
 * @param holder where the key was found, for the message (e.g. `the secret`).
 */
export function apiKeyFormatProblem(key: string, holder: string): string | undefined {
  if (API_KEY_FORMAT.test(key)) return undefined;
  const others = /^[0-9a-f]*$/i.test(key) ? '' : ' including others than 0-9 and a-f';
  return (
    `a key is 32 hexadecimal characters, ${holder} holds ${key.length} characters${others}. ` +
    'Use an API key (Organization settings > API keys), not an application key.'
  );
}

export interface SecretApiKeyOptions {
  readonly secretArn: string;
  readonly secretRegion: string;
  readonly maxAgeMs: number;
  readonly now?: () => number;
}

/** An API key source backed by one secret, with a cache that a 403 can drop. */
export class SecretApiKey implements ApiKeySource {
  public readonly origin: string;
  private cached: { key: string; readAt: number } | undefined;
  private inFlight: Promise<string> | undefined;
  /** Secret reads since this object was created (for the run summary). */
  public reads = 0;

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: SecretApiKeyOptions,
  ) {
    this.origin = `the secret ${options.secretArn}`;
  }

  public async get(signal?: AbortSignal): Promise<string> {
    const now = (this.options.now ?? Date.now)();
    if (this.cached !== undefined && now - this.cached.readAt < this.options.maxAgeMs) return this.cached.key;
    return this.refresh(signal);
  }

  /**
   * Reads the secret again. Callers that ask while a read is under way share it: several
   * bodies refused with the same stale key cost one read, not one each.
   */
  public refresh(signal?: AbortSignal): Promise<string> {
    this.inFlight ??= this.read(signal).finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  private async read(signal?: AbortSignal): Promise<string> {
    this.cached = undefined;
    this.reads += 1;
    const { secretArn, secretRegion } = this.options;
    let secretString: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }), { abortSignal: signal });
      secretString = response.SecretString;
    } catch (error) {
      throw explainSecretError(error, secretArn);
    }
    const key = parseApiKey(secretString, secretArn, secretRegion);
    this.cached = { key, readAt: (this.options.now ?? Date.now)() };
    return key;
  }
}

function explainSecretError(error: unknown, secretArn: string): ApiKeyError {
  const name = error instanceof Error ? error.name : '';
  if (name === 'AbortError' || name === 'TimeoutError') {
    return new ApiKeyError(
      `Secrets Manager did not answer for the secret ${secretArn} in time: the run stopped waiting so that it could end ` +
        "before the function's timeout. It is read again on the next run; if this keeps happening, check the function's " +
        'network path to Secrets Manager (VPC endpoint or NAT).',
      { cause: error },
    );
  }
  if (name === 'ResourceNotFoundException') {
    return new ApiKeyError(
      (setting) => `The secret ${secretArn} does not exist (or has no value yet). Check ${setting('apiKeySecretArn')}.`,
      { cause: error },
    );
  }
  if (isAccessDenied(error)) {
    return new ApiKeyError(
      (setting) =>
        `AWS denied secretsmanager:GetSecretValue on ${secretArn}: the function's role needs it, and kms:Decrypt on the ` +
        `secret's key when it uses a customer-managed KMS key (${setting('apiKeySecretKmsKeyArn')}).`,
      { cause: error },
    );
  }
  if (name === 'DecryptionFailure' || name === 'KMSAccessDeniedException') {
    return new ApiKeyError(
      (setting) =>
        `Secrets Manager could not decrypt ${secretArn}: grant kms:Decrypt on its KMS key (${setting('apiKeySecretKmsKeyArn')}).`,
      { cause: error },
    );
  }
  // AWS not reachable, credentials missing or expired: the same explanation as the sources' calls.
  const explained = explainAwsError(error, 'secretsmanager:GetSecretValue');
  if (explained instanceof ActionableError) {
    return new ApiKeyError(`Could not read the secret ${secretArn}: ${explained.problem}`, { fix: explained.fix, cause: error });
  }
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ApiKeyError(`Could not read the secret ${secretArn}: ${detail}`, { cause: error });
}

/**
 * The Datadog API key, read from AWS Secrets Manager and cached for the life of the execution
 * environment, up to a maximum age. Every message here names the secret, never its value.
 */
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { ApiKeySource } from './datadog/submit';
import { API_KEY_PLACEHOLDER, putApiKeyCommand } from './environment';
import { ActionableError, ApiKeyError, describeError } from './errors';
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
  private shared: SharedRead | undefined;
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
   * bodies refused with the same stale key, or invocations running at once in one process,
   * cost one read, not one each. Each caller stops waiting when its own `signal` aborts; the
   * read itself is abandoned only when no caller waits for it any more, so one invocation's
   * deadline never cancels the read another is still waiting for.
   */
  public refresh(signal?: AbortSignal): Promise<string> {
    let shared = this.shared;
    if (shared === undefined) {
      const controller = new AbortController();
      const read = this.read(controller.signal).finally(() => {
        if (this.shared === shared) this.shared = undefined;
      });
      // Observed by each waiter; a read abandoned by all of them must not be an unhandled rejection.
      read.catch(() => undefined);
      shared = this.shared = { read, controller, waiting: 0 };
    }
    return this.wait(shared, signal);
  }

  private wait(shared: SharedRead, signal: AbortSignal | undefined): Promise<string> {
    shared.waiting += 1;
    // A caller without a signal waits as long as the read takes: it is never counted out.
    if (signal === undefined) return shared.read;
    const { secretArn } = this.options;
    return new Promise((resolve, reject) => {
      let waiting = true;
      const leave = (): boolean => {
        if (!waiting) return false;
        waiting = false;
        shared.waiting -= 1;
        signal.removeEventListener('abort', giveUp);
        return true;
      };
      const giveUp = (): void => {
        if (!leave()) return;
        if (shared.waiting === 0) {
          // Abandoned: a caller that comes later starts a read of its own.
          if (this.shared === shared) this.shared = undefined;
          shared.controller.abort();
        }
        reject(explainSecretError(signal.reason, secretArn, true));
      };
      if (signal.aborted) return giveUp();
      signal.addEventListener('abort', giveUp);
      shared.read.then(
        (key) => leave() && resolve(key),
        (error: unknown) => leave() && reject(error),
      );
    });
  }

  private async read(signal: AbortSignal): Promise<string> {
    this.cached = undefined;
    this.reads += 1;
    const { secretArn, secretRegion } = this.options;
    let secretString: string | undefined;
    try {
      const response = await this.client.send(new GetSecretValueCommand({ SecretId: secretArn }), { abortSignal: signal });
      secretString = response.SecretString;
    } catch (error) {
      throw explainSecretError(error, secretArn, signal.aborted);
    }
    const key = parseApiKey(secretString, secretArn, secretRegion);
    this.cached = { key, readAt: (this.options.now ?? Date.now)() };
    return key;
  }
}

/** One secret read and the callers waiting for it. */
interface SharedRead {
  readonly read: Promise<string>;
  /** Aborts the read when the last waiter gives up. */
  readonly controller: AbortController;
  waiting: number;
}

/** @param gaveUp the caller stopped waiting (its deadline came): the read did not fail, it was too slow. */
function explainSecretError(error: unknown, secretArn: string, gaveUp: boolean): ApiKeyError {
  const name = error instanceof Error ? error.name : '';
  if (gaveUp || name === 'AbortError' || name === 'TimeoutError') {
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
  if (name === 'SyntaxError') return malformedAnswer(secretArn, error);
  // AWS not reachable, credentials missing or expired: the same explanation as the sources' calls.
  const explained = explainAwsError(error, 'secretsmanager:GetSecretValue');
  if (explained instanceof ActionableError) {
    return new ApiKeyError(`Could not read the secret ${secretArn}: ${explained.problem}`, { fix: explained.fix, cause: error });
  }
  return new ApiKeyError(`Could not read the secret ${secretArn}: ${describeError(error)}`, { cause: error });
}

/**
 * GetSecretValue answered with a body that is not JSON: the SDK's `SyntaxError` quotes its first
 * characters, which may be the key itself (a proxy answering with the bare secret). Described,
 * never quoted, and without the SDK's error as its cause, so nothing prints the fragment.
 */
function malformedAnswer(secretArn: string, error: unknown): ApiKeyError {
  const length = Number((error as { $response?: { headers?: Record<string, string> } }).$response?.headers?.['content-length']);
  const what = Number.isInteger(length) && length > 0 ? `a body of ${length} bytes` : 'a body';
  return new ApiKeyError(
    `Secrets Manager answered GetSecretValue for the secret ${secretArn} with ${what} that is not JSON, as its API's answers ` +
      'are (not shown: it may hold the key). Something between the function and Secrets Manager answered in its place.',
    { fix: 'Check AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SECRETS_MANAGER) and any proxy or VPC endpoint on the way to Secrets Manager.' },
  );
}

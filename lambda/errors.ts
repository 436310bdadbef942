/**
 * Typed errors. Each message says what went wrong and what to do about it, and none of them
 * ever carries the API key: they name the secret, never its value.
 */

/** One or more environment variables are missing or malformed. */
export class ConfigError extends Error {
  public override readonly name = 'ConfigError';
  constructor(public readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/** The Datadog API key could not be read from its secret, or is not usable. */
export class ApiKeyError extends Error {
  public override readonly name = 'ApiKeyError';
  // Private fields with getters: the error's own enumerable properties stay those of any
  // Error, so it compares, serializes and logs as its message.
  readonly #problem: string;
  readonly #fix: string | undefined;
  constructor(problem: string, options?: { cause?: unknown; fix?: string }) {
    super(options?.fix === undefined ? problem : `${problem} ${options.fix}`, { cause: options?.cause });
    this.#problem = problem;
    this.#fix = options?.fix;
  }

  /** What is wrong, alone; `message` is this followed by `fix`. */
  public get problem(): string {
    return this.#problem;
  }

  /** How to fix it, when there is one command to give (putting the key in the secret). */
  public get fix(): string | undefined {
    return this.#fix;
  }
}

/** AWS refused an API call for lack of permission; the message names the IAM action. */
export class AccessDeniedError extends Error {
  public override readonly name = 'AccessDeniedError';
  constructor(
    public readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS denied ${action}: the function's role needs the IAM permission "${action}". ` +
        'Redeploy the stack, or add the permission if you deploy the function yourself.',
      options,
    );
  }
}

/** An AWS call was abandoned so that the run could send what it had before the function's timeout. */
export class AwsTimeoutError extends Error {
  public override readonly name = 'AwsTimeoutError';
  constructor(
    public readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS did not answer ${action} in time: the call was abandoned so that the metrics already collected could be ` +
        "sent before the function's timeout. It is tried again on the next run; if this keeps happening, raise the " +
        "function's timeout or check its network path to AWS.",
      options,
    );
  }
}

/** The account has no `AWS/Billing` metrics at all: billing alerts are off. */
export class NoBillingMetricsError extends Error {
  public override readonly name = 'NoBillingMetricsError';
  constructor() {
    super(
      'No AWS/Billing EstimatedCharges metrics in us-east-1. Turn on "Receive Billing Alerts" ' +
        '(Billing and Cost Management console > Billing preferences > Alert preferences); the ' +
        'first figures appear within about a day. Or turn this source off with ' +
        'COLLECT_ESTIMATED_CHARGES=false (context key collectEstimatedCharges).',
    );
  }
}

/** Datadog refused or failed a request, after any retries that made sense. */
export class DatadogSubmitError extends Error {
  public override readonly name = 'DatadogSubmitError';
  constructor(
    message: string,
    /** HTTP status of the last attempt; undefined for a network error or a time-out. */
    public readonly status: number | undefined,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The run finished with errors after sending what it could; thrown so Lambda counts an error. */
export class CollectionError extends Error {
  public override readonly name = 'CollectionError';
  constructor(public readonly errors: readonly string[]) {
    super(`Collection finished with ${errors.length} error(s): ${errors.join(' | ')}`);
  }
}

/** A short, key-free description of any thrown value, for logs and summaries. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

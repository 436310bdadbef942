import { AccessDeniedError, AwsCredentialsError, AwsTimeoutError, AwsUnreachableError } from '../errors';

const ACCESS_DENIED_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** Whether an AWS SDK error means the caller lacks an IAM permission. */
export function isAccessDenied(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return ACCESS_DENIED_NAMES.has(error.name);
}

/**
 * Why an AWS call failed, for the failures whose fix is on the caller's side and differs from
 * one to the next: AWS not reachable (endpoint, DNS, proxy, network), no usable credentials,
 * expired credentials, or a missing IAM permission.
 */
export type AwsFailure =
  | { readonly kind: 'unreachable'; readonly where: string; readonly reason: string }
  | { readonly kind: 'noCredentials' }
  | { readonly kind: 'expiredCredentials' }
  | { readonly kind: 'accessDenied' };

/** Node's network error codes: the request never got an answer from AWS. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH']);
/** AWS's answers to a session token or a signature past its time. */
const EXPIRED_NAMES = new Set(['ExpiredToken', 'ExpiredTokenException', 'RequestExpired']);
/** The SDK's credential chain found nothing, or AWS does not know the key it signed with. */
const NO_CREDENTIALS_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
]);

/** The failure's kind, or undefined for any other error (throttling, a bad request, a bug). */
export function awsFailure(error: unknown): AwsFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  if (isAccessDenied(error)) return { kind: 'accessDenied' };
  // An SSO session past its time fails in the credential chain, not at AWS.
  if (EXPIRED_NAMES.has(error.name) || (NO_CREDENTIALS_NAMES.has(error.name) && /expired/i.test(error.message))) {
    return { kind: 'expiredCredentials' };
  }
  if (NO_CREDENTIALS_NAMES.has(error.name)) return { kind: 'noCredentials' };
  const network = error as Error & { code?: unknown; hostname?: unknown; address?: unknown; port?: unknown };
  const code = typeof network.code === 'string' ? network.code : undefined;
  // The SDK's HTTP handler names its connection and request time-outs TimeoutError; the run's
  // own abort signal is an AbortError, told apart by callNeeding.
  if ((code !== undefined && UNREACHABLE_CODES.has(code)) || error.name === 'TimeoutError') {
    const where =
      typeof network.hostname === 'string'
        ? network.hostname
        : typeof network.address === 'string'
          ? `${network.address}${typeof network.port === 'number' ? `:${network.port}` : ''}`
          : 'the AWS endpoint';
    return { kind: 'unreachable', where, reason: code ?? 'no answer in time' };
  }
  return undefined;
}

/**
 * The function's explanation of an AWS failure, naming `action`, the IAM permission the call
 * needs: an error whose fix fits the failure's kind; any other error passes through unchanged.
 */
export function explainAwsError(error: unknown, action: string): unknown {
  const failure = awsFailure(error);
  switch (failure?.kind) {
    case 'accessDenied':
      return new AccessDeniedError(action, { cause: error });
    case 'unreachable':
      return new AwsUnreachableError(action, failure.where, failure.reason, { cause: error });
    case 'noCredentials':
    case 'expiredCredentials':
      return new AwsCredentialsError(action, failure.kind === 'expiredCredentials', { cause: error });
    case undefined:
      return error;
  }
}

/**
 * Makes one AWS call; a failure whose fix is known (no permission, AWS not reachable,
 * credentials missing or expired) becomes an error naming `action`, the IAM permission the
 * call needs, and what to do.
 */
export async function callNeeding<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // The run's abort signal fired: say which call, rather than the SDK's "Request aborted".
    if (error instanceof Error && error.name === 'AbortError') throw new AwsTimeoutError(action, { cause: error });
    throw explainAwsError(error, action);
  }
}

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
export type AwsFailure = 'unreachable' | 'noCredentials' | 'expiredCredentials' | 'accessDenied';

// Regular expressions rather than sets of names: the function's bundle is measured by the byte.
/** Node's network error codes: the request never got an answer from AWS. */
const NETWORK_CODES = /^E(CONNREFUSED|NOTFOUND|AI_AGAIN|TIMEDOUT|CONNRESET|HOSTUNREACH|NETUNREACH)$/;
/** AWS's answers to a session token or a signature past its time. */
const EXPIRED_NAMES = /^(ExpiredToken(Exception)?|RequestExpired)$/;
/** The SDK's credential chain found nothing, or AWS does not know the key it signed with. */
const NO_CREDENTIALS_NAMES =
  /^(CredentialsProviderError|TokenProviderError|InvalidClientTokenId|UnrecognizedClientException|InvalidAccessKeyId)$/;

/** The network details Node puts on a failed connection. */
type NetworkError = Error & { code?: string; hostname?: string; address?: string; port?: number };

/** The failure's kind, or undefined for any other error (throttling, a bad request, a bug). */
export function awsFailure(error: unknown): AwsFailure | undefined {
  if (!(error instanceof Error)) return undefined;
  const { name, message, code } = error as NetworkError;
  if (isAccessDenied(error)) return 'accessDenied';
  // An SSO session past its time fails in the credential chain, not at AWS.
  if (EXPIRED_NAMES.test(name) || (NO_CREDENTIALS_NAMES.test(name) && /expired/i.test(message))) return 'expiredCredentials';
  if (NO_CREDENTIALS_NAMES.test(name)) return 'noCredentials';
  // The SDK's HTTP handler names its connection and socket time-outs TimeoutError; the run's own
  // abort signal is an AbortError, told apart by callNeeding.
  if (NETWORK_CODES.test(String(code)) || name === 'TimeoutError') return 'unreachable';
  return undefined;
}

/** Where an unreachable call went (the host, or the address and port) and why it failed. */
export function unreachableAt(error: unknown): { readonly where: string; readonly reason: string } {
  const { hostname, address, port, code } = error as NetworkError;
  const where = hostname ?? (address === undefined ? 'the AWS endpoint' : port === undefined ? address : `${address}:${port}`);
  return { where, reason: code ?? 'no answer in time' };
}

/**
 * The function's explanation of an AWS failure, naming `action`, the IAM permission the call
 * needs: an error whose fix fits the failure's kind; any other error passes through unchanged.
 */
export function explainAwsError(error: unknown, action: string): unknown {
  const failure = awsFailure(error);
  if (failure === 'accessDenied') return new AccessDeniedError(action, { cause: error });
  if (failure === 'unreachable') {
    const { where, reason } = unreachableAt(error);
    return new AwsUnreachableError(action, where, reason, { cause: error });
  }
  return failure === undefined ? error : new AwsCredentialsError(action, failure === 'expiredCredentials', { cause: error });
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

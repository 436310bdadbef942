import { AccessDeniedError, AwsTimeoutError } from '../errors';

const ACCESS_DENIED_NAMES = new Set(['AccessDeniedException', 'AccessDenied', 'UnauthorizedOperation']);

/** Whether an AWS SDK error means the caller lacks an IAM permission. */
export function isAccessDenied(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  return ACCESS_DENIED_NAMES.has(error.name);
}

/**
 * Turns an AWS access-denied error into one that names the IAM action to grant; any other
 * error passes through unchanged.
 */
function explainAccessDenied(error: unknown, action: string): unknown {
  return isAccessDenied(error) ? new AccessDeniedError(action, { cause: error }) : error;
}

/**
 * Makes one AWS call; an access-denied failure becomes an error naming `action`, the IAM
 * permission the call needs.
 */
export async function callNeeding<T>(action: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    // The run's abort signal fired: say which call, rather than the SDK's "Request aborted".
    if (error instanceof Error && error.name === 'AbortError') throw new AwsTimeoutError(action, { cause: error });
    throw explainAccessDenied(error, action);
  }
}

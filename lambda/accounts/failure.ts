/**
 * What went wrong with one account, told apart by the one classifier of AWS failures
 * (`sources/aws-errors.ts`): refused, throttled after the SDK's retries, out of time,
 * unreachable, or credentials. The account's warning and `check`'s row say it with its fix.
 */
import {
  AccessDeniedError,
  AccountReadError,
  ActionableError,
  AwsCredentialsError,
  AwsTimeoutError,
  AwsUnreachableError,
  type AccountFailure,
} from '../errors';
import { shownValue } from '../secret-shape';
import { awsFailure } from '../sources/aws-errors';
import type { OrganizationAccount } from './list';

/** AWS's names for a request refused for its rate, as the SDK gives them after its last retry. */
const THROTTLED = /^(Throttling(Exception)?|ThrottledException|TooManyRequestsException|RequestLimitExceeded|SlowDown)$/;

/** The account's error: why it failed, and what to do. */
export function accountError(account: OrganizationAccount, error: unknown, roleName: string, timedOut: boolean): AccountReadError {
  const { failure, reason } = classify(error, timedOut);
  const fix = error instanceof ActionableError ? error.fix : undefined;
  return new AccountReadError(account.id, shownValue(account.name), failure, reason, {
    roleName,
    cause: error,
    ...(fix === undefined ? {} : { fix }),
  });
}

function classify(error: unknown, timedOut: boolean): { failure: AccountFailure; reason: string } {
  if (error instanceof AccessDeniedError) return { failure: 'denied', reason: `AWS denied ${error.action}` };
  // A probe's call, made without callNeeding: the SDK's own error.
  if (awsFailure(error) === 'accessDenied') return { failure: 'denied', reason: `AWS denied the call (${(error as Error).name})` };
  if (timedOut || error instanceof AwsTimeoutError) return { failure: 'timeout', reason: 'it did not answer within its share of the run' };
  if (error instanceof AwsUnreachableError) return { failure: 'unreachable', reason: error.problem };
  const name = error instanceof Error ? error.name : '';
  if (THROTTLED.test(name)) return { failure: 'throttled', reason: "AWS kept throttling it after the SDK's retries" };
  const kind = awsFailure(error);
  if (error instanceof AwsCredentialsError || kind === 'expiredCredentials' || kind === 'noCredentials')
    return { failure: 'credentials', reason: 'its credentials were refused or had expired' };
  const message =
    error instanceof ActionableError ? error.problem : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return { failure: 'other', reason: message.replace(/\.$/, '') };
}

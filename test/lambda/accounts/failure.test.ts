import { describe, expect, it } from 'vitest';
import { accountError } from '../../../lambda/accounts/failure';
import { AccessDeniedError, AwsCredentialsError, AwsTimeoutError, AwsUnreachableError } from '../../../lambda/errors';

const ACCOUNT = { id: '222222222222', name: 'Team A', tags: [] };
const ROLE = 'aws-billing-to-datadog-reader';
const named = (name: string): Error => Object.assign(new Error(name), { name });

describe('accountError', () => {
  it.each([
    { error: new AccessDeniedError('sts:AssumeRole'), failure: 'denied', reason: 'AWS denied sts:AssumeRole' },
    { error: new AccessDeniedError('budgets:ViewBudget'), failure: 'denied', reason: 'AWS denied budgets:ViewBudget' },
    { error: named('AccessDeniedException'), failure: 'denied', reason: 'AWS denied the call (AccessDeniedException)' },
    { error: named('ThrottlingException'), failure: 'throttled', reason: "AWS kept throttling it after the SDK's retries" },
    { error: named('Throttling'), failure: 'throttled', reason: "AWS kept throttling it after the SDK's retries" },
    { error: new AwsTimeoutError('budgets:ViewBudget'), failure: 'timeout', reason: 'it did not answer within its share of the run' },
    {
      error: new AwsUnreachableError('sts:AssumeRole', 'sts.amazonaws.com', 'ENOTFOUND'),
      failure: 'unreachable',
      reason: 'AWS could not be reached',
    },
    {
      error: new AwsCredentialsError('sts:AssumeRole', true),
      failure: 'credentials',
      reason: 'its credentials were refused or had expired',
    },
    { error: named('InternalFailure'), failure: 'other', reason: 'InternalFailure: InternalFailure' },
  ])('tells $failure apart: $reason', ({ error, failure, reason }) => {
    const explained = accountError(ACCOUNT, error, ROLE, false);

    expect(explained.failure).toBe(failure);
    expect(explained.accountId).toBe(ACCOUNT.id);
    expect(explained.problem).toContain(`Account 222222222222 ("Team A") was not read: ${reason}`);
  });

  it('gives the fix of a refused role: the member role, the StackSet, the deny list', () => {
    expect(accountError(ACCOUNT, new AccessDeniedError('sts:AssumeRole'), ROLE, false).fix).toBe(
      `Deploy the member role ${ROLE} to the account's organizational unit with the StackSet of the org stack ` +
        '(docs/organizations.md), or leave the account out with ACCOUNT_DENYLIST (context key accountDenylist).',
    );
  });

  it('counts an account aborted by its own time bound as out of time, whatever the error', () => {
    expect(accountError(ACCOUNT, named('AbortError'), ROLE, true).failure).toBe('timeout');
  });

  it('shows a name that looks like a secret by its shape, not its value', () => {
    const secretish = { ...ACCOUNT, name: '0123456789abcdef0123456789abcdef' };
    expect(accountError(secretish, named('Throttling'), ROLE, false).message).not.toContain('0123456789abcdef0123456789abcdef');
  });
});

import { describe, expect, it } from 'vitest';
import { accountTimeoutMs } from '../../../lambda/accounts/read';

describe('accountTimeoutMs', () => {
  it.each([
    { awsMs: 0, bound: 1_000 },
    { awsMs: 9_000, bound: 1_000 },
    { awsMs: 15_000, bound: 1_500 },
    // A 15-minute function: about 14.7 minutes of AWS time, 88 s an account.
    { awsMs: 880_000, bound: 88_000 },
  ])('gives an account a tenth of $awsMs ms of AWS time, at least 1 s: $bound ms', ({ awsMs, bound }) => {
    expect(accountTimeoutMs(awsMs)).toBe(bound);
  });
});

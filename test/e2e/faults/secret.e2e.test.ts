/**
 * The fault matrix, the API key secret: every shape a user may leave the secret in, read by the
 * bundled collector from moto (or, where moto cannot store the shape, rewritten by the proxy).
 * A usable key is sent; anything else is a clear error that names the secret, never its value,
 * and the sources still run and log their summary.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_PLACEHOLDER } from '../../../lambda/environment';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { createCostBudget, putEstimatedCharges } from '../../support/seed';
import { aMinuteAgo, putApiKeySecret } from '../support/aws-seed';
import { E2E_SECRET } from '../support/bundle';
import { ACCOUNT, budgetSeries, chargeSeries, healthSeries, linesOf } from '../support/expected-series';
import { TARGETS } from '../support/fault-proxy';
import { requestProblems, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation } from '../support/invoke';

/** Values that must never appear in any output: the key, and the keys that are not quite keys. */
const WRONG_LENGTH = { short: 'fedcba9876543210fedcba987654321', applicationKey: 'aaaabbbbccccddddeeeeffff0000111122223333' };
const NOT_HEX = 'zyxwvutsrqponmlkjihgfedcba012345';
const SECRET_VALUES = [TEST_API_KEY, WRONG_LENGTH.short, WRONG_LENGTH.applicationKey, NOT_HEX];

const BUDGET = { name: 'Team Platform', tag: 'team_platform', limit: '1000', actual: '604.456' };
const TOTAL = { dimensions: { Currency: 'USD' }, value: 250.75 };

const PUT_COMMAND = `aws secretsmanager put-secret-value --region us-east-1 --secret-id '${E2E_SECRET.arn}' --secret-string file:///dev/stdin`;

describe('the API key secret, read by the bundled collector', () => {
  let h: Harness;

  useHarness((started) => (h = started), { secrets: SECRET_VALUES });
  beforeEach(async () => {
    await h.reset();
    await Promise.all([
      createCostBudget(h.moto.endpoint, ACCOUNT, BUDGET),
      putEstimatedCharges(h.moto.endpoint, [{ ...TOTAL, timestamp: aMinuteAgo() }]),
    ]);
  });

  /** Nothing sent, the sources ran, the summary is logged, and the run throws an error holding every fragment. */
  function expectRejected(invocation: Invocation, ...fragments: string[]): void {
    expect(invocation.outcome).toMatchObject({ status: 'threw', error: { name: 'CollectionError' } });
    const thrown = invocation.outcome.status === 'threw' ? invocation.outcome.error.message : '';
    for (const fragment of fragments) expect(thrown).toContain(fragment);
    expect(h.intake.requests).toEqual([]);
    expect(runSummary(invocation)).toMatchObject({
      level: 'ERROR',
      status: 'failure',
      awsCalls: { DescribeBudgets: 1, ListMetrics: 1, GetMetricData: 1, GetSecretValue: 1 },
      datadog: { requests: 0, seriesSent: 0 },
      errors: [expect.stringMatching(/^ApiKeyError: /)],
    });
  }

  describe('accepted', () => {
    it.each([
      ['a trailing newline', `${TEST_API_KEY}\n`],
      ['surrounding spaces, tabs and newlines', ` \t${TEST_API_KEY}\r\n `],
      ['padding inside JSON {"DD_API_KEY": ...} (the Datadog Forwarder\'s form)', `{"DD_API_KEY": " ${TEST_API_KEY}\\n"}`],
    ])('the key with %s: trimmed and sent', async (_name, value) => {
      await putApiKeySecret(h.moto.endpoint, value);
      const invocation = await h.run();

      expect(invocation.outcome.status).toBe('resolved');
      const billing = [...budgetSeries(BUDGET), chargeSeries(TOTAL)];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      // Every request carried exactly the trimmed key.
      expect(requestProblems(h.intake.requests, [TEST_API_KEY])).toEqual([]);
    });
  });

  describe('rejected with a clear error, nothing sent', () => {
    it('missing: says the secret does not exist and which setting names it', async () => {
      const invocation = await h.run();

      expectRejected(
        invocation,
        `The secret ${E2E_SECRET.arn} does not exist (or has no value yet). Check DD_API_KEY_SECRET_ARN (context key apiKeySecretArn).`,
      );
    });

    it('empty: says the secret is empty and how to put the key in it', async () => {
      // moto stores an empty SecretString as no value at all: the proxy returns the empty string.
      await putApiKeySecret(h.moto.endpoint, 'placeholder to be emptied');
      h.proxy.inject({
        target: TARGETS.getSecretValue,
        answer: { kind: 'rewrite', rewrite: (response) => ({ ...response, SecretString: '' }) },
      });
      const invocation = await h.run();

      expectRejected(invocation, `The secret ${E2E_SECRET.arn} is empty. Put the key in it with: ${PUT_COMMAND}`);
    });

    it('only whitespace: treated as empty', async () => {
      await putApiKeySecret(h.moto.endpoint, ' \n\t ');
      const invocation = await h.run();

      expectRejected(invocation, `The secret ${E2E_SECRET.arn} is empty. Put the key in it with: ${PUT_COMMAND}`);
    });

    it('binary: says the secret holds binary data and how to put the key in it', async () => {
      await putApiKeySecret(h.moto.endpoint, Buffer.from(TEST_API_KEY, 'utf8'));
      const invocation = await h.run();

      expectRejected(
        invocation,
        `The secret ${E2E_SECRET.arn} holds binary data, not a Datadog API key. Put the key in it with: ${PUT_COMMAND}`,
      );
    });

    it('JSON without DD_API_KEY: says which field is expected', async () => {
      await putApiKeySecret(h.moto.endpoint, JSON.stringify({ api_key: TEST_API_KEY }));
      const invocation = await h.run();

      expectRejected(
        invocation,
        `The secret ${E2E_SECRET.arn} is JSON without a string field "DD_API_KEY". Store the key as plain text or as {"DD_API_KEY": "<key>"}.`,
      );
    });

    it.each([
      ['31 hexadecimal characters', WRONG_LENGTH.short, ' 31 characters. '],
      ['an application key of 40 characters', WRONG_LENGTH.applicationKey, ' 40 characters. '],
      ['32 characters, not all hexadecimal', NOT_HEX, ' 32 characters including others than 0-9 and a-f. '],
    ])('a key of the wrong length or alphabet (%s): says what a key looks like, never the value', async (_name, value, detail) => {
      await putApiKeySecret(h.moto.endpoint, value);
      const invocation = await h.run();

      expectRejected(
        invocation,
        `The secret ${E2E_SECRET.arn} does not hold a Datadog API key: a key is 32 hexadecimal characters`,
        detail,
        'Use an API key (Organization settings > API keys), not an application key.',
        `Put the key in it with: ${PUT_COMMAND}`,
      );
    });

    it.each([
      ['the bare key', TEST_API_KEY, 'a body of 32 bytes'],
      ['unquoted JSON', `{DD_API_KEY: ${TEST_API_KEY}}`, 'a body of 46 bytes'],
    ])('an answer to GetSecretValue that is not JSON (%s): described, never quoted, with what to check', async (_name, body, described) => {
      await putApiKeySecret(h.moto.endpoint, TEST_API_KEY);
      h.proxy.inject({ target: TARGETS.getSecretValue, answer: { kind: 'raw', body } });
      const invocation = await h.run();

      expectRejected(
        invocation,
        `Secrets Manager answered GetSecretValue for the secret ${E2E_SECRET.arn} with ${described} that is not JSON, as its API's answers ` +
          'are (not shown: it may hold the key).',
        'Check AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_SECRETS_MANAGER) and any proxy or VPC endpoint on the way to Secrets Manager.',
      );
      // Not even the SDK's first characters of it.
      expect(JSON.stringify(invocation)).not.toContain(TEST_API_KEY.slice(0, 10));
      expect(JSON.stringify(invocation)).not.toContain('SyntaxError');
    });

    it('the placeholder the stack puts in a secret it creates: says "API key not set" and the command to set it', async () => {
      await putApiKeySecret(h.moto.endpoint, API_KEY_PLACEHOLDER);
      const invocation = await h.run();

      expectRejected(
        invocation,
        `API key not set: the secret ${E2E_SECRET.arn} still holds the placeholder the stack created. Put the key in it with: ${PUT_COMMAND}`,
      );
    });
  });
});

/**
 * The fault matrix, Datadog side: the bundled collector against an intake that fails on
 * purpose. Each case ends either retried and sent, or in a clear error, with nothing else lost.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { createCostBudget, putEstimatedCharges } from '../../support/seed';
import { aMinuteAgo, putApiKeySecret, rotateApiKeySecret } from '../support/aws-seed';
import { E2E_SECRET } from '../support/bundle';
import { ACCOUNT, budgetSeries, chargeSeries, healthSeries, linesOf, type ExpectedSeries } from '../support/expected-series';
import { requestProblems, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation, type LogLine } from '../support/invoke';

/** A valid-looking key the intake does not accept: the key before a rotation. */
const OLD_KEY = 'abcdefabcdefabcdefabcdefabcdef12';

const BUDGET = { name: 'Team Platform', tag: 'team_platform', limit: '1000', actual: '604.456', forecast: '1210.5' };
const TOTAL = { dimensions: { Currency: 'USD' }, value: 250.75 };

function expectedSeries(): ExpectedSeries[] {
  const billing = [...budgetSeries(BUDGET), chargeSeries(TOTAL)];
  return [...billing, ...healthSeries('success', billing.length, { withAge: true })];
}

const retryWarnings = (invocation: Invocation): LogLine[] =>
  invocation.logLines.filter((line) => line.level === 'WARN' && line.message === 'Datadog request failed; retrying');

const thrown = (invocation: Invocation): { name: string; message: string } | undefined =>
  invocation.outcome.status === 'threw' ? invocation.outcome.error : undefined;

describe('Datadog faults, against the bundled collector', () => {
  let h: Harness;

  useHarness((started) => (h = started), { secrets: [OLD_KEY] });
  beforeEach(async () => {
    await h.reset();
    await Promise.all([
      putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
      createCostBudget(h.moto.endpoint, ACCOUNT, BUDGET),
      putEstimatedCharges(h.moto.endpoint, [{ ...TOTAL, timestamp: aMinuteAgo() }]),
    ]);
  });

  /**
   * Retried and sent: every series arrives once, in valid bodies, and the run succeeds. The
   * summary counts the requests Datadog answered, and apart the `unanswered` attempts.
   */
  function expectRetriedAndSent(invocation: Invocation, requests: number, apiKeys = [TEST_API_KEY], unanswered = 0): void {
    expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'success', errors: [] } });
    expect(linesOf(h.intake.series())).toEqual(linesOf(expectedSeries()));
    expect(h.intake.requests).toHaveLength(requests);
    expect(requestProblems(h.intake.requests, apiKeys)).toEqual([]);
    expect(runSummary(invocation)).toMatchObject({
      status: 'success',
      datadog: { requests: requests - unanswered, unanswered, seriesSent: expectedSeries().length },
    });
  }

  describe('retried and sent', () => {
    it('500 then 202: retries once and sends everything', async () => {
      h.intake.respondWith({ status: 500 });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: 'HTTP 500: Internal Server Error', attempt: 1 })]);
    });

    it('429 with X-RateLimit-Reset: waits the reset time before retrying', async () => {
      h.intake.respondWith({ status: 429, headers: { 'X-RateLimit-Reset': '2' } });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      const [first, second] = h.intake.requests;
      // Timers may fire a few milliseconds early; anything near 2 s shows the header was obeyed.
      expect(second.receivedAt.getTime() - first.receivedAt.getTime()).toBeGreaterThanOrEqual(1_950);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^HTTP 429/), waitMs: 2000 })]);
    });

    it('429 without a reset header: retries after a backoff', async () => {
      h.intake.respondWith({ status: 429 });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: 'HTTP 429: Too Many Requests' })]);
    });

    it('408: retries and sends', async () => {
      h.intake.respondWith({ status: 408 });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: 'HTTP 408: Request Timeout' })]);
    });

    it('a hang past the client timeout: gives up on the request after 10 s and sends on the retry', async () => {
      h.intake.respondWith({ kind: 'hang' });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2, [TEST_API_KEY], 1);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: 'no answer within 10000 ms' })]);
      expect(invocation.durationMs).toBeGreaterThanOrEqual(10_000);
    });

    it('a reset connection: retries and sends', async () => {
      h.intake.respondWith({ kind: 'reset' });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2, [TEST_API_KEY], 1);
      expect(retryWarnings(invocation)).toEqual([expect.objectContaining({ reason: expect.stringMatching(/^network error \(/) })]);
    });

    it('403 after a key rotation: drops the cached key, re-reads the secret once and sends with the new key', async () => {
      await h.reset();
      await Promise.all([
        putApiKeySecret(h.moto.endpoint, OLD_KEY),
        createCostBudget(h.moto.endpoint, ACCOUNT, BUDGET),
        putEstimatedCharges(h.moto.endpoint, [{ ...TOTAL, timestamp: aMinuteAgo() }]),
      ]);
      const fn = await h.start();
      try {
        // The first run caches the old key, which Datadog still accepts.
        h.intake.respondWith({ status: 202 });
        const before = await fn.invoke();
        expect(before.outcome.status).toBe('resolved');
        expect(runSummary(before).awsCalls).toMatchObject({ GetSecretValue: 1 });

        // The user rotates the key: Datadog now refuses the old one.
        await rotateApiKeySecret(h.moto.endpoint, TEST_API_KEY);
        h.intake.reset();
        const after = await fn.invoke();

        expectRetriedAndSent(after, 2, [OLD_KEY, TEST_API_KEY]);
        const keys = h.intake.requests.map((request) =>
          request.apiKey === OLD_KEY ? 'old key' : request.apiKey === TEST_API_KEY ? 'new key' : 'other',
        );
        expect(keys).toEqual(['old key', 'new key']);
        expect(h.intake.requests.map((request) => request.status)).toEqual([403, 202]);
        expect(runSummary(after).awsCalls).toMatchObject({ GetSecretValue: 1 });
      } finally {
        await fn.stop();
      }
    });
  });

  describe('a clear error, and nothing retried that cannot succeed', () => {
    it('403 on the re-read key too: ends in an error that says to check the key in the secret and the site', async () => {
      await h.reset();
      await Promise.all([
        putApiKeySecret(h.moto.endpoint, OLD_KEY),
        createCostBudget(h.moto.endpoint, ACCOUNT, BUDGET),
        putEstimatedCharges(h.moto.endpoint, [{ ...TOTAL, timestamp: aMinuteAgo() }]),
      ]);
      const invocation = await h.run();

      expect(thrown(invocation)?.name).toBe('CollectionError');
      expect(thrown(invocation)?.message).toContain(
        `Datadog refused the API key (403 Forbidden). Check that the secret ${E2E_SECRET.arn} holds a valid API key`,
      );
      expect(thrown(invocation)?.message).toContain(`API ${h.intake.url}`);
      expect(h.intake.requests.map((request) => request.status)).toEqual([403, 403]);
      expect(h.intake.series()).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({
        level: 'ERROR',
        status: 'failure',
        awsCalls: { GetSecretValue: 2 },
        datadog: { seriesSent: 0 },
      });
    });

    it.each([
      {
        status: 400,
        body: { errors: ['Invalid metric name'] },
        message: /malformed \(400\): Invalid metric name\. This is a collector bug/,
      },
      { status: 413, body: { errors: ['Payload too large'] }, message: /too large \(413\): Payload too large\. This is a collector bug/ },
    ])('$status: fails at once, without a retry, with a message that says it is a collector bug', async ({ status, body, message }) => {
      h.intake.respondWith({ status, body });
      const invocation = await h.run();

      expect(thrown(invocation)?.message).toMatch(message);
      expect(h.intake.requests).toHaveLength(1);
      expect(retryWarnings(invocation)).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({ level: 'ERROR', status: 'failure', datadog: { requests: 1, seriesSent: 0 } });
    });

    it("202 with a non-empty errors list: ends the run in an error quoting Datadog's errors, without a retry", async () => {
      h.intake.respondWith({ status: 202, body: { errors: ['Point timestamp out of range'] } });
      const invocation = await h.run();

      expect(thrown(invocation)?.message).toContain('Datadog accepted the request but reported errors: Point timestamp out of range');
      expect(h.intake.requests).toHaveLength(1);
      expect(runSummary(invocation)).toMatchObject({ level: 'ERROR', errors: [expect.stringContaining('Point timestamp out of range')] });
    });

    it('202 with a non-empty errors list: counts the series Datadog accepted as sent, and the run as partial, not failed', async () => {
      h.intake.respondWith({ status: 202, body: { errors: ['Point timestamp out of range'] } });
      const invocation = await h.run();

      // Datadog answered 202 and kept the request's valid series: the summary must not say nothing was sent.
      expect(h.intake.series()).toHaveLength(expectedSeries().length);
      expect(runSummary(invocation)).toMatchObject({ status: 'partial', datadog: { requests: 1, seriesSent: expectedSeries().length } });
    });
  });

  describe('hostile or broken answers: no redirect followed, the key masked, bounded reads', () => {
    const HUNDRED_MB = 100 * 1024 * 1024;
    const thrownAndLogged = (invocation: Invocation): string => JSON.stringify([invocation.outcome, invocation.logLines]);

    it('a redirect: not followed, the key sent to the origin only, and an error that names it and says to check DD_SITE or DD_API_URL', async () => {
      h.intake.respondWith({ kind: 'redirect', status: 307 });
      const invocation = await h.run();

      expect(thrown(invocation)?.message).toContain(
        `${h.intake.url} answered POST /api/v2/series with a redirect (HTTP 307), which is not followed: the Datadog key would go to the address it names.`,
      );
      expect(thrown(invocation)?.message).toContain(`Check DD_SITE or DD_API_URL (API ${h.intake.url})`);
      // The redirect's target is the intake's own /redirected: nothing arrived there.
      expect(h.intake.requests.map((request) => request.path)).toEqual(['/api/v2/series']);
      expect(retryWarnings(invocation)).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({ status: 'failure', datadog: { requests: 1, unanswered: 0, seriesSent: 0 } });
    });

    it('a 500 that echoes the request headers: retried, with the key masked in the retry warning', async () => {
      h.intake.respondWith({ kind: 'echo', status: 500 });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      expect(retryWarnings(invocation)).toEqual([
        expect.objectContaining({ reason: expect.stringMatching(/^HTTP 500: dd-api-key: \[API key\]; /) }),
      ]);
      expect(thrownAndLogged(invocation)).not.toContain(TEST_API_KEY);
    });

    it.each([400, 401, 404])(
      'a %i that echoes the request headers: the key masked in the summary errors and the thrown error',
      async (status) => {
        h.intake.respondWith({ kind: 'echo', status });
        const invocation = await h.run();

        expect(thrown(invocation)?.message).toContain('[API key]');
        expect(runSummary(invocation).errors).toEqual([expect.stringContaining('[API key]')]);
        expect(thrownAndLogged(invocation)).not.toContain(TEST_API_KEY);
      },
    );

    it('202 with a 100 MB body: reads a bounded part of it, and the run ends with its summary', async () => {
      h.intake.respondWith({ kind: 'huge', status: 202, bytes: HUNDRED_MB });
      const invocation = await h.run();

      expect(runSummary(invocation)).toMatchObject({ status: 'partial', datadog: { requests: 1, seriesSent: expectedSeries().length } });
      await vi.waitFor(() => expect(h.intake.requests[0].streamed).toBeDefined());
      const streamed = h.intake.requests[0].streamed;
      expect(streamed?.complete).toBe(false);
      expect(streamed?.written).toBeLessThan(HUNDRED_MB / 4);
    });

    it('a 500 with a 100 MB body, then 202: reads a bounded part of it, retries and sends everything', async () => {
      h.intake.respondWith({ kind: 'huge', status: 500, bytes: HUNDRED_MB });
      const invocation = await h.run();

      expectRetriedAndSent(invocation, 2);
      expect(JSON.stringify(retryWarnings(invocation)).length).toBeLessThan(2_000);
      await vi.waitFor(() => expect(h.intake.requests[0].streamed?.complete).toBe(false));
    });

    it('202 with 5,000 errors of 1 KB: the summary and the thrown message keep the first five, cut, and say there were more', async () => {
      h.intake.respondWith({ kind: 'huge', status: 202, bytes: 5_000 * 1_030 });
      const invocation = await h.run();

      const message = thrown(invocation)?.message ?? '';
      expect(message).toMatch(
        /Datadog accepted the request but reported errors: (Point rejected: x+\.\.\.; ){5}\.\.\. and more \(the answer was cut at \d+ characters\)/,
      );
      expect(message.length).toBeLessThan(2_000);
      expect(JSON.stringify(runSummary(invocation)).length).toBeLessThan(4_000);
    });
  });

  describe('the Lambda close to its timeout', () => {
    const TIMEOUT_MS = 6_000;

    it('Datadog failing with 500s: retries stop before the timeout, and the summary is still logged', async () => {
      h.intake.respondWith(...Array.from({ length: 50 }, () => ({ status: 503 })));
      const invocation = await h.run({ timeoutMs: TIMEOUT_MS });

      expect(invocation.outcome.status).toBe('threw');
      expect(invocation.durationMs).toBeLessThan(TIMEOUT_MS);
      expect(h.intake.requests.length).toBeGreaterThanOrEqual(2);
      expect(runSummary(invocation)).toMatchObject({
        level: 'ERROR',
        status: 'failure',
        errors: [expect.stringMatching(/series not sent: DatadogSubmitError: Datadog did not accept the metrics: HTTP 503/)],
      });
    });

    it('Datadog not answering: the request is cut before the timeout, and the summary is still logged', async () => {
      h.intake.respondWith(...Array.from({ length: 5 }, () => ({ kind: 'hang' as const })));
      const invocation = await h.run({ timeoutMs: TIMEOUT_MS });

      expect(invocation.outcome.status).toBe('threw');
      expect(invocation.durationMs).toBeLessThan(TIMEOUT_MS);
      expect(runSummary(invocation)).toMatchObject({
        status: 'failure',
        errors: [expect.stringMatching(/Datadog did not accept the metrics: no answer within \d+ ms/)],
      });
      // No answer at all: the fix names the settings that give the address, as the function names them.
      expect(runSummary(invocation).errors[0]).toContain(
        'Check that DD_SITE (context key datadogSite) is your Datadog site (the host of your Datadog URL, such as datadoghq.eu), ' +
          `or DD_API_URL your proxy, and that ${h.intake.url} can be reached from where this runs`,
      );
    });
  });
});

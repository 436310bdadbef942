/**
 * The one HTTP client of requests that carry a Datadog key, against the loopback intake: no
 * redirect followed, answers read up to a bound, keys masked in what comes back, every
 * exchange told to the observer without a header.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { answerErrors, datadogRequest, MAX_ANSWER_BYTES, type DatadogRequest, type HttpExchange } from '../../../lambda/datadog/http';
import { DatadogSubmitError } from '../../../lambda/errors';
import { INTAKE_PATHS, startIntake, TEST_API_KEY, type Intake } from '../../../fakes/datadog/intake';
import { closedPort } from '../../cli/run-cli';

/** An application key that holds the API key: masking must not leave a piece of either. */
const APP_KEY = `abcdef${TEST_API_KEY}01`;

describe('datadogRequest against a loopback Datadog intake', () => {
  let intake: Intake;
  const exchanges: HttpExchange[] = [];
  const request = (overrides: Partial<DatadogRequest> = {}): Promise<Awaited<ReturnType<typeof datadogRequest>>> =>
    datadogRequest({
      method: 'GET',
      origin: intake.url,
      path: INTAKE_PATHS.validate,
      apiKey: TEST_API_KEY,
      timeoutMs: 2_000,
      originSettings: 'DD_SITE or DD_API_URL',
      observe: (exchange) => exchanges.push(exchange),
      ...overrides,
    });

  beforeAll(async () => {
    intake = await startIntake();
  });
  afterAll(async () => {
    await intake.close();
  });
  beforeEach(() => {
    intake.reset();
    exchanges.length = 0;
  });

  it('answers with the status and the body of a normal exchange', async () => {
    const answer = await request();

    expect(answer).toMatchObject({ status: 200, text: '{"valid":true}', truncated: false });
    expect(intake.requests[0].apiKey).toBe(TEST_API_KEY);
  });

  it.each([301, 302, 303, 307, 308] as const)(
    'never follows a %i redirect: an error naming the origin and the settings to check, and the key goes nowhere else',
    async (status) => {
      intake.respondWith({ kind: 'redirect', status });

      const error = await request({ method: 'POST', path: INTAKE_PATHS.series, body: Buffer.from('{}') }).catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(DatadogSubmitError);
      expect((error as DatadogSubmitError).status).toBe(status);
      expect((error as DatadogSubmitError).problem).toBe(
        `${intake.url} answered POST /api/v2/series with a redirect (HTTP ${status}), which is not followed: ` +
          'the Datadog key would go to the address it names.',
      );
      expect((error as DatadogSubmitError).fix).toContain('Check DD_SITE or DD_API_URL');
      // Give a follower time to arrive: nothing ever reaches the redirect's target.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(intake.requests.map((received) => received.path)).toEqual([INTAKE_PATHS.series]);
      expect(exchanges).toEqual([expect.objectContaining({ method: 'POST', path: INTAKE_PATHS.series, status })]);
    },
  );

  it('masks both keys in an answer that echoes the request headers', async () => {
    intake.respondWith({ kind: 'echo', status: 400 });

    const answer = await request({ appKey: APP_KEY });

    expect(answer.status).toBe(400);
    expect(answer.text).not.toContain(TEST_API_KEY);
    expect(answer.text).not.toContain(APP_KEY);
    expect((JSON.parse(answer.text) as { errors: string[] }).errors.slice(0, 2)).toEqual(['dd-api-key: [API key]', 'dd-application-key: [application key]']);
  });

  it('reads at most the bound of a 100 MB answer and closes the connection instead of reading the rest', async () => {
    const bytes = 100 * 1024 * 1024;
    intake.respondWith({ kind: 'huge', status: 202, bytes });

    const answer = await request({ method: 'POST', path: INTAKE_PATHS.series, body: Buffer.from('{}') });

    expect(answer.status).toBe(202);
    expect(answer.truncated).toBe(true);
    expect(Buffer.byteLength(answer.text)).toBeLessThanOrEqual(MAX_ANSWER_BYTES);
    await vi.waitFor(() => expect(intake.requests[0].streamed).toBeDefined());
    const { written, length, complete } = intake.requests[0].streamed ?? { written: 0, length: 0, complete: true };
    expect(complete).toBe(false);
    expect(length).toBeGreaterThanOrEqual(bytes - 2_000);
    // What the sockets' buffers took before the client closed: a small part of the answer.
    expect(written).toBeLessThan(length / 4);
  });

  it('reads an answer of exactly the bound in full', async () => {
    const answer = await request({ maxBodyBytes: '{"valid":true}'.length });

    expect(answer).toMatchObject({ text: '{"valid":true}', truncated: false });
  });

  it('gives up after its time-out', async () => {
    intake.respondWith({ kind: 'hang' });

    await expect(request({ timeoutMs: 200 })).rejects.toMatchObject({ name: expect.stringMatching(/^(TimeoutError|AbortError)$/) });
    expect(exchanges).toEqual([{ method: 'GET', path: INTAKE_PATHS.validate, failure: 'no answer in time', durationMs: expect.any(Number) }]);
  });

  it('tells the observer of each exchange: method, path, status and duration, never a header', async () => {
    await request({ path: `${INTAKE_PATHS.validate}?probe=1` });
    await request({ origin: `http://127.0.0.1:${await closedPort()}` }).catch(() => undefined);

    expect(exchanges).toEqual([
      { method: 'GET', path: `${INTAKE_PATHS.validate}?probe=1`, status: 200, durationMs: expect.any(Number) },
      { method: 'GET', path: INTAKE_PATHS.validate, failure: 'ECONNREFUSED', durationMs: expect.any(Number) },
    ]);
    expect(JSON.stringify(exchanges)).not.toContain(TEST_API_KEY);
  });
});

describe('answerErrors', () => {
  const errorsOf = (errors: readonly unknown[]): string => JSON.stringify({ errors });
  const long = (n: number): string => `error ${n}: ${'y'.repeat(1_000)}`;

  it.each([
    ['no errors', errorsOf([]), []],
    ['a body that is not JSON', 'Bad Gateway', []],
    ['a few short errors, as they are', errorsOf(['a', 'b']), ['a', 'b']],
    ['an error that is not a string, as JSON', errorsOf([{ code: 1 }]), ['{"code":1}']],
  ])('%s', (_name, text, expected) => {
    expect(answerErrors({ text, truncated: false })).toEqual(expected);
  });

  it('keeps the first five errors, each cut at 200 characters, and counts the rest', () => {
    const shown = answerErrors({ text: errorsOf(Array.from({ length: 12 }, (_, n) => long(n))), truncated: false });

    expect(shown).toHaveLength(6);
    expect(shown.slice(0, 5).every((error, n) => error.startsWith(`error ${n}: yyy`) && error.length === 200 && error.endsWith('...'))).toBe(
      true,
    );
    expect(shown[5]).toBe('... and 7 more');
  });

  it('from an answer cut at its bound: the errors it holds in full, then that there were more', () => {
    const text = errorsOf(Array.from({ length: 5_000 }, (_, n) => long(n))).slice(0, MAX_ANSWER_BYTES);

    const shown = answerErrors({ text, truncated: true });

    expect(shown).toHaveLength(6);
    expect(shown[0]).toMatch(/^error 0: y+\.\.\.$/);
    expect(shown[5]).toBe(`... and more (the answer was cut at ${MAX_ANSWER_BYTES} characters)`);
    expect(shown.join('; ').length).toBeLessThan(1_200);
  });
});

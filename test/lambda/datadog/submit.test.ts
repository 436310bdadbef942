import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { packBodies } from '../../../lambda/datadog/payload';
import { buildSeries } from '../../../lambda/datadog/series';
import { submitBodies, type ApiKeySource, type SubmitOptions } from '../../../lambda/datadog/submit';
import { createLogger } from '../../../lambda/log';
import type { Sample } from '../../../lambda/samples';
import { startIntake, TEST_API_KEY, type Intake } from '../../../fakes/datadog/intake';

const STALE_KEY = 'ffffffffffffffffffffffffffffffff';

function samples(count: number): Sample[] {
  return Array.from({ length: count }, (_, i) => ({
    metric: 'estimatedCharges' as const,
    value: i + 0.5,
    currency: 'USD',
    tags: [
      ['account_id', '123456789012'],
      ['servicename', `Service${i}`],
    ] as const,
  }));
}

function bodies(count = 3) {
  const built = buildSeries(samples(count), { metricPrefix: 'aws.billing', globalTags: [], timestamp: Math.floor(Date.now() / 1000) });
  return packBodies(built.series);
}

/** A key source that hands out `keys` in turn, one per read, and counts the reads. */
function keySource(...keys: string[]): ApiKeySource & { reads: number } {
  const source = {
    origin: 'the test key',
    reads: 0,
    async get() {
      return source.reads === 0 ? source.refresh() : keys[Math.min(source.reads, keys.length) - 1];
    },
    async refresh() {
      source.reads += 1;
      return keys[Math.min(source.reads, keys.length) - 1];
    },
  };
  return source;
}

describe('submitBodies against a loopback Datadog intake', () => {
  let intake: Intake;
  const logLines: string[] = [];
  const options = (overrides: Partial<SubmitOptions> = {}): SubmitOptions => ({
    apiOrigin: intake.url,
    apiKey: keySource(TEST_API_KEY),
    deadline: Date.now() + 20_000,
    log: createLogger('DEBUG', (line) => logLines.push(line)),
    backoffBaseMs: 5,
    requestTimeoutMs: 2_000,
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
    logLines.length = 0;
  });

  it('sends gzipped, schema-valid bodies with the API key and reports the bytes sent', async () => {
    const toSend = bodies(3);
    const result = await submitBodies(toSend, options());
    expect(result).toEqual({ requests: 1, unanswered: 0, bytesSent: toSend[0].gzipped.length, seriesSent: 3, errors: [] });
    expect(intake.requests[0]).toMatchObject({ apiKey: TEST_API_KEY, contentEncoding: 'gzip', schemaErrors: [], status: 202 });
    expect(intake.series().map((s) => s.points[0].value)).toEqual([0.5, 1.5, 2.5]);
  });

  it.each([
    ['500', { status: 500 }],
    ['408', { status: 408 }],
    ['429 without a reset header', { status: 429 }],
    ['429 with a reset header', { status: 429, headers: { 'X-RateLimit-Reset': '0' } }],
    ['a reset connection', { kind: 'reset' as const }],
  ])('retries after %s and then sends', async (_name, behaviour) => {
    intake.respondWith(behaviour);
    const result = await submitBodies(bodies(2), options());
    expect(result.errors).toEqual([]);
    // A reset connection is an attempt without an answer, not a request Datadog answered.
    const answered = 'kind' in behaviour ? 1 : 2;
    expect(result).toMatchObject({ requests: answered, unanswered: 2 - answered });
    expect(intake.series()).toHaveLength(2);
  });

  it('waits for the rate-limit reset Datadog gives before retrying a 429', async () => {
    intake.respondWith({ status: 429, headers: { 'X-RateLimit-Reset': '1' } });
    const started = Date.now();
    const result = await submitBodies(bodies(1), options());
    expect(result.errors).toEqual([]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
  });

  it('gives up on a hung request after the client timeout and retries', async () => {
    intake.respondWith({ kind: 'hang' });
    const result = await submitBodies(bodies(1), options({ requestTimeoutMs: 300 }));
    expect(result.errors).toEqual([]);
    expect(result).toMatchObject({ requests: 1, unanswered: 1 });
    expect(logLines.some((line) => line.includes('no answer within 300 ms'))).toBe(true);
  });

  it.each([
    [400, /malformed \(400\).*collector bug/],
    [413, /too large \(413\).*collector bug/],
  ])('fails at once on %i with a message that says what to do', async (status, message) => {
    intake.respondWith({ status });
    const result = await submitBodies(bodies(1), options());
    expect(result.requests).toBe(1);
    expect(result.seriesSent).toBe(0);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(message);
  });

  it('re-reads the key once after a 403 and sends with the new key', async () => {
    const source = keySource(STALE_KEY, TEST_API_KEY);
    const result = await submitBodies(bodies(1), options({ apiKey: source }));
    expect(result.errors).toEqual([]);
    expect(source.reads).toBe(2);
    expect(intake.requests.map((r) => r.status)).toEqual([403, 202]);
  });

  it('fails after a second 403 with a message naming the key source and the site, never the key', async () => {
    const source = keySource(STALE_KEY, STALE_KEY);
    const result = await submitBodies(bodies(1), options({ apiKey: source }));
    expect(source.reads).toBe(2);
    expect(result.errors[0]).toMatch(/refused the API key \(403 Forbidden\).*the test key.*site/);
    expect(JSON.stringify(result)).not.toContain(STALE_KEY);
    expect(logLines.join('\n')).not.toContain(STALE_KEY);
  });

  it('sends a key given as it is once: with nothing to re-read, a 403 fails at once and names where the key came from', async () => {
    const given: ApiKeySource = { origin: 'the DD_API_KEY environment variable', reads: 0, get: async () => STALE_KEY };
    const result = await submitBodies(bodies(1), options({ apiKey: given }));
    expect(intake.requests.map((r) => r.status)).toEqual([403]);
    expect(result.errors[0]).toMatch(/refused the API key \(403 Forbidden\)\. Check that the DD_API_KEY environment variable holds/);
    expect(JSON.stringify(result)).not.toContain(STALE_KEY);
  });

  it('reports a 202 with a non-empty errors list as a failure', async () => {
    intake.respondWith({ status: 202, body: { errors: ['point rejected'] } });
    const result = await submitBodies(bodies(1), options());
    expect(result.errors[0]).toMatch(/accepted the request but reported errors: point rejected/);
  });

  it('keeps a 202 with many errors small: the first five, each cut, and the count of the rest', async () => {
    intake.respondWith({ status: 202, body: { errors: Array.from({ length: 12 }, (_, n) => `error ${n}: ${'z'.repeat(1_000)}`) } });
    const result = await submitBodies(bodies(1), options());
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0]).toMatch(/^Datadog accepted the request but reported errors: error 0: z+\.\.\.; error 1: .*; \.\.\. and 7 more$/);
    expect(result.errors[0].length).toBeLessThan(1_200);
  });

  it.each([
    ['a retried 500', 500, 2],
    ['a refused 400', 400, 1],
  ])('masks the key that %s echoes, in the retry warning and in the error', async (_name, status, requests) => {
    intake.respondWith({ kind: 'echo', status });
    const result = await submitBodies(bodies(1), options({ maxAttempts: 2 }));
    expect(intake.requests).toHaveLength(requests);
    const said = [...logLines, ...result.errors].join('\n');
    expect(said).toContain('[API key]');
    expect(said).not.toContain(TEST_API_KEY);
  });

  it('retries a 500 with a 100 MB body, reading only the bound of it', async () => {
    intake.respondWith({ kind: 'huge', status: 500, bytes: 100 * 1024 * 1024 });
    const result = await submitBodies(bodies(1), options());
    expect(result).toMatchObject({ requests: 2, seriesSent: 1, errors: [] });
    expect(logLines.join('\n').length).toBeLessThan(2_000);
    await vi.waitFor(() => expect(intake.requests[0].streamed).toMatchObject({ complete: false }));
  });

  it('stops retrying before the deadline and says why', async () => {
    intake.respondWith({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const started = Date.now();
    const result = await submitBodies(bodies(1), options({ deadline: started + 1_500, backoffBaseMs: 400 }));
    expect(Date.now()).toBeLessThanOrEqual(started + 1_500);
    expect(result.seriesSent).toBe(0);
    expect(result.errors[0]).toMatch(/HTTP 500/);
  });

  it('gives up after the maximum number of attempts', async () => {
    intake.respondWith(...Array.from({ length: 10 }, () => ({ status: 503 })));
    const result = await submitBodies(bodies(1), options({ maxAttempts: 3 }));
    expect(result.requests).toBe(3);
    expect(result.errors[0]).toMatch(/did not accept the metrics: HTTP 503/);
  });

  it('sends every body when the payload is split, and reports the one that failed', async () => {
    const built = buildSeries(samples(3_000), { metricPrefix: 'aws.billing', globalTags: [], timestamp: Math.floor(Date.now() / 1000) });
    const split = packBodies(built.series, { raw: 100_000, gzipped: 512_000 });
    expect(split.length).toBeGreaterThan(2);
    intake.respondWith({ status: 400 });
    const result = await submitBodies(split, options({ concurrency: 1 }));
    expect(result.errors).toHaveLength(1);
    expect(result.seriesSent).toBe(3_000 - split[0].seriesCount);
    expect(intake.series()).toHaveLength(3_000 - split[0].seriesCount);
  });
});

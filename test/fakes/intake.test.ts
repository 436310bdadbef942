import { randomBytes } from 'node:crypto';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { INTAKE_LIMITS, INTAKE_PATHS, TEST_API_KEY, startIntake, type Intake } from '../../fakes/datadog/intake';

// Every request in this file carries its own timeout: a bug in the intake must fail a test,
// not hang the run.
const REQUEST_TIMEOUT_MS = 5_000;

const now = (): number => Math.floor(Date.now() / 1000);

function gaugePayload(metric = 'aws.billing.estimated_charges', value = 12.5): { series: unknown[] } {
  return { series: [{ metric, type: 3, unit: 'dollar', points: [{ timestamp: now(), value }], tags: ['currency:usd'] }] };
}

interface PostOptions {
  readonly apiKey?: string | null;
  readonly encoding?: 'gzip' | 'deflate' | string;
  readonly signal?: AbortSignal;
}

function encode(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gzipSync(body);
  if (encoding === 'deflate') return deflateSync(body);
  return body;
}

async function post(intake: Intake, body: unknown, options: PostOptions = {}): Promise<Response> {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const apiKey = options.apiKey === undefined ? TEST_API_KEY : options.apiKey;
  if (apiKey !== null) headers['dd-api-key'] = apiKey;
  if (options.encoding !== undefined) headers['content-encoding'] = options.encoding;
  return fetch(`${intake.url}${INTAKE_PATHS.series}`, {
    method: 'POST',
    headers,
    body: encode(raw, options.encoding),
    signal: options.signal ?? AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
}

/** A JSON body of exactly `size` bytes: a valid empty payload padded with spaces. */
function paddedPayload(size: number): Buffer {
  const json = '{"series":[]}';
  return Buffer.from(json.slice(0, -1) + ' '.repeat(size - json.length) + '}');
}

describe('startIntake', () => {
  let intake: Intake;

  beforeAll(async () => {
    intake = await startIntake();
  });
  afterEach(() => {
    intake.reset();
  });
  afterAll(async () => {
    await intake.close();
  });

  it('listens on 127.0.0.1 and exposes its origin without a trailing slash', () => {
    expect(intake.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(intake.apiKey).toBe(TEST_API_KEY);
  });

  it('accepts a valid payload with 202 and an empty error list, and records the request', async () => {
    const payload = gaugePayload();
    const res = await post(intake, payload);

    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ errors: [] });
    expect(intake.requests).toHaveLength(1);
    const [req] = intake.requests;
    expect(req).toMatchObject({
      method: 'POST',
      path: '/api/v2/series',
      apiKey: TEST_API_KEY,
      contentEncoding: undefined,
      rawBodyLength: JSON.stringify(payload).length,
      decompressedBodyLength: JSON.stringify(payload).length,
      body: payload,
      schemaErrors: [],
      timestampWarnings: [],
      status: 202,
      accepted: true,
      behaviour: undefined,
    });
    expect(req.headers['content-type']).toBe('application/json');
    expect(intake.series()).toEqual(payload.series);
  });

  it('flattens the series of every accepted request, in order, and leaves out rejected ones', async () => {
    await post(intake, gaugePayload('a.one'));
    await post(intake, gaugePayload('b.rejected'), { apiKey: 'wrong' });
    await post(intake, { series: [...gaugePayload('c.two').series, ...gaugePayload('c.three').series] });

    expect(intake.series().map((s) => s.metric)).toEqual(['a.one', 'c.two', 'c.three']);
    expect(intake.requests).toHaveLength(3);
  });

  it.each(['gzip', 'deflate'])('decompresses a %s body and records both lengths', async (encoding) => {
    const payload = gaugePayload();
    const plain = Buffer.from(JSON.stringify(payload));
    const res = await post(intake, plain, { encoding });

    expect(res.status).toBe(202);
    const [req] = intake.requests;
    expect(req.contentEncoding).toBe(encoding);
    expect(req.rawBodyLength).toBe(encode(plain, encoding).length);
    expect(req.decompressedBodyLength).toBe(plain.length);
    expect(req.body).toEqual(payload);
  });

  it.each([
    { name: 'a missing key', apiKey: null },
    { name: 'a wrong key', apiKey: 'ffffffffffffffffffffffffffffffff' },
  ])('answers 403 Forbidden to $name and accepts nothing', async ({ apiKey }) => {
    const res = await post(intake, gaugePayload(), { apiKey });

    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ errors: ['Forbidden'] });
    expect(intake.requests[0]).toMatchObject({ status: 403, accepted: false, apiKey: apiKey ?? undefined });
    expect(intake.series()).toEqual([]);
  });

  it('rejects a series whose type is the string "gauge" with 400 and records the ajv errors', async () => {
    const payload = { series: [{ metric: 'aws.billing.actual_spend', type: 'gauge', points: [{ timestamp: now(), value: 1 }] }] };
    const res = await post(intake, payload);

    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: string[] };
    expect(body.errors).toContain('/series/0/type must be integer');
    const [req] = intake.requests;
    expect(req.accepted).toBe(false);
    expect(req.body).toEqual(payload);
    expect(req.schemaErrors).toEqual(
      expect.arrayContaining([expect.objectContaining({ instancePath: '/series/0/type', keyword: 'type' })]),
    );
    expect(intake.series()).toEqual([]);
  });

  it.each([
    { name: 'a string value', series: { metric: 'm', points: [{ timestamp: now(), value: '1' }] }, path: '/series/0/points/0/value' },
    {
      name: 'a fractional timestamp',
      series: { metric: 'm', points: [{ timestamp: 1.5, value: 1 }] },
      path: '/series/0/points/0/timestamp',
    },
    { name: 'a type outside 0..3', series: { metric: 'm', type: 4, points: [] }, path: '/series/0/type' },
    { name: 'no points', series: { metric: 'm' }, path: '/series/0' },
    { name: 'tags as a string', series: { metric: 'm', points: [], tags: 'a:b' }, path: '/series/0/tags' },
  ])('rejects $name with 400 (schema error at $path)', async ({ series, path }) => {
    const res = await post(intake, { series: [series] });

    expect(res.status).toBe(400);
    expect(intake.requests[0].schemaErrors.map((e) => e.instancePath)).toContain(path);
  });

  it('rejects a body that is not JSON with 400 and says why', async () => {
    const res = await post(intake, '{"series": [');

    expect(res.status).toBe(400);
    const body = (await res.json()) as { errors: string[] };
    expect(body.errors[0]).toMatch(/^malformed JSON/);
    expect(intake.requests[0]).toMatchObject({ body: undefined, status: 400 });
    expect(intake.requests[0].bodyError).toMatch(/^malformed JSON/);
  });

  it.each([
    {
      name: 'a raw deflate stream sent as deflate',
      raw: deflateRawSync(Buffer.from('{"series":[]}')),
      encoding: 'deflate',
      error: /cannot decompress deflate/,
    },
    { name: 'bytes that are not gzip', raw: Buffer.from('{"series":[]}'), encoding: 'gzip', error: /cannot decompress gzip/ },
    { name: 'an encoding it cannot decode', raw: Buffer.from('{"series":[]}'), encoding: 'br', error: /unsupported Content-Encoding: br/ },
  ])('rejects $name with 400', async ({ raw, encoding, error }) => {
    // Sent as is: the test builds the (wrong) encoded bytes itself.
    const res = await fetch(`${intake.url}${INTAKE_PATHS.series}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': encoding, 'dd-api-key': TEST_API_KEY },
      body: raw,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

    expect(res.status).toBe(400);
    expect(intake.requests[0].bodyError).toMatch(error);
    expect(intake.requests[0].decompressedBodyLength).toBeUndefined();
  });

  it.each([
    { name: 'a plain body of exactly the limit', size: INTAKE_LIMITS.maxBodyBytes, status: 202 },
    { name: 'a plain body one byte over the limit', size: INTAKE_LIMITS.maxBodyBytes + 1, status: 413 },
  ])('answers $status to $name (512,000 bytes as sent)', async ({ size, status }) => {
    const res = await post(intake, paddedPayload(size));

    expect(res.status).toBe(status);
    expect(intake.requests[0].rawBodyLength).toBe(size);
  });

  it.each([
    { name: 'decompresses to exactly the limit', size: INTAKE_LIMITS.maxDecompressedBytes, status: 202 },
    { name: 'decompresses to one byte over the limit', size: INTAKE_LIMITS.maxDecompressedBytes + 1, status: 413 },
  ])('answers $status to a gzip body that $name (5,242,880 bytes)', async ({ size, status }) => {
    const res = await post(intake, paddedPayload(size), { encoding: 'gzip' });

    expect(res.status).toBe(status);
    const [req] = intake.requests;
    expect(req.rawBodyLength).toBeLessThan(INTAKE_LIMITS.maxBodyBytes);
    expect(req.decompressedBodyLength).toBe(size);
    if (status === 413) expect(((await res.json()) as { errors: string[] }).errors[0]).toMatch(/^Payload too large/);
  });

  it('answers 413 to a compressed body over 512,000 bytes as sent', async () => {
    // Base64 of random bytes barely compresses: about 700 kB of gzip, under 1 MB decompressed.
    const noise = Buffer.from(randomBytes(700_000).toString('base64'));
    const res = await post(intake, Buffer.concat([Buffer.from('{"series":[],"x":"'), noise, Buffer.from('"}')]), { encoding: 'gzip' });

    expect(res.status).toBe(413);
    expect(intake.requests[0].rawBodyLength).toBeGreaterThan(INTAKE_LIMITS.maxBodyBytes);
  });

  it('accepts points Datadog would drop but records why, as Datadog answers 202 and drops them silently', async () => {
    const ms = Date.now();
    const res = await post(intake, {
      series: [
        {
          metric: 'm',
          type: 3,
          points: [
            { timestamp: ms, value: 1 },
            { timestamp: now() - 2 * 3600, value: 2 },
            { timestamp: now(), value: 3 },
          ],
        },
      ],
    });

    expect(res.status).toBe(202);
    const warnings = intake.requests[0].timestampWarnings;
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatch(/points\[0\].*more than 10 minutes in the future/);
    expect(warnings[1]).toMatch(/points\[1\].*more than 1 hour in the past/);
  });

  it.each([
    { name: 'the right key', apiKey: TEST_API_KEY, status: 200, body: { valid: true } },
    { name: 'a wrong key', apiKey: 'nope', status: 403, body: { errors: ['Forbidden'] } },
  ])('answers GET /api/v1/validate with $status for $name', async ({ apiKey, status, body }) => {
    const res = await fetch(`${intake.url}${INTAKE_PATHS.validate}`, {
      headers: { 'dd-api-key': apiKey },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

    expect(res.status).toBe(status);
    expect(await res.json()).toEqual(body);
    expect(intake.requests[0]).toMatchObject({ method: 'GET', path: '/api/v1/validate', apiKey, status, schemaErrors: [] });
  });

  it.each([
    { method: 'GET', path: '/api/v2/series' },
    { method: 'POST', path: '/api/v1/series' },
    { method: 'POST', path: '/' },
  ])('answers 404 to $method $path and records it', async ({ method, path }) => {
    const res = await fetch(`${intake.url}${path}`, {
      method,
      headers: { 'dd-api-key': TEST_API_KEY },
      body: method === 'POST' ? '{}' : undefined,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

    expect(res.status).toBe(404);
    expect(intake.requests[0]).toMatchObject({ method, path, status: 404, accepted: false });
  });

  describe('queued behaviours', () => {
    it('answers a queued status without accepting the series, with its headers and a Datadog-shaped default body', async () => {
      intake.respondWith({ status: 429, headers: { 'Retry-After': '2' } });
      const res = await post(intake, gaugePayload());

      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('2');
      expect(await res.json()).toEqual({ errors: ['Too Many Requests'] });
      expect(intake.requests[0]).toMatchObject({ status: 429, accepted: false, behaviour: { status: 429 } });
      // The body was still read and checked, so a test can compare what each retry sent.
      expect(intake.requests[0].body).toEqual(expect.objectContaining({ series: expect.any(Array) }));
      expect(intake.series()).toEqual([]);
    });

    it('sends a queued string body as text, like a proxy error page', async () => {
      intake.respondWith({ status: 502, body: '<html>Bad Gateway</html>' });
      const res = await post(intake, gaugePayload());

      expect(res.status).toBe(502);
      expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
      expect(await res.text()).toBe('<html>Bad Gateway</html>');
    });

    it('accepts the series on a queued 202 with errors, to simulate a partial failure', async () => {
      intake.respondWith({ status: 202, body: { errors: ['Invalid metric name: 1bad'] } });
      const payload = gaugePayload();
      const res = await post(intake, payload);

      expect(res.status).toBe(202);
      expect(await res.json()).toEqual({ errors: ['Invalid metric name: 1bad'] });
      expect(intake.series()).toEqual(payload.series);
    });

    it('consumes behaviours one per request, in order, then answers normally', async () => {
      intake.respondWith({ status: 500 }, { status: 503 });
      expect(intake.pendingBehaviours).toBe(2);

      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await post(intake, gaugePayload(`m.${i}`))).status);

      expect(statuses).toEqual([500, 503, 202]);
      expect(intake.pendingBehaviours).toBe(0);
      expect(intake.series().map((s) => s.metric)).toEqual(['m.2']);
    });

    it('applies a behaviour to whatever route comes next, the key check included', async () => {
      intake.respondWith({ status: 500 });
      const res = await fetch(`${intake.url}${INTAKE_PATHS.validate}`, {
        headers: { 'dd-api-key': TEST_API_KEY },
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });

      expect(res.status).toBe(500);
    });

    it('hangs: never answers, and the client times out', async () => {
      intake.respondWith({ kind: 'hang' });
      const started = Date.now();

      await expect(post(intake, gaugePayload(), { signal: AbortSignal.timeout(300) })).rejects.toThrow(/aborted|timeout/i);
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
      const [req] = await intake.waitForRequests(1);
      expect(req).toMatchObject({ status: undefined, accepted: false, behaviour: { kind: 'hang' } });
      expect((await post(intake, gaugePayload())).status).toBe(202);
    });

    it('resets: destroys the connection without answering', async () => {
      intake.respondWith({ kind: 'reset' });

      const error = await post(intake, gaugePayload()).then(
        () => undefined,
        (e: unknown) => e as Error & { cause?: { code?: string } },
      );
      expect(error).toBeInstanceOf(TypeError);
      expect(error?.cause?.code).toBe('ECONNRESET');
      expect(intake.requests[0]).toMatchObject({ status: undefined, accepted: false, behaviour: { kind: 'reset' } });
      expect((await post(intake, gaugePayload())).status).toBe(202);
    });

    it('delays: answers normally after the delay', async () => {
      intake.respondWith({ kind: 'delay', ms: 300 });
      const started = Date.now();
      const res = await post(intake, gaugePayload());

      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(intake.series()).toHaveLength(1);
    });

    it('refuses a behaviour that cannot be carried out', () => {
      expect(() => intake.respondWith({ kind: 'delay', ms: -1 })).toThrow(RangeError);
      expect(() => intake.respondWith({ status: 42 })).toThrow(RangeError);
      expect(intake.pendingBehaviours).toBe(0);
    });
  });

  it('reset() forgets requests and queued behaviours', async () => {
    intake.respondWith({ status: 500 }, { status: 500 });
    await post(intake, gaugePayload());
    intake.reset();

    expect(intake.requests).toEqual([]);
    expect(intake.pendingBehaviours).toBe(0);
    expect((await post(intake, gaugePayload())).status).toBe(202);
  });

  it('waitForRequests() rejects when too few requests arrive in time', async () => {
    await expect(intake.waitForRequests(1, 50)).rejects.toThrow('intake received 0 of 1 requests within 50 ms');
  });
});

describe('Intake.close', () => {
  it('expects the key it was given', async () => {
    const intake = await startIntake({ apiKey: 'custom-key' });
    try {
      expect((await post(intake, gaugePayload(), { apiKey: 'custom-key' })).status).toBe(202);
      expect((await post(intake, gaugePayload())).status).toBe(403);
    } finally {
      await intake.close();
    }
  });

  it('returns promptly while a request hangs, a delay is pending and a keep-alive socket is idle', async () => {
    const intake = await startIntake();
    await post(intake, gaugePayload()); // leaves an idle keep-alive connection in fetch's pool
    intake.respondWith({ kind: 'hang' }, { kind: 'delay', ms: 60_000 });
    // Outcomes are captured at once: a rejection with no handler yet is an unhandled rejection.
    const outcome = (p: Promise<Response>): Promise<unknown> =>
      p.then(
        (r) => r.status,
        (e: unknown) => e,
      );
    const hung = outcome(post(intake, gaugePayload(), { signal: AbortSignal.timeout(10_000) }));
    const delayed = outcome(post(intake, gaugePayload(), { signal: AbortSignal.timeout(10_000) }));
    await intake.waitForRequests(3);

    const started = Date.now();
    await intake.close();

    expect(Date.now() - started).toBeLessThan(1_000);
    expect(await hung).toBeInstanceOf(TypeError);
    expect(await delayed).toBeInstanceOf(TypeError);
    await expect(intake.close()).resolves.toBeUndefined();
  });
});

describe('the benchmark side of the intake', () => {
  it('answers a request no sooner than its latency after the request ended', async () => {
    const intake = await startIntake({ latencyMs: 200 });
    try {
      const started = Date.now();
      const res = await post(intake, gaugePayload());

      expect(res.status).toBe(202);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(intake.server.takeTimeline()).toEqual([expect.objectContaining({ label: 'Datadog' })]);
    } finally {
      await intake.close();
    }
  });

  it('take() sums what was accepted and refused since the last take, then forgets it', async () => {
    const intake = await startIntake();
    try {
      const accepted = Buffer.from(
        JSON.stringify({ series: [...gaugePayload('a').series, ...gaugePayload('b').series, ...gaugePayload('a').series] }),
      );
      await post(intake, accepted, { encoding: 'gzip' });
      await post(intake, gaugePayload(), { apiKey: 'wrong' });
      await post(intake, { series: [{ metric: 'm', type: 'gauge', points: [] }] });

      const tally = intake.take();

      expect(tally).toMatchObject({
        requests: 3,
        accepted: 1,
        refused: { 403: 1, 400: 1 },
        compressedBytes: gzipSync(accepted).length,
        rawBytes: accepted.length,
        seriesPerMetric: { a: 2, b: 1 },
        droppedPoints: 0,
      });
      expect(tally.refusals).toEqual(['403: Forbidden', '400: /series/0/type must be integer']);
      expect(tally.series.map((series) => series.metric)).toEqual(['a', 'b', 'a']);
      expect(intake.requests).toEqual([]);
      expect(intake.take().requests).toBe(0);
    } finally {
      await intake.close();
    }
  });

  it.each([
    { name: 'a valid body', payload: gaugePayload(), accepted: true, errors: [] },
    {
      name: 'a body that fails the schema',
      payload: { series: [{ metric: 'm', type: 'gauge', points: [] }] },
      accepted: false,
      errors: expect.arrayContaining(['/series/0/type must be integer']),
    },
  ])(
    'with checkBodiesAfterAnswer, answers $name 202 and records whether it was acceptable once checked',
    async ({ payload, accepted, errors }) => {
      const intake = await startIntake({ checkBodiesAfterAnswer: true });
      try {
        const res = await post(intake, payload);
        await new Promise((resolve) => setImmediate(resolve));

        expect(res.status).toBe(202);
        expect(intake.requests[0]).toMatchObject({ status: 202, accepted, errors, body: payload });
      } finally {
        await intake.close();
      }
    },
  );
});

describe('the events route of the intake (POST /api/v1/events)', () => {
  let intake: Intake;
  const event = {
    title: 'AWS cost anomaly',
    text: 'EC2 spend rose',
    tags: ['account_id:123456789012'],
    alert_type: 'warning',
    date_happened: now(),
  };
  const postEvent = (body: unknown, apiKey = TEST_API_KEY): Promise<Response> =>
    fetch(`${intake.url}${INTAKE_PATHS.events}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'dd-api-key': apiKey },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });

  beforeAll(async () => {
    intake = await startIntake();
  });
  afterEach(() => intake.reset());
  afterAll(() => intake.close());

  it('accepts a valid EventCreateRequest with 202 and the created event, and lists it apart from the series', async () => {
    const answer = await postEvent(event);
    expect(answer.status).toBe(202);
    expect(await answer.json()).toMatchObject({ status: 'ok', event: { title: 'AWS cost anomaly' } });
    expect(intake.events()).toEqual([event]);
    expect(intake.series()).toEqual([]);
  });

  it('refuses a body against the schema with 400 and the ajv errors, and a wrong key with 403', async () => {
    const missingText = await postEvent({ title: 'no text' });
    expect(missingText.status).toBe(400);
    expect(intake.requests[0].schemaErrors.map((error) => error.message)).toContain("must have required property 'text'");
    const tooLong = await postEvent({ ...event, text: 'x'.repeat(4_001) });
    expect(tooLong.status).toBe(400);
    expect((await postEvent(event, 'f'.repeat(32))).status).toBe(403);
    expect(intake.events()).toEqual([]);
  });
});

/**
 * A Datadog-compatible metrics intake on loopback, for tests.
 *
 * It answers `POST /api/v2/series` and `GET /api/v1/validate` the way Datadog documents them
 * (API key check, gzip/deflate bodies, size limits, JSON, the v2 body schema), records every
 * request it sees (failed ones too), and can be told to misbehave for the next requests
 * (an error status, a hang, a connection reset, a delay) so retry and timeout code can be
 * tested against a real socket instead of a mocked `fetch`.
 *
 * Built on `node:http` only and bound to 127.0.0.1: tests must never reach the real Datadog.
 */
import { createServer, STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { createGunzip, createInflate } from 'node:zlib';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import metricPayloadSchema from '../fixtures/metric-payload.schema.json';

/** Datadog's request size limits for `POST /api/v2/series`, in bytes. */
export const INTAKE_LIMITS = {
  /** Largest request body accepted, as sent (that is, after compression). */
  maxBodyBytes: 512_000,
  /** Largest body accepted once decompressed. */
  maxDecompressedBytes: 5_242_880,
} as const;

/** The API key the intake expects when `startIntake` is given none: 32 hex characters, like a real key. */
export const TEST_API_KEY = '0123456789abcdef0123456789abcdef';

/** Route paths the intake serves. */
export const INTAKE_PATHS = {
  series: '/api/v2/series',
  validate: '/api/v1/validate',
} as const;

/** One point of a v2 series, as the schema allows it (both fields are optional there). */
export interface IntakePoint {
  readonly timestamp?: number;
  readonly value?: number;
}

/** One series of a `POST /api/v2/series` body that passed schema validation. */
export interface IntakeSeries {
  readonly metric: string;
  readonly points: readonly IntakePoint[];
  readonly tags?: readonly string[];
  /** 0 unspecified, 1 count, 2 rate, 3 gauge. */
  readonly type?: 0 | 1 | 2 | 3;
  readonly unit?: string;
  readonly interval?: number;
  readonly resources?: readonly { readonly name?: string; readonly type?: string }[];
  readonly source_type_name?: string;
  readonly metadata?: unknown;
}

/**
 * Answer the next request with this status instead of processing it.
 *
 * A `202` is an acceptance: the series are kept (when the body is schema-valid), which is how a
 * partial failure (`202 {"errors":["..."]}`) is simulated. Any other status accepts nothing.
 */
export interface StatusBehaviour {
  readonly kind?: 'status';
  readonly status: number;
  /**
   * Response body: a string is sent as is (`text/plain` unless `headers` say otherwise),
   * anything else as JSON.
   * @default `{"errors":[]}` for 2xx, `{"errors":["<reason phrase>"]}` otherwise
   */
  readonly body?: unknown;
  /** Extra response headers, for example `{ 'Retry-After': '1' }`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Never answer the next request; its socket is destroyed by `close()`. Tests client timeouts. */
export interface HangBehaviour {
  readonly kind: 'hang';
}

/** Read the next request, then reset its connection (TCP RST) without answering. */
export interface ResetBehaviour {
  readonly kind: 'reset';
}

/** Answer the next request normally, but only after `ms` milliseconds. */
export interface DelayBehaviour {
  readonly kind: 'delay';
  readonly ms: number;
}

/** What the intake does with one request, queued with {@link Intake.respondWith}. */
export type IntakeBehaviour = StatusBehaviour | HangBehaviour | ResetBehaviour | DelayBehaviour;

/** One request as the intake received it. */
export interface ReceivedRequest {
  readonly receivedAt: Date;
  readonly method: string;
  /** URL path without the query string. */
  readonly path: string;
  /** Header names are lowercase, as Node gives them. */
  readonly headers: IncomingHttpHeaders;
  /** The `DD-API-KEY` header, if sent. */
  readonly apiKey: string | undefined;
  /** The `Content-Encoding` header, lowercased; `undefined` when the body was sent as is. */
  readonly contentEncoding: string | undefined;
  /** Body bytes as sent on the wire. */
  readonly rawBodyLength: number;
  /** Body bytes after decompression; `undefined` when the body could not be decompressed. */
  readonly decompressedBodyLength: number | undefined;
  /** The body parsed as JSON; `undefined` when it was empty, undecodable or not JSON. */
  readonly body: unknown;
  /** Why `body` is `undefined` although bytes were sent (bad encoding, bad JSON, too large). */
  readonly bodyError: string | undefined;
  /** ajv errors against the v2 series schema; empty when valid or when the route has no body. */
  readonly schemaErrors: readonly ErrorObject[];
  /**
   * Points Datadog would silently drop although it answers 202: timestamps more than 10 minutes
   * in the future (milliseconds instead of seconds, typically) or more than 1 hour in the past.
   */
  readonly timestampWarnings: readonly string[];
  /** The queued behaviour this request consumed, if any. */
  readonly behaviour: IntakeBehaviour | undefined;
  /** The status answered; `undefined` while pending, and for `hang` and `reset`. */
  readonly status: number | undefined;
  /** Whether its series count as accepted (they are then part of {@link Intake.series}). */
  readonly accepted: boolean;
}

/** A running intake. */
export interface Intake {
  /** Origin to point the client at, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** The API key it expects in `DD-API-KEY`. */
  readonly apiKey: string;
  /** Every request received so far, in the order their bodies were read, failed ones included. */
  readonly requests: readonly ReceivedRequest[];
  /** How many queued behaviours have not been consumed yet. */
  readonly pendingBehaviours: number;
  /** All series accepted so far, flattened across requests, in order. */
  series(): IntakeSeries[];
  /** Queue behaviours for the next requests, one per request, in order; then it answers normally. */
  respondWith(...behaviours: IntakeBehaviour[]): void;
  /**
   * Resolve once at least `count` requests have been recorded; useful when the client gives up
   * before the intake answers (hang, delay). Rejects after `timeoutMs`.
   * @default timeoutMs 5000
   */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  /** Forget recorded requests and queued behaviours. The server keeps running. */
  reset(): void;
  /** Stop listening and destroy every open socket (hung ones too). Safe to call twice. */
  close(): Promise<void>;
}

/** Options of {@link startIntake}. */
export interface IntakeOptions {
  /**
   * The API key requests must carry in `DD-API-KEY`.
   * @default TEST_API_KEY
   */
  readonly apiKey?: string;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Bodies larger than this are counted but not kept: far past any limit, and it bounds memory. */
const MAX_BUFFERED_BODY_BYTES = 32 * 1024 * 1024;

// Compiled once per process: compiling the schema is the slow part of validation.
let validatePayload: ValidateFunction | undefined;
function payloadValidator(): ValidateFunction {
  validatePayload ??= new Ajv2020({ allErrors: true, strict: true }).compile(metricPayloadSchema);
  return validatePayload;
}

/**
 * Start an intake on 127.0.0.1, on a port the system picks.
 *
 * @example
 * const intake = await startIntake();
 * process.env.DD_API_URL = intake.url;
 * intake.respondWith({ status: 500 }, { kind: 'reset' });
 * // ... run the collector: the third request is answered normally
 * expect(intake.series()).toHaveLength(3);
 * await intake.close();
 */
export async function startIntake(options: IntakeOptions = {}): Promise<Intake> {
  const expectedKey = options.apiKey ?? TEST_API_KEY;
  const requests: ReceivedRequest[] = [];
  let queue: IntakeBehaviour[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  const waiters = new Set<() => void>();
  let closing: Promise<void> | undefined;

  const server = createServer((req, res) => {
    // Take the behaviour on arrival, not once the body is read, so that concurrent requests
    // consume the queue in the order they reached the server.
    const behaviour = queue.shift();
    handle(req, res, behaviour).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        sendJson(res, 500, { errors: [`test intake failure: ${String(error)}`] });
      }
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse, behaviour: IntakeBehaviour | undefined): Promise<void> {
    const raw = await readBody(req);
    const record = await inspect(req, raw);
    record.behaviour = behaviour;
    requests.push(record);
    for (const wake of [...waiters]) wake();

    if (behaviour === undefined) {
      answerNormally(record, res, expectedKey);
      return;
    }
    switch (behaviour.kind) {
      case 'hang':
        // Left unanswered on purpose; close() destroys the socket.
        return;
      case 'reset':
        // An RST rather than a FIN: the client sees ECONNRESET, as when a proxy or NAT drops it.
        req.socket.resetAndDestroy();
        return;
      case 'delay':
        await new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            timers.delete(timer);
            resolve();
          }, behaviour.ms);
          timers.add(timer);
        });
        if (closing === undefined && !res.destroyed) answerNormally(record, res, expectedKey);
        return;
      case undefined:
      case 'status': {
        const { status, body, headers } = behaviour;
        record.status = status;
        record.accepted = status === 202 && isAcceptable(record);
        const payload = body ?? (status >= 200 && status < 300 ? { errors: [] } : { errors: [STATUS_CODES[status] ?? 'Error'] });
        if (typeof payload === 'string') {
          res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
          res.end(payload);
        } else {
          sendJson(res, status, payload, headers);
        }
        return;
      }
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey: expectedKey,
    get requests() {
      return requests;
    },
    get pendingBehaviours() {
      return queue.length;
    },
    series() {
      return requests.filter((r) => r.accepted).flatMap((r) => (r.body as { series: IntakeSeries[] }).series);
    },
    respondWith(...behaviours) {
      for (const b of behaviours) {
        if (b.kind === 'delay' && !(Number.isFinite(b.ms) && b.ms >= 0)) {
          throw new RangeError(`delay behaviour needs a non-negative \`ms\`, got ${b.ms}`);
        }
        if ((b.kind === undefined || b.kind === 'status') && !(Number.isInteger(b.status) && b.status >= 100 && b.status <= 599)) {
          throw new RangeError(`status behaviour needs an HTTP status, got ${b.status}`);
        }
      }
      queue.push(...behaviours);
    },
    waitForRequests(count, timeoutMs = 5_000) {
      return new Promise((resolve, reject) => {
        if (requests.length >= count) {
          resolve(requests);
          return;
        }
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`intake received ${requests.length} of ${count} requests within ${timeoutMs} ms`));
        }, timeoutMs);
        const check = (): void => {
          if (requests.length < count) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(requests);
        };
        waiters.add(check);
      });
    },
    reset() {
      requests.length = 0;
      queue = [];
    },
    close() {
      closing ??= new Promise<void>((resolve) => {
        queue = [];
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        // server.close() only stops accepting; it waits for open sockets (keep-alive, hung
        // requests) to end by themselves, which could be never. Destroy them.
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

/** Read the whole body, keeping at most MAX_BUFFERED_BODY_BYTES of it but counting all. */
async function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; length: number }> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= MAX_BUFFERED_BODY_BYTES) chunks.push(chunk);
  }
  return { bytes: Buffer.concat(chunks), length };
}

/** Decode, parse and validate a request for the record, whatever the answer will be. */
async function inspect(req: IncomingMessage, raw: { bytes: Buffer; length: number }): Promise<Mutable<ReceivedRequest>> {
  const path = new URL(req.url ?? '/', 'http://intake.invalid').pathname;
  const apiKeyHeader = req.headers['dd-api-key'];
  const encodingHeader = req.headers['content-encoding']?.trim().toLowerCase();
  const contentEncoding = encodingHeader === '' || encodingHeader === 'identity' ? undefined : encodingHeader;
  const record: Mutable<ReceivedRequest> = {
    receivedAt: new Date(),
    method: req.method ?? 'GET',
    path,
    headers: req.headers,
    apiKey: Array.isArray(apiKeyHeader) ? apiKeyHeader.join(', ') : apiKeyHeader,
    contentEncoding,
    rawBodyLength: raw.length,
    decompressedBodyLength: undefined,
    body: undefined,
    bodyError: undefined,
    schemaErrors: [],
    timestampWarnings: [],
    behaviour: undefined,
    status: undefined,
    accepted: false,
  };
  if (raw.length === 0) {
    record.decompressedBodyLength = 0;
    if (isSeriesRoute(record)) record.bodyError = 'empty body';
    return record;
  }
  if (raw.length > MAX_BUFFERED_BODY_BYTES) {
    record.bodyError = `body of ${raw.length} bytes not kept (over ${MAX_BUFFERED_BODY_BYTES})`;
    return record;
  }

  let decoded: { length: number; bytes: Buffer | undefined };
  try {
    decoded = await decode(raw.bytes, contentEncoding);
  } catch (error) {
    record.bodyError = (error as Error).message;
    return record;
  }
  record.decompressedBodyLength = decoded.length;
  if (decoded.bytes === undefined) {
    record.bodyError = `decompressed body of ${decoded.length} bytes is over ${INTAKE_LIMITS.maxDecompressedBytes}`;
    return record;
  }
  try {
    record.body = JSON.parse(decoded.bytes.toString('utf8'));
  } catch (error) {
    record.bodyError = `malformed JSON: ${(error as Error).message}`;
    return record;
  }
  if (isSeriesRoute(record)) {
    const validate = payloadValidator();
    if (validate(record.body)) {
      record.timestampWarnings = timestampWarnings(record.body as { series: IntakeSeries[] }, record.receivedAt);
    } else {
      record.schemaErrors = [...(validate.errors ?? [])];
    }
  }
  return record;
}

/**
 * Decompress by streaming, so the full decompressed length is known (it is recorded) while at
 * most the limit is kept in memory: a small gzip body can expand a thousandfold.
 */
async function decode(bytes: Buffer, encoding: string | undefined): Promise<{ length: number; bytes: Buffer | undefined }> {
  if (encoding === undefined) {
    return { length: bytes.length, bytes: bytes.length <= INTAKE_LIMITS.maxDecompressedBytes ? bytes : undefined };
  }
  // HTTP "deflate" is the zlib format (RFC 1950), not a raw deflate stream: createInflate, strictly.
  // zstd1, which Datadog also accepts, has no decoder in Node 20's zlib.
  let inflater;
  if (encoding === 'gzip') inflater = createGunzip();
  else if (encoding === 'deflate') inflater = createInflate();
  else throw new Error(`unsupported Content-Encoding: ${encoding} (this intake decodes gzip and deflate)`);
  inflater.end(bytes);
  const chunks: Buffer[] = [];
  let length = 0;
  try {
    for await (const chunk of inflater as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length <= INTAKE_LIMITS.maxDecompressedBytes) chunks.push(chunk);
    }
  } catch (error) {
    throw new Error(`cannot decompress ${encoding} body: ${(error as Error).message}`, { cause: error });
  }
  return { length, bytes: length <= INTAKE_LIMITS.maxDecompressedBytes ? Buffer.concat(chunks) : undefined };
}

/** Datadog answers 202 but drops points outside [now - 1 h, now + 10 min]: say so in the record. */
function timestampWarnings(payload: { series: IntakeSeries[] }, receivedAt: Date): string[] {
  const now = Math.floor(receivedAt.getTime() / 1000);
  const warnings: string[] = [];
  payload.series.forEach((series, s) => {
    series.points.forEach((point, p) => {
      const ts = point.timestamp;
      if (ts === undefined) return;
      const where = `series[${s}] (${series.metric}) points[${p}].timestamp ${ts}`;
      if (ts > now + 10 * 60) warnings.push(`${where} is more than 10 minutes in the future (milliseconds instead of seconds?)`);
      else if (ts < now - 60 * 60) warnings.push(`${where} is more than 1 hour in the past: dropped unless historical ingestion is on`);
    });
  });
  return warnings;
}

function isSeriesRoute(r: Pick<ReceivedRequest, 'method' | 'path'>): boolean {
  return r.method === 'POST' && r.path === INTAKE_PATHS.series;
}

function isAcceptable(r: ReceivedRequest): boolean {
  return isSeriesRoute(r) && r.body !== undefined && r.schemaErrors.length === 0;
}

/** Datadog's answer, in the order Datadog checks: route, key, size, encoding, JSON, schema. */
function answerNormally(record: Mutable<ReceivedRequest>, res: ServerResponse, expectedKey: string): void {
  const reply = (status: number, body: unknown): void => {
    record.status = status;
    sendJson(res, status, body);
  };
  if (record.method === 'GET' && record.path === INTAKE_PATHS.validate) {
    if (record.apiKey === expectedKey) reply(200, { valid: true });
    else reply(403, { errors: ['Forbidden'] });
    return;
  }
  if (!isSeriesRoute(record)) {
    reply(404, { errors: ['Not found'] });
    return;
  }
  if (record.apiKey !== expectedKey) {
    reply(403, { errors: ['Forbidden'] });
    return;
  }
  if (record.rawBodyLength > INTAKE_LIMITS.maxBodyBytes) {
    reply(413, { errors: [`Payload too large: ${record.rawBodyLength} bytes sent, limit ${INTAKE_LIMITS.maxBodyBytes}`] });
    return;
  }
  if (record.decompressedBodyLength !== undefined && record.decompressedBodyLength > INTAKE_LIMITS.maxDecompressedBytes) {
    reply(413, {
      errors: [`Payload too large: ${record.decompressedBodyLength} bytes decompressed, limit ${INTAKE_LIMITS.maxDecompressedBytes}`],
    });
    return;
  }
  if (record.body === undefined) {
    reply(400, { errors: [record.bodyError ?? 'Bad Request'] });
    return;
  }
  if (record.schemaErrors.length > 0) {
    reply(400, { errors: record.schemaErrors.map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`) });
    return;
  }
  record.accepted = true;
  reply(202, { errors: [] });
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

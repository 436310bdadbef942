/**
 * A Datadog metrics intake on 127.0.0.1: the one the tests, the benchmark and the demo send to.
 *
 * It answers `POST /api/v2/series`, `POST /api/v1/events` and `GET /api/v1/validate` the way
 * Datadog documents them (API key check, gzip/deflate bodies, size limits, JSON, the v2 series
 * and v1 event body schemas), records every
 * request it sees (failed ones too), and can be told to misbehave for the next requests (an
 * error status, a hang, a connection reset, a delay) so that retry and time-out code is tested
 * against a real socket. For the benchmark it answers after a fixed latency and sums what it
 * accepted into a tally.
 */
import { STATUS_CODES, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { createGunzip, createInflate } from 'node:zlib';
import Ajv2020, { type ErrorObject, type ValidateFunction } from 'ajv/dist/2020';
import { startLoopbackServer, type Answer, type Body, type LoopbackServer, type Reply, type Stream } from '../loopback';
import eventCreateRequestSchema from './schemas/event-create-request.schema.json';
import metricPayloadSchema from './schemas/metric-payload.schema.json';

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
  events: '/api/v1/events',
  validate: '/api/v1/validate',
  /** Where a `redirect` behaviour points by default: a request here is a followed redirect. */
  redirected: '/redirected',
} as const;

/** Datadog answers 202 but drops points more than an hour old or more than ten minutes ahead. */
const MAX_POINT_AGE_SECONDS = 3600;
const MAX_POINT_LEAD_SECONDS = 600;

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

/** One `POST /api/v1/events` body that passed schema validation (Datadog's `EventCreateRequest`). */
export interface IntakeEvent {
  readonly title: string;
  readonly text: string;
  readonly tags?: readonly string[];
  readonly aggregation_key?: string;
  readonly alert_type?: string;
  readonly source_type_name?: string;
  readonly date_happened?: number;
  readonly priority?: string | null;
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

/** Never answer the next request; its socket is destroyed by `close()`. Tests client time-outs. */
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

/**
 * Answer the next request with a redirect, as a misconfigured proxy or a hostile address would.
 * A client that follows it sends its next request to `location`, by default this intake's own
 * {@link INTAKE_PATHS}`.redirected`, where it is recorded like any other (with its key).
 */
export interface RedirectBehaviour {
  readonly kind: 'redirect';
  /** @default 307, which keeps the method and the body */
  readonly status?: 301 | 302 | 303 | 307 | 308;
  readonly location?: string;
}

/**
 * Answer the next request with `status` and a body that repeats the request's headers, keys
 * included and first, as Datadog's `errors` list: what a debugging proxy or a hostile address
 * may send.
 */
export interface EchoBehaviour {
  readonly kind: 'echo';
  readonly status: number;
}

/**
 * Answer the next request with `status` and a body of `bytes` bytes: Datadog's
 * `{"errors": [...]}` with as many errors of about 1 KB as fit, streamed as the client reads
 * it. The record says how much was written before the client closed the connection.
 */
export interface HugeBehaviour {
  readonly kind: 'huge';
  readonly status: number;
  readonly bytes: number;
}

/** What the intake does with one request, queued with {@link Intake.respondWith}. */
export type IntakeBehaviour =
  | StatusBehaviour
  | HangBehaviour
  | ResetBehaviour
  | DelayBehaviour
  | RedirectBehaviour
  | EchoBehaviour
  | HugeBehaviour;

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
  /** ajv errors against the route's schema (v2 series, v1 event); empty when valid or when the route has no body. */
  readonly schemaErrors: readonly ErrorObject[];
  /**
   * Points Datadog would silently drop although it answers 202: timestamps more than 10 minutes
   * in the future (milliseconds instead of seconds, typically) or more than 1 hour in the past.
   */
  readonly timestampWarnings: readonly string[];
  /** The queued behaviour this request consumed, if any. */
  readonly behaviour: IntakeBehaviour | undefined;
  /** The status answered; `undefined` for `hang` and `reset`. */
  readonly status: number | undefined;
  /** The answer's `errors`, when it had any: why a request was refused. */
  readonly errors: readonly string[];
  /** Whether its series count as accepted (they are then part of {@link Intake.series}). */
  readonly accepted: boolean;
  /**
   * For a streamed (`huge`) answer, once the connection is done with: the bytes written and
   * whether the client read them all. Bytes in flight in the sockets' buffers count as written.
   */
  readonly streamed?: { readonly written: number; readonly length: number; readonly complete: boolean };
}

/** What the intake accepted and refused since the last `take()`: the benchmark's figures. */
export interface IntakeTally {
  /** Every request, refused ones included. */
  readonly requests: number;
  /** Requests whose series were accepted. */
  readonly accepted: number;
  /** Requests not accepted, per status (`hang` and `reset` under those names). */
  readonly refused: Readonly<Record<string, number>>;
  /** The first error of each refused request, with its status. */
  readonly refusals: readonly string[];
  /** Bytes of accepted bodies as sent, and decompressed. */
  readonly compressedBytes: number;
  readonly rawBytes: number;
  /** Accepted series per metric name. */
  readonly seriesPerMetric: Readonly<Record<string, number>>;
  /** Accepted points Datadog would drop for their timestamp. */
  readonly droppedPoints: number;
  /** Every accepted series, in order. */
  readonly series: readonly IntakeSeries[];
}

/** A running intake. */
export interface Intake {
  /** Origin to point the client at, e.g. `http://127.0.0.1:40123` (no trailing slash). */
  readonly url: string;
  /** The API key it expects in `DD-API-KEY`. */
  readonly apiKey: string;
  /** The server: latency, timeline, overrun. */
  readonly server: LoopbackServer;
  /** Every request received since the last `reset()` or `take()`, in the order their bodies were read, failed ones included. */
  readonly requests: readonly ReceivedRequest[];
  /** How many queued behaviours have not been consumed yet. */
  readonly pendingBehaviours: number;
  /** All series accepted so far, flattened across requests, in order. */
  series(): IntakeSeries[];
  /** All events accepted so far (`POST /api/v1/events`), in order. */
  events(): IntakeEvent[];
  /** Queue behaviours for the next requests, one per request, in order; then it answers normally. */
  respondWith(...behaviours: IntakeBehaviour[]): void;
  /**
   * Resolve once at least `count` requests have been recorded; useful when the client gives up
   * before the intake answers (hang, delay). Rejects after `timeoutMs`.
   * @default timeoutMs 5000
   */
  waitForRequests(count: number, timeoutMs?: number): Promise<readonly ReceivedRequest[]>;
  /** Sums the requests recorded so far into a tally, then forgets them (queued behaviours stay). */
  take(): IntakeTally;
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
  /** Milliseconds from the end of a request to its answer (the benchmark's Datadog round trip). @default 0 */
  readonly latencyMs?: number;
  /**
   * Answer a series request from the cheap checks (route, key, sizes, encoding) and parse and
   * validate its body once the answer is sent: the benchmark's mode, where parsing thousands of
   * series must not add to the round trip the collector sees. A body that then fails is
   * recorded as not accepted, with its errors, although it was answered 202.
   * @default false
   */
  readonly checkBodiesAfterAnswer?: boolean;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** A number for each event answered, as Datadog gives each event an id. */
let requestsSeen = 0;

/** Bodies larger than this are counted but not kept: far past any limit, and it bounds memory. */
const MAX_BUFFERED_BODY_BYTES = 32 * 1024 * 1024;

// Compiled once per process: compiling the schema is the slow part of validation.
let validatePayload: ValidateFunction | undefined;
function payloadValidator(): ValidateFunction {
  validatePayload ??= new Ajv2020({ allErrors: true, strict: true }).compile(metricPayloadSchema);
  return validatePayload;
}
let validateEvent: ValidateFunction | undefined;
function eventValidator(): ValidateFunction {
  validateEvent ??= new Ajv2020({ allErrors: true, strict: true }).compile(eventCreateRequestSchema);
  return validateEvent;
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
  let requests: ReceivedRequest[] = [];
  let queue: IntakeBehaviour[] = [];
  // Taken on arrival, not once the body is read, so that requests sent at once consume the
  // queue in the order they reached the server.
  const behaviours = new WeakMap<IncomingMessage, IntakeBehaviour>();
  const waiters = new Set<() => void>();
  let origin = '';

  const handle = async (request: IncomingMessage, body: Body): Promise<Answer> => {
    const { record, decoded } = await receive(request, body);
    record.behaviour = behaviours.get(request);
    if (record.behaviour?.kind === 'redirect' && record.behaviour.location === undefined) {
      record.behaviour = { ...record.behaviour, location: `${origin}${INTAKE_PATHS.redirected}` };
    }
    const deferred = options.checkBodiesAfterAnswer === true && record.behaviour === undefined && decoded !== undefined && isSeriesRoute(record);
    if (decoded !== undefined && !deferred) checkBody(record, decoded);
    requests.push(record);
    for (const wake of [...waiters]) wake();
    if (!deferred) return answer(record, expectedKey);
    const reply = answerNormally(record, expectedKey, true);
    if (!record.accepted) return reply;
    const checkLater = (): void => {
      checkBody(record, decoded);
      if (isAcceptable(record)) return;
      record.accepted = false;
      record.errors = bodyProblems(record);
    };
    return { ...reply, after: checkLater };
  };

  const server = await startLoopbackServer({
    latencyMs: options.latencyMs,
    maxBodyBytes: MAX_BUFFERED_BODY_BYTES,
    arrived: (request) => {
      const behaviour = queue.shift();
      if (behaviour !== undefined) behaviours.set(request, behaviour);
    },
    handle,
  });
  origin = server.origin;

  return {
    url: server.origin,
    apiKey: expectedKey,
    server,
    get requests() {
      return requests;
    },
    get pendingBehaviours() {
      return queue.length;
    },
    series() {
      return acceptedSeries(requests);
    },
    events() {
      return requests.filter((r) => r.accepted && isEventsRoute(r)).map((r) => r.body as IntakeEvent);
    },
    respondWith(...added) {
      for (const b of added) {
        if (b.kind === 'delay' && !(Number.isFinite(b.ms) && b.ms >= 0)) {
          throw new RangeError(`delay behaviour needs a non-negative \`ms\`, got ${b.ms}`);
        }
        const withStatus = b.kind === undefined || b.kind === 'status' || b.kind === 'echo' || b.kind === 'huge';
        if (withStatus && !(Number.isInteger(b.status) && b.status >= 100 && b.status <= 599)) {
          throw new RangeError(`status behaviour needs an HTTP status, got ${b.status}`);
        }
      }
      queue.push(...added);
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
    take() {
      const taken = requests;
      requests = [];
      return tally(taken);
    },
    reset() {
      requests = [];
      queue = [];
    },
    close() {
      queue = [];
      return server.close();
    },
  };
}

function acceptedSeries(requests: readonly ReceivedRequest[]): IntakeSeries[] {
  return requests.filter((r) => r.accepted && isSeriesRoute(r)).flatMap((r) => (r.body as { series: IntakeSeries[] }).series);
}

/** The benchmark's figures over these requests. */
function tally(requests: readonly ReceivedRequest[]): IntakeTally {
  const accepted = requests.filter((r) => r.accepted);
  const refused: Record<string, number> = {};
  const refusals: string[] = [];
  for (const request of requests) {
    if (request.accepted) continue;
    const outcome = request.status === undefined ? (request.behaviour?.kind ?? 'unanswered') : String(request.status);
    refused[outcome] = (refused[outcome] ?? 0) + 1;
    refusals.push(`${outcome}: ${request.errors[0] ?? request.bodyError ?? ''}`);
  }
  const series = acceptedSeries(accepted);
  const seriesPerMetric: Record<string, number> = {};
  for (const { metric } of series) seriesPerMetric[metric] = (seriesPerMetric[metric] ?? 0) + 1;
  return {
    requests: requests.length,
    accepted: accepted.length,
    refused,
    refusals,
    compressedBytes: accepted.reduce((sum, r) => sum + r.rawBodyLength, 0),
    rawBytes: accepted.reduce((sum, r) => sum + (r.decompressedBodyLength ?? 0), 0),
    seriesPerMetric,
    droppedPoints: accepted.reduce((sum, r) => sum + r.timestampWarnings.length, 0),
    series,
  };
}

/** Decode a request for the record, whatever the answer will be: its headers, lengths and decompressed bytes. */
async function receive(req: IncomingMessage, raw: Body): Promise<{ record: Mutable<ReceivedRequest>; decoded: Buffer | undefined }> {
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
    errors: [],
    accepted: false,
  };
  if (raw.length === 0) {
    record.decompressedBodyLength = 0;
    if (isSeriesRoute(record) || isEventsRoute(record)) record.bodyError = 'empty body';
    return { record, decoded: undefined };
  }
  if (raw.length > MAX_BUFFERED_BODY_BYTES) {
    record.bodyError = `body of ${raw.length} bytes not kept (over ${MAX_BUFFERED_BODY_BYTES})`;
    return { record, decoded: undefined };
  }
  let decoded: { length: number; bytes: Buffer | undefined };
  try {
    decoded = await decode(raw.bytes, contentEncoding);
  } catch (error) {
    record.bodyError = (error as Error).message;
    return { record, decoded: undefined };
  }
  record.decompressedBodyLength = decoded.length;
  if (decoded.bytes === undefined) record.bodyError = `decompressed body of ${decoded.length} bytes is over ${INTAKE_LIMITS.maxDecompressedBytes}`;
  return { record, decoded: decoded.bytes };
}

/** Parse the decoded body into the record, and validate a series or event body against Datadog's schema. */
function checkBody(record: Mutable<ReceivedRequest>, decoded: Buffer): void {
  try {
    record.body = JSON.parse(decoded.toString('utf8'));
  } catch (error) {
    record.bodyError = `malformed JSON: ${(error as Error).message}`;
    return;
  }
  if (isEventsRoute(record)) {
    const validate = eventValidator();
    if (!validate(record.body)) record.schemaErrors = [...(validate.errors ?? [])];
    return;
  }
  if (!isSeriesRoute(record)) return;
  const validate = payloadValidator();
  if (validate(record.body)) {
    record.timestampWarnings = timestampWarnings(record.body as { series: IntakeSeries[] }, record.receivedAt);
  } else {
    record.schemaErrors = [...(validate.errors ?? [])];
  }
}

/** Why a body is not what Datadog takes, as Datadog's 400 says it. */
function bodyProblems(record: ReceivedRequest): string[] {
  if (record.body === undefined) return [record.bodyError ?? 'Bad Request'];
  return record.schemaErrors.map((e) => `${e.instancePath || '(body)'} ${e.message ?? e.keyword}`);
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
      if (ts > now + MAX_POINT_LEAD_SECONDS) warnings.push(`${where} is more than 10 minutes in the future (milliseconds instead of seconds?)`);
      else if (ts < now - MAX_POINT_AGE_SECONDS) warnings.push(`${where} is more than 1 hour in the past: dropped unless historical ingestion is on`);
    });
  });
  return warnings;
}

function isSeriesRoute(r: Pick<ReceivedRequest, 'method' | 'path'>): boolean {
  return r.method === 'POST' && r.path === INTAKE_PATHS.series;
}

function isEventsRoute(r: Pick<ReceivedRequest, 'method' | 'path'>): boolean {
  return r.method === 'POST' && r.path === INTAKE_PATHS.events;
}

function isAcceptable(r: ReceivedRequest): boolean {
  return (isSeriesRoute(r) || isEventsRoute(r)) && r.body !== undefined && r.schemaErrors.length === 0;
}

/** The answer to a recorded request: its queued behaviour's, or Datadog's. */
function answer(record: Mutable<ReceivedRequest>, expectedKey: string): Answer {
  const behaviour = record.behaviour;
  if (behaviour === undefined) return answerNormally(record, expectedKey);
  switch (behaviour.kind) {
    case undefined:
    case 'status':
      return answerWithStatus(record, behaviour);
    case 'hang':
    case 'reset':
      return { kind: behaviour.kind };
    case 'delay':
      return { ...answerNormally(record, expectedKey), delayMs: behaviour.ms };
    case 'redirect':
      record.status = behaviour.status ?? 307;
      return { status: record.status, headers: { location: behaviour.location ?? INTAKE_PATHS.redirected }, body: '', label: 'Datadog' };
    case 'echo':
      return answerWithStatus(record, { status: behaviour.status, body: { errors: echoedHeaders(record.headers) } });
    case 'huge':
      return hugeAnswer(record, behaviour);
  }
}

/** The request's headers as `name: value` errors, Datadog's own (the keys) first, so that they are never cut off. */
function echoedHeaders(headers: IncomingHttpHeaders): string[] {
  const entries = Object.entries(headers).map(([name, value]) => `${name}: ${Array.isArray(value) ? value.join(', ') : value}`);
  return [...entries.filter((entry) => entry.startsWith('dd-')), ...entries.filter((entry) => !entry.startsWith('dd-'))];
}

/** About 1 KB of a Datadog error, as a JSON string and its comma. */
const HUGE_ERROR = Buffer.from(`${JSON.stringify(`Point rejected: ${'x'.repeat(1_000)}`)},`);

/** `{"errors": ["...", ...]}` of `bytes` bytes (at least the frame), streamed. */
function hugeAnswer(record: Mutable<ReceivedRequest>, { status, bytes }: HugeBehaviour): Stream {
  record.status = status;
  record.accepted = status === 202 && isAcceptable(record);
  const head = Buffer.from('{"errors":[');
  const tail = Buffer.from('"last"]}');
  const count = Math.max(0, Math.floor((bytes - head.length - tail.length) / HUGE_ERROR.length));
  const length = head.length + count * HUGE_ERROR.length + tail.length;
  function* chunks(): Generator<Buffer> {
    yield head;
    // 64 errors a chunk: about 64 KB, so the writes are few and none is large.
    const block = Buffer.concat(Array.from({ length: 64 }, () => HUGE_ERROR));
    for (let left = count; left > 0; left -= 64) yield left >= 64 ? block : block.subarray(0, left * HUGE_ERROR.length);
    yield tail;
  }
  return {
    kind: 'stream',
    status,
    chunks: chunks(),
    length,
    label: 'Datadog',
    ended: (written, complete) => {
      record.streamed = { written, length, complete };
    },
  };
}

function answerWithStatus(record: Mutable<ReceivedRequest>, { status, body, headers }: StatusBehaviour): Reply {
  record.status = status;
  record.accepted = status === 202 && isAcceptable(record);
  const payload = body ?? (status >= 200 && status < 300 ? { errors: [] } : { errors: [STATUS_CODES[status] ?? 'Error'] });
  if (typeof payload === 'string') {
    return { status, headers: { 'content-type': 'text/plain; charset=utf-8', ...headers }, body: payload, label: 'Datadog' };
  }
  record.errors = errorsOf(payload);
  return { status, headers, body: JSON.stringify(payload), label: 'Datadog' };
}

function errorsOf(payload: unknown): string[] {
  const errors = (payload as { errors?: unknown } | null)?.errors;
  return Array.isArray(errors) ? errors.map(String) : [];
}

/**
 * Datadog's answer, in the order Datadog checks: route, key, size, encoding, JSON, schema.
 * With `bodyPending` the JSON and schema checks are left for later, and the answer is 202.
 */
function answerNormally(record: Mutable<ReceivedRequest>, expectedKey: string, bodyPending = false): Reply {
  const reply = (status: number, body: unknown): Reply => {
    requestsSeen += 1;
    record.status = status;
    record.errors = errorsOf(body);
    return { status, body: JSON.stringify(body), label: 'Datadog' };
  };
  if (record.method === 'GET' && record.path === INTAKE_PATHS.validate) {
    return record.apiKey === expectedKey ? reply(200, { valid: true }) : reply(403, { errors: ['Forbidden'] });
  }
  if (!isSeriesRoute(record) && !isEventsRoute(record)) return reply(404, { errors: ['Not found'] });
  if (record.apiKey !== expectedKey) return reply(403, { errors: ['Forbidden'] });
  if (record.rawBodyLength > INTAKE_LIMITS.maxBodyBytes) {
    return reply(413, { errors: [`Payload too large: ${record.rawBodyLength} bytes sent, limit ${INTAKE_LIMITS.maxBodyBytes}`] });
  }
  if (record.decompressedBodyLength !== undefined && record.decompressedBodyLength > INTAKE_LIMITS.maxDecompressedBytes) {
    return reply(413, {
      errors: [`Payload too large: ${record.decompressedBodyLength} bytes decompressed, limit ${INTAKE_LIMITS.maxDecompressedBytes}`],
    });
  }
  if (!bodyPending && !isAcceptable(record)) return reply(400, { errors: bodyProblems(record) });
  record.accepted = true;
  // Datadog answers an event with the event it created.
  if (isEventsRoute(record)) return reply(202, { status: 'ok', event: { id: requestsSeen, ...(record.body as object) } });
  return reply(202, { errors: [] });
}

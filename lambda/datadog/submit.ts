/**
 * Sends request bodies to `POST /api/v2/series`, retrying what is worth retrying and never
 * past the deadline the caller gives (the Lambda's remaining time, less a reserve for the
 * summary). node:http(s) does the HTTP, as for the AWS SDK: no client library in the bundle.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { runWithConcurrency } from '../concurrency';
import { DatadogSubmitError, describeError } from '../errors';
import type { Logger } from '../log';
import type { Body } from './payload';

/** Where the API key comes from. */
export interface ApiKeySource {
  /** Where the key is read from, for messages (e.g. "the secret arn:..."); never the key. */
  readonly origin: string;
  /** Reads of the key's store so far, for the run summary (0 for a key given directly). */
  readonly reads: number;
  get(signal?: AbortSignal): Promise<string>;
  /**
   * Reads the key again from its store, after Datadog refused it: it may have been rotated since
   * it was cached. Absent for a key given as it is (an environment variable): there is nothing to
   * re-read, so a refused key is not sent again.
   */
  refresh?(signal?: AbortSignal): Promise<string>;
}

export interface SubmitOptions {
  /** e.g. `https://api.datadoghq.com`. */
  readonly apiOrigin: string;
  readonly apiKey: ApiKeySource;
  /** Epoch milliseconds after which no request is started or waited for. */
  readonly deadline: number;
  readonly log: Logger;
  /** Longest wait for one answer. @default 10000 */
  readonly requestTimeoutMs?: number;
  /** Attempts per body, the first included. @default 6 */
  readonly maxAttempts?: number;
  /** First backoff step; doubled each retry, capped at 8 s, with full jitter. @default 500 */
  readonly backoffBaseMs?: number;
  /** Bodies sent at once. @default 4 */
  readonly concurrency?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly random?: () => number;
  readonly now?: () => number;
}

export interface SubmitResult {
  /** HTTP requests made, retries included. */
  readonly requests: number;
  /** Compressed bytes of the bodies Datadog accepted. */
  readonly bytesSent: number;
  readonly seriesSent: number;
  readonly errors: string[];
}

const SERIES_PATH = '/api/v2/series';
const BACKOFF_CAP_MS = 8_000;
/** Not worth starting an attempt with less time than this left. */
const MIN_ATTEMPT_MS = 500;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function submitBodies(bodies: readonly Body[], options: SubmitOptions): Promise<SubmitResult> {
  const result = { requests: 0, bytesSent: 0, seriesSent: 0, errors: [] as string[] };
  await runWithConcurrency(bodies, options.concurrency ?? 4, async (body) => {
    try {
      const reported = await sendOne(body, options, () => (result.requests += 1));
      result.bytesSent += body.gzipped.length;
      result.seriesSent += body.seriesCount;
      // Datadog kept the request (202) but said some of it was wrong: sent, and an error of the run.
      if (reported.length > 0) result.errors.push(`Datadog accepted the request but reported errors: ${reported.join('; ')}`);
    } catch (error) {
      result.errors.push(`${body.seriesCount} series not sent: ${describeError(error)}`);
    }
  });
  return result;
}

type Attempt =
  | { readonly outcome: 'accepted'; readonly errors: readonly string[] }
  | { readonly outcome: 'retry'; readonly reason: string; readonly status?: number; readonly waitMs?: number }
  | { readonly outcome: 'fail'; readonly error: DatadogSubmitError }
  | { readonly outcome: 'refresh-key' };

/** Sends one body; resolves with the errors Datadog reported while accepting it (usually none). */
async function sendOne(body: Body, options: SubmitOptions, countRequest: () => void): Promise<readonly string[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.backoffBaseMs ?? 500;
  let keyRefreshed = false;
  let apiKey = await options.apiKey.get();
  let lastReason = 'no attempt was made';
  let lastStatus: number | undefined;

  for (let attempt = 0; attempt < maxAttempts; ) {
    const remaining = options.deadline - now();
    if (remaining < MIN_ATTEMPT_MS) break;
    countRequest();
    const result = await attemptOnce(body, apiKey, options.apiOrigin, Math.min(options.requestTimeoutMs ?? 10_000, remaining));
    if (result.outcome === 'accepted') return result.errors;
    if (result.outcome === 'fail') throw result.error;
    if (result.outcome === 'refresh-key') {
      if (keyRefreshed || options.apiKey.refresh === undefined) {
        throw new DatadogSubmitError(
          `Datadog refused the API key (403 Forbidden). Check that ${options.apiKey.origin} ` +
            `holds a valid API key (not an application key) of the Datadog site you use, and that the site is right (API ${options.apiOrigin}).`,
          403,
        );
      }
      // The key may have been rotated since it was cached: read the secret again, once.
      keyRefreshed = true;
      apiKey = await options.apiKey.refresh(AbortSignal.timeout(Math.max(1, options.deadline - now())));
      continue;
    }
    attempt += 1;
    lastReason = result.reason;
    lastStatus = result.status;
    if (attempt >= maxAttempts) break;
    const backoff = random() * Math.min(BACKOFF_CAP_MS, base * 2 ** (attempt - 1));
    const wait = Math.max(result.waitMs ?? 0, backoff);
    if (now() + wait + MIN_ATTEMPT_MS > options.deadline) {
      lastReason += '; no time left to retry before the function times out';
      break;
    }
    options.log.warn('Datadog request failed; retrying', { reason: result.reason, attempt, waitMs: Math.round(wait) });
    await sleep(wait);
  }
  throw new DatadogSubmitError(`Datadog did not accept the metrics: ${lastReason}`, lastStatus);
}

interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One POST with node:http(s), the HTTP stack the AWS SDK already uses. `fetch` would load
 * undici, and its WebAssembly HTTP parser, for this one request: on the critical path of a
 * cold run, and 20-30 MB of peak memory when V8 optimizes that WebAssembly in the background.
 */
function post(url: URL, headers: Readonly<Record<string, string>>, body: Buffer, timeoutMs: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(
      url,
      { method: 'POST', headers: { ...headers, 'Content-Length': String(body.length) }, signal: AbortSignal.timeout(timeoutMs) },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function attemptOnce(body: Body, apiKey: string, origin: string, timeoutMs: number): Promise<Attempt> {
  let response: HttpAnswer;
  let text: string;
  try {
    response = await post(
      new URL(`${origin}${SERIES_PATH}`),
      { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip', 'DD-API-KEY': apiKey },
      body.gzipped,
      Math.max(1, Math.floor(timeoutMs)),
    );
    text = response.text;
  } catch (error) {
    const reason =
      error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')
        ? `no answer within ${timeoutMs} ms`
        : `network error (${networkCause(error)})`;
    return { outcome: 'retry', reason };
  }

  const status = response.status;
  const detail = errorDetail(text);
  if (status === 202 || status === 200) {
    return { outcome: 'accepted', errors: parseErrors(text) };
  }
  if (status === 403) return { outcome: 'refresh-key' };
  if (status === 408 || status === 429 || status >= 500) {
    return { outcome: 'retry', status, reason: `HTTP ${status}${detail}`, waitMs: retryAfterMs(response) };
  }
  if (status === 400) {
    return {
      outcome: 'fail',
      error: new DatadogSubmitError(
        `Datadog refused the payload as malformed (400)${detail}. This is a collector bug: please report it with this message.`,
        status,
      ),
    };
  }
  if (status === 413) {
    return {
      outcome: 'fail',
      error: new DatadogSubmitError(
        `Datadog refused the payload as too large (413)${detail}. This is a collector bug: please report it with this message.`,
        status,
      ),
    };
  }
  return {
    outcome: 'fail',
    error: new DatadogSubmitError(`Datadog answered HTTP ${status}${detail}; check DD_SITE or DD_API_URL (API ${origin}).`, status),
  };
}

/** Datadog's rate-limit reset (seconds) or a standard Retry-After, in milliseconds. */
function retryAfterMs(response: HttpAnswer): number | undefined {
  for (const header of ['x-ratelimit-reset', 'retry-after']) {
    const value = response.headers[header];
    const seconds = Number(value);
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  }
  return undefined;
}

function parseErrors(text: string): string[] {
  try {
    const parsed = JSON.parse(text) as { errors?: unknown };
    return Array.isArray(parsed.errors) ? parsed.errors.map(String) : [];
  } catch {
    return [];
  }
}

/** A short excerpt of an error body for the message; Datadog never echoes the key. */
function errorDetail(text: string): string {
  const errors = parseErrors(text);
  const detail = errors.length > 0 ? errors.join('; ') : text.trim();
  return detail === '' ? '' : `: ${detail.slice(0, 300)}`;
}

function networkCause(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? describeError(error);
}

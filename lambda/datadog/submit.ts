/**
 * Sends request bodies to `POST /api/v2/series`, retrying what is worth retrying and never
 * past the deadline the caller gives (the Lambda's remaining time, less a reserve for the
 * summary). The HTTP itself, its bounds and its masking, are `http.ts`'s.
 */
import { runWithConcurrency } from '../concurrency';
import { DatadogSubmitError, datadogUnreachableFix, describeError, type SettingNamer } from '../errors';
import type { Logger } from '../log';
import { answerErrors, datadogRequest, networkCause, noAnswerReason, timedOut, type DatadogAnswer, type HttpObserver } from './http';
import type { Body } from './payload';
import { ENV } from '../settings';

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
  /** Told of each request and its answer (the tool's `--verbose`). */
  readonly observe?: HttpObserver;
  /** How the errors name a setting. @default the function's: variable and context key */
  readonly nameSetting?: SettingNamer;
}

export interface SubmitResult {
  /** Requests the server answered (any status), retries included. */
  readonly requests: number;
  /** Attempts that got no answer: the connection failed or the time-out came first. */
  readonly unanswered: number;
  /** Compressed bytes of the bodies Datadog accepted. */
  readonly bytesSent: number;
  readonly seriesSent: number;
  readonly errors: string[];
}

const SERIES_PATH = '/api/v2/series';
/** The variables that give the address the series go to, for the fixes that name them. */
const ORIGIN_VARIABLES = `${ENV.datadogSite} or ${ENV.apiUrl}`;

/** The settings that give the function's Datadog origin, and the origin, for the fix of a request it sent there. */
export function functionOriginSettings(origin: string): string {
  return `${ORIGIN_VARIABLES} (API ${origin})`;
}
const BACKOFF_CAP_MS = 8_000;
/** Not worth starting an attempt with less time than this left. */
const MIN_ATTEMPT_MS = 500;

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export async function submitBodies(bodies: readonly Body[], options: SubmitOptions): Promise<SubmitResult> {
  const result = { requests: 0, unanswered: 0, bytesSent: 0, seriesSent: 0, errors: [] as string[] };
  const count = (answered: boolean): void => {
    if (answered) result.requests += 1;
    else result.unanswered += 1;
  };
  await runWithConcurrency(bodies, options.concurrency ?? 4, async (body) => {
    try {
      const reported = await sendOne(body, options, count);
      result.bytesSent += body.gzipped.length;
      result.seriesSent += body.seriesCount;
      // Datadog kept the request (202) but said some of it was wrong: sent, and an error of the run.
      if (reported.length > 0) result.errors.push(`Datadog accepted the request but reported errors: ${reported.join('; ')}`);
    } catch (error) {
      result.errors.push(`${body.seriesCount} series not sent: ${describeError(error, options.nameSetting)}`);
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
async function sendOne(body: Body, options: SubmitOptions, countRequest: (answered: boolean) => void): Promise<readonly string[]> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? 6;
  const base = options.backoffBaseMs ?? 500;
  let keyRefreshed = false;
  let apiKey = await options.apiKey.get();
  let lastReason: string | undefined;
  let lastStatus: number | undefined;

  for (let attempt = 0; attempt < maxAttempts; ) {
    const remaining = options.deadline - now();
    if (remaining < MIN_ATTEMPT_MS) break;
    const result = await attemptOnce(body, apiKey, options, Math.min(options.requestTimeoutMs ?? 10_000, remaining));
    // Only a retry without a status got no answer.
    countRequest(!(result.outcome === 'retry' && result.status === undefined));
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
  // No answer at all (refused, unresolved, timed out): the address or the network path is wrong.
  const fix = lastReason !== undefined && lastStatus === undefined ? { fix: datadogUnreachableFix(options.apiOrigin) } : undefined;
  throw new DatadogSubmitError(`Datadog did not accept the metrics: ${lastReason ?? 'no attempt was made'}.`, lastStatus, fix);
}

async function attemptOnce(body: Body, apiKey: string, options: SubmitOptions, timeoutMs: number): Promise<Attempt> {
  const origin = options.apiOrigin;
  let response: DatadogAnswer;
  try {
    response = await datadogRequest({
      method: 'POST',
      origin,
      path: SERIES_PATH,
      apiKey,
      headers: { 'Content-Type': 'application/json', 'Content-Encoding': 'gzip' },
      body: body.gzipped,
      timeoutMs,
      originSettings: functionOriginSettings(origin),
      ...(options.observe === undefined ? {} : { observe: options.observe }),
    });
  } catch (error) {
    if (error instanceof DatadogSubmitError) return { outcome: 'fail', error };
    const reason = timedOut(error) ? noAnswerReason(error, timeoutMs) : `network error (${networkCause(error)})`;
    return { outcome: 'retry', reason };
  }

  const status = response.status;
  if (status === 202 || status === 200) {
    return { outcome: 'accepted', errors: answerErrors(response) };
  }
  if (status === 403) return { outcome: 'refresh-key' };
  const detail = errorDetail(response);
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
    error: new DatadogSubmitError(`Datadog answered HTTP ${status}${detail}; check ${ORIGIN_VARIABLES} (API ${origin}).`, status),
  };
}

/** Datadog's rate-limit reset (seconds) or a standard Retry-After, in milliseconds. */
function retryAfterMs(response: DatadogAnswer): number | undefined {
  for (const header of ['x-ratelimit-reset', 'retry-after']) {
    const value = response.headers[header];
    const seconds = Number(value);
    if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  }
  return undefined;
}

/** A short excerpt of an error answer for the message: Datadog's errors, else the start of the body. */
function errorDetail(answer: DatadogAnswer): string {
  const errors = answerErrors(answer);
  const detail = errors.length > 0 ? errors.join('; ') : answer.text.trim().slice(0, 300);
  return detail === '' ? '' : `: ${detail}`;
}

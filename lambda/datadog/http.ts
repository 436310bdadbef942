/**
 * The one HTTP client of every request that carries a Datadog key: the function's series, the
 * tool's key check and the dashboard and monitors' `apply`. It holds the rules for all of them:
 * - a redirect is never followed, since the key would go to whatever host it names: a 3xx is
 *   an error that names the origin and the settings that give it;
 * - at most a bound of the answer's body is read (Datadog's answers are small), the rest is
 *   discarded unread, so a huge or endless answer cannot exhaust memory;
 * - every request has a time limit;
 * - the keys it sends are remembered by the masking step (`../mask.ts`), and what it returns is
 *   masked, so an answer that echoes the request does not carry them further;
 * - each exchange can be reported (method, path, status, duration; never a header) to an observer.
 *
 * node:http(s), the HTTP stack the AWS SDK already uses: `fetch` would load undici, and its
 * WebAssembly HTTP parser, for these requests: on the critical path of a cold run, and 20-30 MB
 * of peak memory when V8 optimizes that WebAssembly in the background.
 */
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { DatadogSubmitError } from '../errors';
import { masked, rememberKey } from '../mask';

/** Bytes of an answer's body read by default: Datadog's answers to series and key checks are a few hundred. */
export const MAX_ANSWER_BYTES = 16 * 1024;

/** Errors of Datadog's `errors` list kept in a message, and the characters kept of each. */
const ERRORS_SHOWN = 5;
const ERROR_CHARACTERS = 200;

/** One exchange, as an observer sees it: never a header, so never a key. */
export interface HttpExchange {
  readonly method: string;
  /** Path and query string, without the origin. */
  readonly path: string;
  /** The answer's status; undefined when there was no answer. */
  readonly status?: number;
  /** Why there was no answer: the network error's code or the time-out. */
  readonly failure?: string;
  readonly durationMs: number;
}

export type HttpObserver = (exchange: HttpExchange) => void;

export interface DatadogRequest {
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Origin of the Datadog API (or of a proxy), such as `https://api.datadoghq.com`. */
  readonly origin: string;
  /** Path and query string. */
  readonly path: string;
  /** The `DD-API-KEY` header. */
  readonly apiKey?: string;
  /** The `DD-APPLICATION-KEY` header. */
  readonly appKey?: string;
  /** Other headers (content type and encoding). */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** Longest wait for the whole answer. */
  readonly timeoutMs: number;
  /** The settings that give the origin, in the caller's words, for the fix of a redirect (`--site or --api-url`). */
  readonly originSettings: string;
  /** Bytes of the body read at most. @default MAX_ANSWER_BYTES */
  readonly maxBodyBytes?: number;
  readonly observe?: HttpObserver;
}

export interface DatadogAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /** The body, or its first `maxBodyBytes`, as UTF-8, with the keys masked. */
  readonly text: string;
  /** Whether the body was longer than `maxBodyBytes`: the rest was discarded unread. */
  readonly truncated: boolean;
}

/**
 * Sends one request and reads its answer, within the bounds above.
 * @throws DatadogSubmitError on a redirect (status 3xx), naming the origin and `originSettings`.
 * @throws the network error, or a `TimeoutError`/`AbortError`, when there is no answer.
 */
export async function datadogRequest(request: DatadogRequest): Promise<DatadogAnswer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.apiKey !== undefined) {
    rememberKey(request.apiKey, 'API key');
    headers['DD-API-KEY'] = request.apiKey;
  }
  if (request.appKey !== undefined) {
    rememberKey(request.appKey, 'application key');
    headers['DD-APPLICATION-KEY'] = request.appKey;
  }
  if (request.body !== undefined) headers['Content-Length'] = String(request.body.length);
  const started = Date.now();
  const report = (outcome: { status?: number; failure?: string }): void =>
    request.observe?.({ method: request.method, path: request.path, ...outcome, durationMs: Date.now() - started });

  let answer: DatadogAnswer;
  try {
    answer = await exchange(new URL(`${request.origin}${request.path}`), request, headers);
  } catch (error) {
    report({ failure: failureOf(error) });
    throw error;
  }
  report({ status: answer.status });
  if (answer.status >= 300 && answer.status < 400) {
    throw new DatadogSubmitError(
      `${request.origin} answered ${request.method} ${request.path.split('?')[0]} with a redirect (HTTP ${answer.status}), which is ` +
        'not followed: the Datadog key would go to the address it names.',
      answer.status,
      { fix: `Check ${request.originSettings}: it must be your Datadog site's API, or a proxy that forwards to it without redirecting.` },
    );
  }
  return answer;
}

function exchange(url: URL, request: DatadogRequest, headers: Readonly<Record<string, string>>): Promise<DatadogAnswer> {
  const maxBytes = request.maxBodyBytes ?? MAX_ANSWER_BYTES;
  return new Promise((resolve, reject) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      url,
      { method: request.method, headers, signal: AbortSignal.timeout(Math.max(1, Math.floor(request.timeoutMs))) },
      (response) => {
        const chunks: Buffer[] = [];
        let kept = 0;
        const finish = (truncated: boolean): void => {
          const text = masked(Buffer.concat(chunks).toString('utf8'));
          resolve({ status: response.statusCode ?? 0, headers: response.headers, text, truncated });
        };
        response.on('data', (chunk: Buffer) => {
          if (kept + chunk.length <= maxBytes) {
            chunks.push(chunk);
            kept += chunk.length;
            return;
          }
          // Past the bound: keep what fits, and close the connection rather than read the rest.
          chunks.push(chunk.subarray(0, maxBytes - kept));
          kept = maxBytes;
          finish(true);
          response.destroy();
        });
        response.on('end', () => finish(false));
        response.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(request.body);
  });
}

/** The network error's code, or the time-out, for an observer. */
function failureOf(error: unknown): string {
  return noAnswerReason(error);
}

/** Whether a request was cut by its time limit (or the caller's abort) rather than failed by the network. */
export function timedOut(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * Why a request got no answer, in the words every caller of this client uses: its time limit
 * (`no answer within 300 ms`, or `no answer in time` when the caller does not say it) or the
 * network error's code (`ECONNREFUSED`).
 */
export function noAnswerReason(error: unknown, timeoutMs?: number): string {
  if (!timedOut(error)) return networkCause(error);
  return timeoutMs === undefined ? 'no answer in time' : `no answer within ${Math.floor(timeoutMs)} ms`;
}

/** What went wrong on the network (`ECONNREFUSED`), from a node:http error or its cause. */
export function networkCause(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return masked(cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error)));
}

/**
 * Datadog's `errors` list from an answer, kept small for a log line or a message: the first
 * five, each cut at 200 characters, then how many more there were. From an answer cut at its
 * bound, the errors it holds in full, then that there were more.
 */
export function answerErrors(answer: Pick<DatadogAnswer, 'text' | 'truncated'>): string[] {
  let errors: unknown[];
  let more: string | undefined;
  try {
    const parsed = JSON.parse(answer.text) as { errors?: unknown } | null;
    errors = Array.isArray(parsed?.errors) ? parsed.errors : [];
  } catch {
    if (!answer.truncated) return [];
    errors = leadingErrors(answer.text);
    if (errors.length > 0) more = `... and more (the answer was cut at ${answer.text.length} characters)`;
  }
  const shown = errors.slice(0, ERRORS_SHOWN).map((error) => {
    const text = typeof error === 'string' ? error : JSON.stringify(error);
    return text.length > ERROR_CHARACTERS ? `${text.slice(0, ERROR_CHARACTERS - 3)}...` : text;
  });
  if (more === undefined && errors.length > shown.length) more = `... and ${errors.length - shown.length} more`;
  return more === undefined ? shown : [...shown, more];
}

/** The complete strings at the start of an `"errors": [...]` list that was cut off. */
function leadingErrors(text: string): string[] {
  const list = /"errors"\s*:\s*\[/.exec(text);
  if (list === null) return [];
  const item = /\s*("(?:[^"\\]|\\.)*")\s*,?/y;
  item.lastIndex = list.index + list[0].length;
  const found: string[] = [];
  for (let match = item.exec(text); match !== null && found.length < ERRORS_SHOWN; match = item.exec(text)) {
    found.push(JSON.parse(match[1]) as string);
  }
  return found;
}

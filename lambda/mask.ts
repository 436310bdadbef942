/**
 * The one masking step. A Datadog key this process has sent is replaced by its name wherever it
 * appears, in any text that came from outside (a response body that echoes the request, an SDK
 * or network error), before that text is logged, put in a run summary, thrown or printed.
 *
 * The keys are remembered by the one HTTP client that sends them (`datadog/http.ts`), as it sends
 * them, so no caller can forget to; the exits mask with what it remembers: the logger (every
 * line), `describeError` (summaries and thrown messages), the HTTP client's own answers and
 * errors, and the command-line tool's output. No imports: every layer uses it.
 */

/** The name that replaces a key, such as `[API key]`, by the key. */
const known = new Map<string, string>();

/** Shorter values are not keys, and masking them would mangle ordinary text. */
const MIN_KEY_LENGTH = 16;

/**
 * Remembers a key, to be masked from now on in every text that goes through {@link masked}.
 * @param name what replaces it, in brackets: `API key`, `application key`.
 */
export function rememberKey(value: string, name: string): void {
  if (value.length >= MIN_KEY_LENGTH) known.set(value, `[${name}]`);
}

/** `text` with every remembered key replaced by its name. */
export function masked(text: string): string {
  let result = text;
  // The longest first: a key may hold another (40 hex characters can hold 32).
  for (const [value, name] of [...known].sort(([a], [b]) => b.length - a.length)) result = result.split(value).join(name);
  return result;
}

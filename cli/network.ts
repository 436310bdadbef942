/**
 * The tool's words for the network: the flags that give the Datadog address, and what
 * `--verbose` says: one line per Datadog request (from the HTTP client's observer) and per AWS
 * call (from the middleware of the tool's clients), with its status and duration. Never a
 * header, a body or an error's message: nothing here carries a key.
 */
import type { HttpExchange } from '../lambda/datadog/http';
import type { AwsCall } from './aws';
import { settingAsFlag } from './settings';

/** The flags, and their variables, that give the Datadog address: for the fix of a redirect. */
export const DATADOG_ORIGIN_FLAGS = `${settingAsFlag('datadogSite')} or ${settingAsFlag('apiUrl')}`;

/** `Datadog GET /api/v1/validate answered 200 in 12 ms`, or `got no answer (ECONNREFUSED) after 3 ms`. */
export function datadogRequestLine(exchange: HttpExchange): string {
  const outcome =
    exchange.status === undefined ? `got no answer (${exchange.failure ?? 'unknown'}) after` : `answered ${exchange.status} in`;
  return `Datadog ${exchange.method} ${exchange.path} ${outcome} ${exchange.durationMs} ms`;
}

/** `AWS Budgets DescribeBudgets answered 200 in 35 ms`, or `failed with AccessDeniedException (HTTP 400) after 20 ms`. */
export function awsCallLine(call: AwsCall): string {
  const status = call.status === undefined ? '' : ` (HTTP ${call.status})`;
  const outcome =
    call.error === undefined ? `answered ${call.status ?? 'without a status'} in` : `failed with ${call.error}${status} after`;
  return `AWS ${call.service} ${call.operation} ${outcome} ${call.durationMs} ms`;
}

/**
 * Datadog events: the body of `POST /api/v1/events` built from an AWS cost anomaly (pure), and
 * its one request, through the one HTTP client (`http.ts`: no redirect, bounded answer, time
 * limit, keys masked). The v1 intake needs the API key alone; the v2 events intake would also need
 * an application key, which the function does not hold.
 */
import { DatadogSubmitError } from '../errors';
import { answerErrors, datadogRequest, networkCause, type HttpObserver } from './http';
import { normalizeTag } from './tags';
import type { ApiKeySource } from './submit';

export const EVENTS_PATH = '/api/v1/events';

/** Datadog's limit on an event's `text`, in characters. */
export const MAX_EVENT_TEXT = 4_000;

/** A `POST /api/v1/events` body (Datadog's `EventCreateRequest`), as the collector fills it. */
export interface DatadogEvent {
  readonly title: string;
  readonly text: string;
  readonly tags: readonly string[];
  /** Events of one key are grouped in Datadog's event stream: an anomaly's repeat joins the first. */
  readonly aggregation_key: string;
  readonly alert_type: 'warning' | 'error';
  readonly source_type_name: string;
  /** POSIX seconds. Datadog refuses events more than 18 hours old, so it is the posting time. */
  readonly date_happened: number;
}

/** One root cause of an anomaly, with its part of the impact in dollars. */
export interface AnomalyCause {
  readonly service?: string;
  readonly accountId?: string;
  readonly accountName?: string;
  readonly region?: string;
  readonly usageType?: string;
  readonly impact?: number;
}

/** An anomaly as the event needs it, read from `GetAnomalies` and its monitor's name. */
export interface AnomalyFinding {
  readonly id: string;
  /** The service, or the dimension value of the monitor (a linked account, a tag value). */
  readonly subject: string;
  readonly accountId: string;
  readonly accountName: string;
  /** The service of its largest root cause, when there is one. */
  readonly service?: string;
  readonly monitorArn: string;
  readonly monitorName: string;
  /** `YYYY-MM-DD`. */
  readonly startDate: string;
  /** `YYYY-MM-DD`; absent while the anomaly is open. */
  readonly endDate?: string;
  /** Dollars. */
  readonly totalImpact: number;
  readonly actualSpend?: number;
  readonly expectedSpend?: number;
  readonly impactPercent?: number;
  /** Largest impact first. */
  readonly causes: readonly AnomalyCause[];
}

/** What the event takes besides the anomaly. */
export interface AnomalyEventOptions {
  /** Raw `key:value` tags of every series and event (DD_TAGS, DD_ENV, DD_SERVICE). */
  readonly globalTags: readonly string[];
  /** Above this total impact in dollars the event is an `error`, else a `warning`. */
  readonly errorImpactUsd: number;
  readonly now: Date;
}

/** Datadog's name for what sent the event. */
const SOURCE_TYPE = 'amazon web services';
const CONSOLE = 'https://us-east-1.console.aws.amazon.com/cost-management/home#/anomaly-detection';

const dollars = (value: number): string => value.toFixed(2);

/** The event of one anomaly, within Datadog's limits. */
export function anomalyEvent(anomaly: AnomalyFinding, options: AnomalyEventOptions): DatadogEvent {
  const monitorId = anomaly.monitorArn.split('/').at(-1) ?? '';
  const head = [
    `Total impact: +$${dollars(anomaly.totalImpact)}` +
      (anomaly.impactPercent === undefined ? '' : ` (${anomaly.impactPercent.toFixed(1)} % above expected)`),
    ...(anomaly.actualSpend === undefined ? [] : [`Actual spend: $${dollars(anomaly.actualSpend)}`]),
    ...(anomaly.expectedSpend === undefined ? [] : [`Expected spend: $${dollars(anomaly.expectedSpend)}`]),
    `Dates: ${anomaly.startDate} to ${anomaly.endDate ?? 'now (open)'}`,
    `Monitor: ${anomaly.monitorName}`,
    `In the AWS console: ${CONSOLE}/monitors/${encodeURIComponent(monitorId)}/anomalies/${encodeURIComponent(anomaly.id)}`,
    '',
    'Root causes:',
  ];
  const causes = anomaly.causes.map((cause) => {
    const where = [
      cause.service,
      cause.accountId === undefined ? undefined : `account ${cause.accountId}${cause.accountName === undefined ? '' : ` (${cause.accountName})`}`,
      cause.region,
      cause.usageType,
    ].filter((part) => part !== undefined && part !== '');
    return `- ${where.join(', ') || 'unknown'}${cause.impact === undefined ? '' : `: +$${dollars(cause.impact)}`}`;
  });
  // Every root cause that fits, then how many did not: the link shows them all.
  const lines = [...head];
  let length = lines.join('\n').length;
  for (const [index, line] of causes.entries()) {
    const more = `- and ${causes.length - index} more`;
    const last = index === causes.length - 1;
    if (length + 1 + line.length + (last ? 0 : 1 + more.length) > MAX_EVENT_TEXT) {
      lines.push(more);
      break;
    }
    lines.push(line);
    length += 1 + line.length;
  }
  if (causes.length === 0) lines.push('- none given by AWS');
  const tags = [
    `account_id:${anomaly.accountId}`,
    `account_name:${anomaly.accountName}`,
    ...(anomaly.service === undefined ? [] : [`aws_service:${anomaly.service}`]),
    `anomaly_monitor:${anomaly.monitorName}`,
    ...options.globalTags,
  ]
    .map(normalizeTag)
    .filter((tag, index, all) => tag !== '' && all.indexOf(tag) === index);
  return {
    title: `AWS cost anomaly: ${anomaly.subject} in ${anomaly.accountName}: +$${dollars(anomaly.totalImpact)}`,
    text: lines.join('\n').slice(0, MAX_EVENT_TEXT),
    tags,
    aggregation_key: anomaly.id.slice(0, 100),
    alert_type: anomaly.totalImpact > options.errorImpactUsd ? 'error' : 'warning',
    source_type_name: SOURCE_TYPE,
    date_happened: Math.floor(options.now.getTime() / 1000),
  };
}

/** Where and how an event is posted. */
export interface EventRequest {
  /** e.g. `https://api.datadoghq.com`. */
  readonly apiOrigin: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** The settings that give the origin, for the fix of a redirect. */
  readonly originSettings: string;
  readonly observe?: HttpObserver;
}

/**
 * Posts one event, once: an event Datadog did not take is left to the next run, which tries it
 * again (the caller's state store forgets it), so no retry here spends the run's time.
 * @throws DatadogSubmitError when Datadog did not answer 202 (or 200), or did not answer.
 */
export async function postEvent(event: DatadogEvent, request: EventRequest): Promise<void> {
  let status: number;
  let detail: string;
  try {
    const answer = await datadogRequest({
      method: 'POST',
      origin: request.apiOrigin,
      path: EVENTS_PATH,
      apiKey: request.apiKey,
      headers: { 'Content-Type': 'application/json' },
      body: Buffer.from(JSON.stringify(event)),
      timeoutMs: request.timeoutMs,
      originSettings: request.originSettings,
      ...(request.observe === undefined ? {} : { observe: request.observe }),
    });
    status = answer.status;
    if (status === 202 || status === 200) return;
    detail = answerErrors(answer).join('; ') || answer.text.trim().slice(0, 200);
  } catch (error) {
    if (error instanceof DatadogSubmitError) throw error;
    throw new DatadogSubmitError(`Datadog did not answer the event "${event.aggregation_key}" (${networkCause(error)}).`, undefined, {
      cause: error,
    });
  }
  throw new DatadogSubmitError(`Datadog refused the event "${event.aggregation_key}" (HTTP ${status}${detail === '' ? '' : `: ${detail}`}).`, status, {
    fix: status === 403 ? 'Check that the API key secret holds a valid API key of your Datadog site.' : 'The next run posts it again.',
  });
}

/** What a run posts its events with. */
export interface EventPosterOptions {
  readonly apiOrigin: string;
  /** The run's key: read once for the run. */
  readonly apiKey: ApiKeySource;
  /** Epoch milliseconds by which the run must have finished sending. */
  readonly deadline: number;
  readonly originSettings: string;
  readonly observe?: HttpObserver;
}

/** Longest wait for Datadog's answer to one event. */
const EVENT_TIMEOUT_MS = 10_000;

/** A run's way of posting events: its key, within its deadline. */
export function eventPoster(options: EventPosterOptions): (event: DatadogEvent) => Promise<void> {
  return async (event) =>
    postEvent(event, {
      apiOrigin: options.apiOrigin,
      apiKey: await options.apiKey.get(),
      timeoutMs: Math.max(1, Math.min(EVENT_TIMEOUT_MS, options.deadline - Date.now())),
      originSettings: options.originSettings,
      ...(options.observe === undefined ? {} : { observe: options.observe }),
    });
}

/**
 * A Datadog metrics intake on 127.0.0.1 for the benchmark: `POST /api/v2/series`, gzip or
 * plain JSON, Datadog's size limits, the API key check. It counts requests and bytes and keeps
 * every series it accepted, so the minimum number of requests can be computed from what was
 * actually sent. (The tests' intake in test/support validates against the schema; this one
 * only checks what the figures depend on, and answers within the fixed latency.)
 */
import type { IncomingMessage } from 'node:http';
import { gunzipSync, gzipSync } from 'node:zlib';
import { startLoopbackServer, type Answer, type LoopbackServer } from './loopback';

/** Datadog's documented limits for `POST /api/v2/series`. */
export const DATADOG_LIMITS = {
  /** Largest body as sent (after compression). */
  maxCompressedBytes: 512_000,
  /** Largest body once decompressed. */
  maxRawBytes: 5_242_880,
} as const;

const SERIES_PATH = '/api/v2/series';
/** Datadog drops points more than an hour old or more than ten minutes ahead. */
const MAX_POINT_AGE_SECONDS = 3600;
const MAX_POINT_LEAD_SECONDS = 600;

export interface DatadogTally {
  /** Every request to the intake, refused ones included. */
  requests: number;
  /** Requests answered 202. */
  accepted: number;
  /** Refusals per status. */
  readonly refused: Record<string, number>;
  /** Bytes of accepted bodies as sent, and decompressed. */
  compressedBytes: number;
  rawBytes: number;
  /** Accepted series per metric name. */
  readonly seriesPerMetric: Record<string, number>;
  /** Points Datadog would drop for their timestamp. */
  droppedPoints: number;
  /** Accepted bodies or series that were not what Datadog takes (Datadog would answer 400). */
  readonly malformed: string[];
  /** Each accepted series, re-serialized, for the minimum-requests computation. */
  readonly series: string[];
}

export interface FakeDatadog {
  readonly server: LoopbackServer;
  take(): DatadogTally;
}

function emptyTally(): DatadogTally {
  return { requests: 0, accepted: 0, refused: {}, compressedBytes: 0, rawBytes: 0, seriesPerMetric: {}, droppedPoints: 0, malformed: [], series: [] };
}

function refuse(tally: DatadogTally, status: number, message: string): Answer {
  tally.refused[status] = (tally.refused[status] ?? 0) + 1;
  return { status, body: JSON.stringify({ errors: [message] }), label: 'Datadog' };
}

/** Counts the series of an accepted body, and the points Datadog would drop for their age. */
function inspectSeries(tally: DatadogTally, raw: Buffer): void {
  let parsed: { series?: unknown };
  try {
    parsed = JSON.parse(raw.toString('utf8')) as { series?: unknown };
  } catch {
    tally.malformed.push('body is not JSON');
    return;
  }
  if (!Array.isArray(parsed.series)) {
    tally.malformed.push('body has no "series" array');
    return;
  }
  const now = Date.now() / 1000;
  for (const item of parsed.series as { metric?: unknown; type?: unknown; points?: { timestamp?: unknown; value?: unknown }[] }[]) {
    const points = Array.isArray(item.points) ? item.points : [];
    const wellFormed =
      typeof item.metric === 'string' &&
      item.type === 3 &&
      points.length > 0 &&
      points.every((point) => typeof point.timestamp === 'number' && typeof point.value === 'number' && Number.isFinite(point.value));
    if (!wellFormed) {
      tally.malformed.push(JSON.stringify(item).slice(0, 200));
      continue;
    }
    for (const point of points) {
      const timestamp = point.timestamp as number;
      if (timestamp < now - MAX_POINT_AGE_SECONDS || timestamp > now + MAX_POINT_LEAD_SECONDS) tally.droppedPoints += 1;
    }
    const metric = item.metric as string;
    tally.seriesPerMetric[metric] = (tally.seriesPerMetric[metric] ?? 0) + 1;
    tally.series.push(JSON.stringify(item));
  }
}

export async function startFakeDatadog(apiKey: string, latencyMs: number): Promise<FakeDatadog> {
  let tally = emptyTally();

  const handle = (request: IncomingMessage, body: Buffer): Answer => {
    tally.requests += 1;
    if (request.method !== 'POST' || request.url !== SERIES_PATH) return refuse(tally, 404, `not served: ${request.method} ${request.url}`);
    if (request.headers['dd-api-key'] !== apiKey) return refuse(tally, 403, 'Forbidden');
    if (body.length > DATADOG_LIMITS.maxCompressedBytes) return refuse(tally, 413, 'Payload too large');
    const encoding = String(request.headers['content-encoding'] ?? 'identity');
    let raw: Buffer;
    try {
      if (encoding === 'gzip') raw = gunzipSync(body, { maxOutputLength: DATADOG_LIMITS.maxRawBytes + 1 });
      else if (encoding === 'identity') raw = body;
      else return refuse(tally, 400, `unsupported Content-Encoding ${encoding}`);
    } catch {
      return refuse(tally, 413, 'Payload too large once decompressed, or not gzip');
    }
    if (raw.length > DATADOG_LIMITS.maxRawBytes) return refuse(tally, 413, 'Payload too large once decompressed');
    // The checks above decide the answer. Reading the series is bookkeeping, done after the
    // answer is sent so that it never adds to the latency the collector sees; what Datadog
    // would have refused is then listed in `malformed`, which the benchmark reports.
    const counted = tally;
    counted.accepted += 1;
    counted.compressedBytes += body.length;
    counted.rawBytes += raw.length;
    return { status: 202, body: '{"errors":[]}', after: () => inspectSeries(counted, raw), label: 'Datadog' };
  };

  const server = await startLoopbackServer(latencyMs, DATADOG_LIMITS.maxCompressedBytes * 2, handle);
  return {
    server,
    take: () => {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
  };
}

/**
 * The fewest requests that can carry these series within Datadog's limits: everything as one
 * body, measured raw and gzipped (the collector's own compression, zlib's default level).
 */
export function minimumDatadogRequests(series: readonly string[]): { requests: number; rawBytes: number; gzippedBytes: number } {
  if (series.length === 0) return { requests: 0, rawBytes: 0, gzippedBytes: 0 };
  const json = `{"series":[${series.join(',')}]}`;
  const rawBytes = Buffer.byteLength(json);
  const gzippedBytes = gzipSync(json).length;
  const requests = Math.max(Math.ceil(rawBytes / DATADOG_LIMITS.maxRawBytes), Math.ceil(gzippedBytes / DATADOG_LIMITS.maxCompressedBytes));
  return { requests, rawBytes, gzippedBytes };
}

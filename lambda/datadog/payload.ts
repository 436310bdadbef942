/**
 * Series to request bodies within Datadog's intake limits. Pure CPU work, no I/O.
 */
import { gzipSync } from 'node:zlib';
import type { MetricSeries } from './series';

/** Datadog refuses a request body larger than this, measured after compression. */
export const MAX_COMPRESSED_BYTES = 512_000;
/** ...and a compressed body that decompresses to more than this. */
export const MAX_UNCOMPRESSED_BYTES = 5_242_880;

export interface Body {
  /** The gzipped JSON bytes to send. */
  readonly gzipped: Buffer;
  /** Size of the JSON before compression. */
  readonly rawBytes: number;
  readonly seriesCount: number;
}

const PREFIX = '{"series":[';
const SUFFIX = ']}';
/** The bytes of a body that are not its series: `{"series":[` and `]}`. */
export const BODY_FRAME_BYTES = PREFIX.length + SUFFIX.length;

/**
 * The series of one encoding step. A run's series are encoded a slice at a time and written
 * straight into the body's buffer, never as one string of the whole body: the first
 * `JSON.stringify` of a multi-megabyte result, and its copy into bytes, cost more CPU than the
 * rest of the encoding together, most of all on Node.js 24, Lambda's runtime (docs/performance.md).
 */
const ENCODE_SLICE = 1024;

/**
 * Packs series into as few bodies as the limits allow: fill up to the uncompressed limit, then
 * halve any chunk whose compressed size is still too large. Billing series compress about
 * tenfold, so in practice the uncompressed limit decides.
 */
export function packBodies(series: readonly MetricSeries[], limits = { raw: MAX_UNCOMPRESSED_BYTES, gzipped: MAX_COMPRESSED_BYTES }): Body[] {
  if (series.length === 0) return [];
  // Most runs fit one body: its series, encoded once, are the cheapest way to find out, and are
  // the body itself (the same bytes the packing below would join).
  const slices: string[] = [];
  let rawBytes = BODY_FRAME_BYTES;
  for (let start = 0; start < series.length; start += ENCODE_SLICE) {
    // `[...]`: its brackets give way to the body's frame and the commas between slices.
    const json = JSON.stringify(series.slice(start, start + ENCODE_SLICE));
    slices.push(json);
    rawBytes += Buffer.byteLength(json) - 2 + (start > 0 ? 1 : 0);
  }
  if (rawBytes <= limits.raw) {
    const whole = Buffer.allocUnsafe(rawBytes);
    let at = whole.write(PREFIX, 0);
    for (let index = 0; index < slices.length; index += 1) {
      if (index > 0) at += whole.write(',', at);
      at += whole.write(slices[index].slice(1, -1), at);
    }
    whole.write(SUFFIX, at);
    const gzipped = gzipSync(whole);
    if (gzipped.length <= limits.gzipped || series.length === 1) return [{ gzipped, rawBytes, seriesCount: series.length }];
  }
  const encoded = series.map((item) => JSON.stringify(item));
  const chunks: string[][] = [];
  let current: string[] = [];
  let size = PREFIX.length + SUFFIX.length;
  for (const item of encoded) {
    const added = Buffer.byteLength(item) + (current.length > 0 ? 1 : 0);
    if (current.length > 0 && size + added > limits.raw) {
      chunks.push(current);
      current = [];
      size = PREFIX.length + SUFFIX.length;
    }
    current.push(item);
    size += Buffer.byteLength(item) + (current.length > 1 ? 1 : 0);
  }
  if (current.length > 0) chunks.push(current);
  return chunks.flatMap((chunk) => compressWithinLimit(chunk, limits.gzipped));
}

/**
 * The bodies of series already encoded one by one (JSON each), whose raw size the caller kept
 * within the uncompressed limit: one body, halved only if its compressed size is still too large.
 */
export function bodiesOfEncoded(encoded: readonly string[], maxGzipped = MAX_COMPRESSED_BYTES): Body[] {
  return encoded.length === 0 ? [] : compressWithinLimit(encoded, maxGzipped);
}

function compressWithinLimit(chunk: readonly string[], maxGzipped: number): Body[] {
  const json = `${PREFIX}${chunk.join(',')}${SUFFIX}`;
  const gzipped = gzipSync(json);
  if (gzipped.length <= maxGzipped || chunk.length === 1) {
    return [{ gzipped, rawBytes: Buffer.byteLength(json), seriesCount: chunk.length }];
  }
  const half = Math.ceil(chunk.length / 2);
  return [...compressWithinLimit(chunk.slice(0, half), maxGzipped), ...compressWithinLimit(chunk.slice(half), maxGzipped)];
}

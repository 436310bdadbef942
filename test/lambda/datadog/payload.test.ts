import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MAX_COMPRESSED_BYTES, MAX_UNCOMPRESSED_BYTES, packBodies, type Body } from '../../../lambda/datadog/payload';
import type { MetricSeries } from '../../../lambda/datadog/series';
import { payloadErrors } from './schema';

const TIMESTAMP = 1_710_505_296;

/** A series whose tags are long and hard to compress (hex digests): compression, not raw size, decides. */
function incompressible(index: number, tagCount = 6): MetricSeries {
  const digest = (salt: number): string => createHash('sha256').update(`${index}/${salt}`).digest('hex');
  return {
    metric: 'aws.billing.estimated_charges',
    type: 3,
    points: [{ timestamp: TIMESTAMP, value: index + 0.25 }],
    tags: [
      `account_id:${String(100000000000 + index)}`,
      'billing_scope:linked_account_service',
      ...Array.from({ length: tagCount }, (_, salt) => `servicename:${digest(salt)}${digest(salt + 100)}`),
    ],
    unit: 'dollar',
  };
}

const SERVICES = [
  'amazon_elastic_compute_cloud_-_compute',
  'amazon_simple_storage_service',
  'amazon_relational_database_service',
  'aws_lambda',
  'amazon_cloudwatch',
  'amazon_dynamodb',
  'aws_key_management_service',
  'amazon_virtual_private_cloud',
];

/** A payer account's linked-account-and-service series with many long global tags: raw size decides. */
function linkedAccountService(index: number): MetricSeries {
  const account = String(100000000000 + Math.floor(index / SERVICES.length) * 7919);
  return {
    metric: 'aws.billing.estimated_charges',
    type: 3,
    points: [{ timestamp: TIMESTAMP, value: Math.round(index * 137.31) / 100 }],
    tags: [
      `account_id:${account}`,
      'billing_scope:linked_account_service',
      `linkedaccount:${account}`,
      `servicename:${SERVICES[index % SERVICES.length]}`,
      'currency:usd',
      `team:${'platform-engineering-'.repeat(3)}${index % 97}`,
      `cost_center:cc-${String(index * 7).padStart(8, '0')}-${'x'.repeat(index % 50)}`,
      `owner:finance.operations-${index % 13}`,
      `project:${'long-project-name-'.repeat(4)}${index % 211}`,
      'env:production',
      'service:aws-billing-to-datadog',
    ],
    unit: 'dollar',
  };
}

const series = incompressible;

function unpack(body: Body): { series: MetricSeries[] } {
  const json = gunzipSync(body.gzipped).toString('utf8');
  expect(Buffer.byteLength(json)).toBe(body.rawBytes);
  return JSON.parse(json) as { series: MetricSeries[] };
}

describe('packBodies', () => {
  it('uses Datadog\'s limits: 5,242,880 bytes before and 512,000 bytes after compression', () => {
    expect(MAX_UNCOMPRESSED_BYTES).toBe(5_242_880);
    expect(MAX_COMPRESSED_BYTES).toBe(512_000);
  });

  it('packs a few series into one gzipped body that gunzips to {"series": [...]}', () => {
    const input = [series(0), series(1), series(2)];
    const bodies = packBodies(input);
    expect(bodies).toHaveLength(1);
    expect(bodies[0].seriesCount).toBe(3);
    expect(bodies[0].gzipped.subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    const body = unpack(bodies[0]);
    expect(body).toEqual({ series: input });
    expect(payloadErrors(body)).toBe('');
  });

  it('writes a body of thousands of series, non-ASCII tags among them, byte for byte as JSON.stringify writes it', () => {
    // More series than one encoding slice, so the slices' joins are in the body.
    const input = Array.from({ length: 2_500 }, (_, i) => ({
      ...series(i),
      tags: [`budget_name:équipe_${i}`, 'account_name:“prod” \\ ☃', `n:${i}`],
    }));
    const bodies = packBodies(input);
    expect(bodies).toHaveLength(1);
    const json = JSON.stringify({ series: input });
    expect(gunzipSync(bodies[0].gzipped).toString('utf8')).toBe(json);
    expect(bodies[0].rawBytes).toBe(Buffer.byteLength(json));
  });

  it('makes no body for no series', () => {
    expect(packBodies([])).toEqual([]);
  });

  it('splits 20,000 series with long tags into several bodies within both limits, losing and repeating none', () => {
    const input = Array.from({ length: 20_000 }, (_, i) => linkedAccountService(i));
    const totalRaw = Buffer.byteLength(JSON.stringify({ series: input }));
    expect(totalRaw).toBeGreaterThan(2 * MAX_UNCOMPRESSED_BYTES);

    const bodies = packBodies(input);

    expect(bodies.length).toBeGreaterThanOrEqual(Math.ceil(totalRaw / MAX_UNCOMPRESSED_BYTES));
    const received: MetricSeries[] = [];
    for (const body of bodies) {
      expect(body.rawBytes).toBeLessThanOrEqual(MAX_UNCOMPRESSED_BYTES);
      expect(body.gzipped.length).toBeLessThanOrEqual(MAX_COMPRESSED_BYTES);
      const parsed = unpack(body);
      expect(parsed.series).toHaveLength(body.seriesCount);
      expect(payloadErrors(parsed)).toBe('');
      received.push(...parsed.series);
    }
    expect(received).toHaveLength(20_000);
    // Same series, same order: none lost, none repeated (compared as JSON, which is what was sent).
    const sent = received.map((item) => JSON.stringify(item));
    expect(new Set(sent).size).toBe(20_000);
    expect(sent.every((item, i) => item === JSON.stringify(input[i]))).toBe(true);
  }, 60_000);

  it('keeps every body under 512,000 compressed bytes when the series hardly compress, with the default limits', () => {
    const input = Array.from({ length: 2_000 }, (_, i) => incompressible(i, 8));
    const bodies = packBodies(input);
    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) {
      expect(body.gzipped.length).toBeLessThanOrEqual(MAX_COMPRESSED_BYTES);
      expect(body.rawBytes).toBeLessThanOrEqual(MAX_UNCOMPRESSED_BYTES);
    }
    expect(bodies.flatMap((body) => unpack(body).series)).toEqual(input);
  }, 60_000);

  it('fills each body up to the raw limit exactly, counting the commas between series', () => {
    const input = Array.from({ length: 7 }, (_, i) => series(1000 + i, 1));
    const each = Buffer.byteLength(JSON.stringify(input[0]));
    expect(input.every((item) => Buffer.byteLength(JSON.stringify(item)) === each)).toBe(true);
    const envelope = '{"series":[]}'.length;
    const threeFit = envelope + 3 * each + 2;

    const atLimit = packBodies(input, { raw: threeFit, gzipped: 1_000_000 });
    expect(atLimit.map((body) => body.seriesCount)).toEqual([3, 3, 1]);
    expect(atLimit.map((body) => body.rawBytes)).toEqual([threeFit, threeFit, envelope + each]);

    const oneByteShort = packBodies(input, { raw: threeFit - 1, gzipped: 1_000_000 });
    expect(oneByteShort.map((body) => body.seriesCount)).toEqual([2, 2, 2, 1]);
  });

  it('halves a body that is still too large once compressed, until each part fits', () => {
    const input = Array.from({ length: 40 }, (_, i) => series(i, 4));
    const limits = { raw: 10_000_000, gzipped: 4_000 };
    // Within the raw limit everything is one chunk: any split comes from the compressed size.
    expect(Buffer.byteLength(JSON.stringify({ series: input }))).toBeLessThan(limits.raw);

    const bodies = packBodies(input, limits);

    expect(bodies.length).toBeGreaterThan(1);
    for (const body of bodies) expect(body.gzipped.length).toBeLessThanOrEqual(limits.gzipped);
    expect(bodies.reduce((sum, body) => sum + body.seriesCount, 0)).toBe(40);
    expect(bodies.flatMap((body) => unpack(body).series)).toEqual(input);
  });

  it('sends a single series larger than the compressed limit alone rather than dropping it', () => {
    const input = [series(1, 40), series(2, 1)];
    const bodies = packBodies(input, { raw: 10_000_000, gzipped: 200 });
    expect(bodies.map((body) => body.seriesCount)).toEqual([1, 1]);
    expect(bodies.flatMap((body) => unpack(body).series)).toEqual(input);
  });
});

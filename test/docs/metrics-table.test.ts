/**
 * The docs' metrics table is written by hand, for its explanations; this test holds its metric
 * names and tag keys against `METRICS` (lambda/metrics.ts), so a metric added, renamed or given
 * another tag there fails here until the docs say so.
 */
import { describe, expect, it } from 'vitest';
import { METRICS, type MetricKey } from '../../lambda/metrics';
import { DEFAULTS } from '../../lambda/settings';
import { docTableRows } from './doc-tables';

const HEADER = '| Metric | Value | Tags | Series |';
const PREFIX = String(DEFAULTS.metricPrefix);

/** The cells of each row of the metrics table. */
function metricRows(): string[][] {
  return docTableRows(HEADER, 'metrics');
}

/** The tag keys a Tags cell names: each code span's text before any `:value`. */
function tagKeysOf(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((match) => match[1].split(':')[0]).sort();
}

/** The metric name a Metric cell gives, as its code span. */
function metricNameOf(cell: string): string {
  return /^`([^`]+)`$/.exec(cell)?.[1] ?? cell;
}

describe('tagKeysOf', () => {
  it.each([
    ['`account_id`', ['account_id']],
    ['`account_id`, `status:success\\|partial\\|failure`', ['account_id', 'status']],
    [
      '`account_id`, `budget_type:cost`, and `servicename` and/or `linkedaccount` by scope',
      ['account_id', 'budget_type', 'linkedaccount', 'servicename'],
    ],
    ['none', []],
  ])('reads %s as the keys %j', (cell, keys) => {
    expect(tagKeysOf(cell)).toEqual(keys);
  });
});

describe("the docs' metrics table", () => {
  const rows = metricRows();
  const byName = new Map(rows.map((row) => [metricNameOf(row[0]), row]));
  const keys = Object.keys(METRICS) as MetricKey[];

  it('names every metric the collector sends, under the default prefix, and no other', () => {
    expect([...byName.keys()].sort()).toEqual(keys.map((key) => `${PREFIX}.${METRICS[key].suffix}`).sort());
    expect(rows).toHaveLength(keys.length);
  });

  it.each(keys)('gives %s the tag keys of its definition', (key) => {
    const row = byName.get(`${PREFIX}.${METRICS[key].suffix}`);
    expect(row, `a row for ${PREFIX}.${METRICS[key].suffix}`).toBeDefined();
    expect(tagKeysOf(row?.[2] ?? '')).toEqual([...METRICS[key].tagKeys].sort());
  });
});

/**
 * The cost per 1,000 accounts that docs/organizations.md states, held to the cost model: each
 * row's metrics, requested by GetMetricData once a run at the hourly default, at the price the
 * source declares. A price or schedule change fails here until the docs follow.
 */
import { describe, expect, it } from 'vitest';
import { DEPLOYMENT_DEFAULTS } from '../../lambda/deployment';
import { billingScope } from '../../lambda/sources/estimated-charges';
import { cost, OPERATION_PRICES, runsPerMonth } from '../../cli/cost-model';
import { docTableRows } from './doc-tables';

const HEADER = '| `EstimatedCharges` level | Metrics per 1,000 accounts | `GetMetricData` per month |';

/** The dimension sets of each level, asked of the source, so a renamed scope fails here. */
const DIMENSION_SETS: Record<string, string>[] = [
  {},
  { ServiceName: 's' },
  { LinkedAccount: 'a' },
  { LinkedAccount: 'a', ServiceName: 's' },
];
const SCOPES = DIMENSION_SETS.map((dimensions) => billingScope(dimensions));

describe("the docs' cost per 1,000 accounts", () => {
  const rows = docTableRows(HEADER, 'organization cost');

  it('has a row for each billing scope, in order', () => {
    expect(rows.map((row) => /billing_scope:(\w+)/.exec(row[0])?.[1])).toEqual(SCOPES);
  });

  it.each(rows.map((row) => [row[0], row] as const))('prices %s with the cost model', (_level, row) => {
    const metrics = Number(row[1].replace(/,/g, ''));
    const stated = Number(row[2].replace(/[$,]/g, ''));
    const monthly = cost(metrics * runsPerMonth(DEPLOYMENT_DEFAULTS.schedulePeriodMinutes), OPERATION_PRICES.GetMetricData.price);
    // Stated to the cent, or to two significant digits under a cent.
    const precision = monthly < 0.01 ? 10 ** (Math.floor(Math.log10(monthly)) - 1) : 0.01;
    expect(Math.abs(stated - monthly)).toBeLessThan(precision / 2 + 1e-12);
  });
});

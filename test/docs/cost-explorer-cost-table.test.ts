/**
 * The request cost docs/cost-explorer.md states, held to the cost model and the settings table:
 * runs a month at each schedule, requests at the defaults (two GetCostAndUsage a family, the
 * total and each `costGroupBy` entry, and one GetCostForecast a cost metric: the count the
 * end-to-end tier sees the bundle make), and the price Cost Explorer's operations declare. A
 * change of price, schedule or default fails here until the docs follow.
 */
import { describe, expect, it } from 'vitest';
import { cost, OPERATION_PRICES, runsPerMonth } from '../../cli/cost-model';
import { DEPLOYMENT_DEFAULTS } from '../../lambda/deployment';
import { DEFAULTS } from '../../lambda/settings';
import { docTableRows } from './doc-tables';

const SCHEDULES = '| `costExplorerSchedule` | Runs a month | Requests a month at the defaults | Cost a month |';
const CHANGES = '| Change | Requests a run | Cost a month |';

const PRICE = OPERATION_PRICES.GetCostAndUsage.price;
const FAMILIES = 1 + DEFAULTS.costGroupBy.length;
const REQUESTS_AT_DEFAULTS = 2 * FAMILIES + DEFAULTS.costMetrics.length;
const DEFAULT_RUNS = runsPerMonth(DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes);

const number = (text: string): number => Number(text.replace(/[$,+*]/g, ''));
const RATE = /`rate\((\d+) hours\)`/;

describe("the docs' Cost Explorer request cost", () => {
  it('prices the same requests as GetCostForecast', () => {
    expect(OPERATION_PRICES.GetCostForecast.price).toEqual(PRICE);
  });

  const schedules = docTableRows(SCHEDULES, 'Cost Explorer schedule cost');

  it('has a row for the default schedule, marked so', () => {
    expect(schedules.filter((row) => row[0].includes('(default)')).map((row) => RATE.exec(row[0])?.[0])).toEqual([
      `\`${DEFAULTS.costExplorerSchedule}\``,
    ]);
  });

  it.each(schedules.map((row) => [row[0], row] as const))('counts and prices %s with the cost model', (_schedule, row) => {
    const hours = Number(RATE.exec(row[0])?.[1]);
    const runs = runsPerMonth(hours * 60);
    expect([number(row[1]), number(row[2]), number(row[3])]).toEqual([
      runs,
      REQUESTS_AT_DEFAULTS * runs,
      cost(REQUESTS_AT_DEFAULTS * runs, PRICE),
    ]);
  });

  it('prices each change at the default schedule', () => {
    const rows = docTableRows(CHANGES, 'Cost Explorer changes');
    expect(rows.map((row) => [number(row[1]), number(row[2])])).toEqual([
      [REQUESTS_AT_DEFAULTS, cost(REQUESTS_AT_DEFAULTS * DEFAULT_RUNS, PRICE)],
      // A family is two queries; a cost metric one forecast; a page one request.
      [2, cost(2 * DEFAULT_RUNS, PRICE)],
      [1, cost(DEFAULT_RUNS, PRICE)],
      [1, cost(DEFAULT_RUNS, PRICE)],
    ]);
  });
});

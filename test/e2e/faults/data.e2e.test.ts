/**
 * The fault matrix, data side: names, dimensions, currencies and characters that AWS allows and
 * that the collector must send truthfully or skip with a word, never fold into another series.
 * The bundled collector against moto, behind the fault-injecting proxy for what moto refuses to
 * hold (an empty dimension value, a budget amount without a unit).
 */
import type { Budget } from '@aws-sdk/client-budgets';
import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { DEFAULT_ALERT_SHARE } from '../../../lambda/sources/budget-thresholds';
import { createCostBudget, putEstimatedCharges, type EstimatedChargesPoint } from '../../support/seed';
import { aMinuteAgo, putApiKeySecret } from '../support/aws-seed';
import { ACCOUNT, budgetTags, chargeSeries, healthSeries, linesOf, type ExpectedSeries } from '../support/expected-series';
import { TARGETS } from '../support/fault-proxy';
import { requestProblems, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation, type LogLine } from '../support/invoke';

const hash6 = (raw: string): string => createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 6);
const TOTAL_ROW = { dimensions: { Currency: 'USD' }, value: 321.5 };
const TOTAL = chargeSeries(TOTAL_ROW);
const warnings = (invocation: Invocation): LogLine[] => invocation.logLines.filter((line) => line.level === 'WARN');

/** Any character a terminal acts on rather than shows. */
// eslint-disable-next-line no-control-regex -- the point of the check
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('hostile data from AWS, against the bundled collector', () => {
  let h: Harness;

  useHarness((started) => (h = started));
  beforeEach(async () => {
    await h.reset();
  });

  async function seed(charges: readonly EstimatedChargesPoint[] = [{ ...TOTAL_ROW, timestamp: aMinuteAgo() }]): Promise<void> {
    await Promise.all([putApiKeySecret(h.moto.endpoint, TEST_API_KEY), putEstimatedCharges(h.moto.endpoint, charges)]);
  }

  /**
   * The sorted values of a budget without thresholds of its own: its spend and forecast, its
   * limit, and the alert levels the collector falls back to (a share of the limit, and the limit).
   */
  const budgetValues = (limit: number, ...spend: number[]): number[] =>
    [...spend, limit, limit * DEFAULT_ALERT_SHARE, limit].sort((a, b) => a - b);

  /** budget_name tag -> the sorted values of the series that carry it. */
  function valuesByBudgetTag(): Record<string, number[]> {
    const values: Record<string, number[]> = {};
    for (const series of h.intake.series()) {
      const tag = series.tags?.find((t) => t.startsWith('budget_name'));
      if (tag !== undefined) (values[tag] ??= []).push(series.points[0].value ?? Number.NaN);
    }
    for (const list of Object.values(values)) list.sort((a, b) => a - b);
    return values;
  }

  describe('budget names', () => {
    it.each([
      ['team_a first, then Team A', ['team_a', 'Team A']],
      ['Team A first, then team_a', ['Team A', 'team_a']],
    ])(
      'two names that normalize to one tag (%s): team_a keeps budget_name:team_a and its own figures, Team A gets a hash of its own name, whatever the listing order',
      async (_order, names) => {
        await seed();
        const figures: Record<string, { limit: string; actual: string; forecast: string }> = {
          team_a: { limit: '10', actual: '1', forecast: '5' },
          'Team A': { limit: '20', actual: '2', forecast: '6' },
        };
        // One after the other: moto lists budgets in creation order.
        for (const name of names) await createCostBudget(h.moto.endpoint, ACCOUNT, { name, ...figures[name] });

        const invocation = await h.run();

        expect(valuesByBudgetTag()).toEqual({
          'budget_name:team_a': budgetValues(10, 1, 5),
          [`budget_name:team_a_${hash6('Team A')}`]: budgetValues(20, 2, 6),
        });
        expect(warnings(invocation)).toEqual([
          expect.objectContaining({
            message:
              `budget_name "Team A" normalizes to the same Datadog tag as "team_a" (budget_name:team_a); sent as budget_name:team_a_${hash6('Team A')}` +
              ': only a value already in Datadog form keeps the plain tag',
          }),
        ]);
        expect(runSummary(invocation)).toMatchObject({ status: 'success', warnings: 1 });
      },
    );

    it('a name with no letter or digit keeps the budget_name key, with a value made from a hash of the name, one per budget', async () => {
      await seed();
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: '🔥🔥🔥', limit: '10', actual: '1', forecast: '2' });
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: '🔥', limit: '20', actual: '3', forecast: '4' });

      const invocation = await h.run();

      expect(valuesByBudgetTag()).toEqual({
        [`budget_name:budget_${hash6('🔥🔥🔥')}`]: budgetValues(10, 1, 2),
        [`budget_name:budget_${hash6('🔥')}`]: budgetValues(20, 3, 4),
      });
      // No bare `budget_name`, and no renamed key such as `budget_name_6b05e6`.
      for (const series of h.intake.series()) {
        expect(series.tags?.filter((tag) => tag.startsWith('budget_name')).every((tag) => tag.startsWith('budget_name:'))).toBe(true);
      }
      expect(warnings(invocation).map((line) => line.message)).toEqual(
        expect.arrayContaining([
          `budget_name "🔥🔥🔥" has no character Datadog keeps; sent as budget_name:budget_${hash6('🔥🔥🔥')}`,
          `budget_name "🔥" has no character Datadog keeps; sent as budget_name:budget_${hash6('🔥')}`,
        ]),
      );
      expect(runSummary(invocation)).toMatchObject({ status: 'success' });
    });

    it('a name holding ESC, C1 and bidi controls leaves no control character in any log line, read raw', async () => {
      await seed();
      const hostile = 'Ops \u001b]0;pwned\u0007\u001b[2J\rAll checks passed \u009b31m \u202eevil';
      // A limit without a unit makes the collector warn, quoting the name.
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: hostile, limit: '10', actual: '1', forecast: '2' });
      h.proxy.inject({
        target: TARGETS.describeBudgets,
        answer: {
          kind: 'rewrite',
          rewrite: (response) => ({
            ...response,
            Budgets: (response.Budgets as Budget[]).map((budget) => ({ ...budget, BudgetLimit: { Amount: '10', Unit: '' } })),
          }),
        },
      });

      const invocation = await h.run();

      expect(invocation.stdout).not.toMatch(CONTROL);
      expect(warnings(invocation)).toEqual([expect.objectContaining({ budgetName: hostile, field: 'BudgetLimit.Unit' })]);
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { unknown_currency: 1 } });
    });
  });

  describe('CloudWatch dimensions', () => {
    it('a series with an unknown dimension set is skipped and counted, with a warning naming the set, and the known sets are sent', async () => {
      const timestamp = aMinuteAgo();
      await seed([
        { ...TOTAL_ROW, timestamp },
        { dimensions: { Currency: 'USD', X: 'y' }, value: 1, timestamp },
        { dimensions: { Currency: 'USD', account_id: '999999999999' }, value: 2, timestamp },
        {
          dimensions: { LinkedAccount: '111111111111', ServiceName: 'AmazonEC2', Currency: 'USD', Region: 'us-east-1' },
          value: 3,
          timestamp,
        },
      ]);

      const invocation = await h.run();

      // One billing_scope:total series, with no second account_id: nothing double counts.
      expect(linesOf(h.intake.series())).toEqual(linesOf([TOTAL, ...healthSeries('success', 1, { withAge: true })]));
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { unknown_dimension_set: 3 }, warnings: 3 });
      expect(
        warnings(invocation)
          .map((line) => line.message)
          .sort(),
      ).toEqual(
        [
          'Skipped 1 EstimatedCharges series with the dimensions {"Currency", "LinkedAccount", "Region", "ServiceName"}',
          'Skipped 1 EstimatedCharges series with the dimensions {"Currency", "X"}',
          'Skipped 1 EstimatedCharges series with the dimensions {"Currency", "account_id"}',
        ].map((start) => `${start}: unknown_dimension_set`),
      );
    });

    it('a series with an empty dimension value is skipped and counted, with a warning, and sends no empty tag', async () => {
      const timestamp = aMinuteAgo();
      await seed([
        { ...TOTAL_ROW, timestamp },
        { dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 7, timestamp },
      ]);
      // CloudWatch refuses an empty dimension value on PutMetricData, and so does moto: the proxy lists one.
      h.proxy.inject({
        target: TARGETS.listMetrics,
        answer: {
          kind: 'rewrite',
          rewrite: (response) => ({
            ...response,
            Metrics: [
              ...(response.Metrics as unknown[]),
              {
                Namespace: 'AWS/Billing',
                MetricName: 'EstimatedCharges',
                Dimensions: [
                  { Name: 'ServiceName', Value: '' },
                  { Name: 'Currency', Value: 'USD' },
                ],
              },
            ],
          }),
        },
      });

      const invocation = await h.run();

      const ec2 = chargeSeries({ dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 7 });
      expect(linesOf(h.intake.series())).toEqual(linesOf([TOTAL, ec2, ...healthSeries('success', 2, { withAge: true })]));
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { empty_dimension_value: 1 } });
      expect(warnings(invocation)).toEqual([
        expect.objectContaining({ reason: 'empty_dimension_value', message: expect.stringContaining('}: empty_dimension_value') }),
      ]);
    });

    it("DD_TAGS with one of the collector's tag keys is refused before any call, with the fix", async () => {
      await seed();

      const invocation = await h.run({ env: { DD_TAGS: 'team:finops,billing_scope:mine' } });

      expect(invocation.outcome.status).toBe('threw');
      const message = invocation.outcome.status === 'threw' ? invocation.outcome.error.message : '';
      expect(message).toContain('DD_TAGS has the item "billing_scope:mine", whose key billing_scope the collector sets itself');
      expect(message).toContain('give the tag another key');
      expect(h.proxy.requests).toEqual([]);
      expect(h.intake.series()).toEqual([]);
    });
  });

  describe('currencies', () => {
    /** Rewrites the one seeded budget as DescribeBudgets lists it. */
    function rewriteBudget(change: (budget: Budget) => Budget): void {
      h.proxy.inject({
        target: TARGETS.describeBudgets,
        answer: { kind: 'rewrite', rewrite: (response) => ({ ...response, Budgets: (response.Budgets as Budget[]).map(change) }) },
      });
    }

    /** The limit of 100, and the alert levels the collector falls back to without thresholds. */
    const LIMIT_ONLY = (tag: string): ExpectedSeries[] => [
      { metric: 'aws.billing.budget_limit', tags: budgetTags(tag), unit: 'dollar', value: 100 },
      { metric: 'aws.billing.budget_alert_level', tags: budgetTags(tag), unit: 'dollar', value: 100 * DEFAULT_ALERT_SHARE },
      { metric: 'aws.billing.budget_forecast_alert_level', tags: budgetTags(tag), unit: 'dollar', value: 100 },
    ];

    it.each([
      ['an empty Unit', ''],
      ['no Unit', undefined],
    ])('an actual spend with %s is skipped and counted as unknown_currency, never labelled USD', async (_case, unit) => {
      await seed();
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: 'no unit', limit: '100', actual: '10' });
      rewriteBudget((budget) => ({
        ...budget,
        CalculatedSpend: {
          ActualSpend: (unit === undefined ? { Amount: '10' } : { Amount: '10', Unit: unit }) as { Amount: string; Unit: string },
        },
      }));

      const invocation = await h.run();

      const billing = [...LIMIT_ONLY('no_unit'), TOTAL];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { unknown_currency: 1 } });
      expect(warnings(invocation)).toEqual([
        expect.objectContaining({
          budgetName: 'no unit',
          field: 'CalculatedSpend.ActualSpend.Unit',
          message: 'Skipped a point of budget "no unit": CalculatedSpend.ActualSpend.Unit is missing or empty: currency unknown',
        }),
      ]);
    });

    it('an actual spend in another currency than the limit is skipped and counted as currency_mismatch', async () => {
      await seed();
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: 'mixed', limit: '100', actual: '10' });
      rewriteBudget((budget) => ({ ...budget, CalculatedSpend: { ActualSpend: { Amount: '10', Unit: 'EUR' } } }));

      const invocation = await h.run();

      const billing = [...LIMIT_ONLY('mixed'), TOTAL];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { currency_mismatch: 1 } });
      expect(warnings(invocation)).toEqual([
        expect.objectContaining({
          message: 'Skipped a point of budget "mixed": CalculatedSpend.ActualSpend.Unit is "EUR", the limit\'s is "USD"',
        }),
      ]);
    });

    it('planned limits with none in force now: the limit is counted as no_current_limit with a warning, and the spend is still sent', async () => {
      await seed();
      await createCostBudget(h.moto.endpoint, ACCOUNT, { name: 'next year', plannedLimit: '100', actual: '10' });
      const nextYear = String(Date.UTC(new Date().getUTCFullYear() + 1, 0, 1) / 1000);
      rewriteBudget((budget) => {
        const planned: Budget = { ...budget, PlannedBudgetLimits: { [nextYear]: { Amount: '100', Unit: 'USD' } } };
        delete planned.BudgetLimit;
        return planned;
      });

      const invocation = await h.run();

      const billing: ExpectedSeries[] = [
        { metric: 'aws.billing.actual_spend', tags: budgetTags('next_year'), unit: 'dollar', value: 10 },
        TOTAL,
      ];
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...healthSeries('success', billing.length, { withAge: true })]));
      expect(runSummary(invocation)).toMatchObject({ status: 'success', skipped: { no_current_limit: 1 } });
      expect(warnings(invocation)).toEqual([
        expect.objectContaining({
          budgetName: 'next year',
          field: 'PlannedBudgetLimits',
          message: 'Skipped a point of budget "next year": PlannedBudgetLimits has no limit in force now',
        }),
      ]);
    });
  });
});

/** Cost Explorer's answers as samples, on plain answers: what cannot be labelled truthfully is skipped and counted. */
import { describe, expect, it } from 'vitest';
import { addPage, costFamilies, emptyAnswer, periodSamples, rankGroups, usageMetric } from '../../../lambda/sources/cost-explorer-families';
import type { SkipReason } from '../../../lambda/samples';

const [, service] = costFamilies(['SERVICE']);

function samplesOf(groups: { Keys: string[]; Amount: string; Unit?: string }[], maxGroups: number) {
  const answer = emptyAnswer();
  addPage(answer, {
    ResultsByTime: [
      {
        TimePeriod: { Start: '2028-03-01', End: '2028-03-15' },
        Estimated: true,
        Groups: groups.map(({ Keys, Amount, Unit }) => ({ Keys, Metrics: { UnblendedCost: { Amount, Unit } } })),
      },
    ],
  });
  const period = answer.periods.get('2028-03-01');
  if (period === undefined) throw new Error('no period');
  const skipped: Partial<Record<SkipReason, number>> = {};
  const warnings: string[] = [];
  const samples = periodSamples({
    metric: 'costMonthToDate',
    family: service,
    period,
    names: answer.names,
    kept: rankGroups(period, 'UnblendedCost', maxGroups),
    costMetrics: ['unblended_cost'],
    baseTags: [],
    skipped,
    log: { warn: (message) => void warnings.push(message) },
  });
  return {
    samples: samples.map((sample) => [sample.tags.find(([key]) => key === 'aws_service')?.[1], sample.value, sample.currency]),
    skipped,
    warnings,
  };
}

describe('periodSamples', () => {
  it('skips an unusable amount or one without a currency, with a warning each', () => {
    const { samples, skipped, warnings } = samplesOf(
      [
        { Keys: ['A'], Amount: '1.5', Unit: 'USD' },
        { Keys: ['B'], Amount: 'NaN', Unit: 'USD' },
        { Keys: ['C'], Amount: '2' },
      ],
      10,
    );
    expect(samples).toEqual([['A', 1.5, 'USD']]);
    expect(skipped).toEqual({ invalid_amount: 1, unknown_currency: 1 });
    expect(warnings).toEqual([
      'Skipped a Cost Explorer point: group "B" UnblendedCost is not a decimal number ("NaN")',
      'Skipped a Cost Explorer point: group "C" UnblendedCost.Unit is missing or empty: currency unknown',
    ]);
  });

  it('does not sum groups of two currencies into other', () => {
    const { samples, skipped } = samplesOf(
      [
        { Keys: ['A'], Amount: '9', Unit: 'USD' },
        { Keys: ['B'], Amount: '2', Unit: 'USD' },
        { Keys: ['C'], Amount: '1', Unit: 'EUR' },
      ],
      1,
    );
    expect(samples).toEqual([['A', 9, 'USD']]);
    expect(skipped).toEqual({ currency_mismatch: 1 });
  });

  it('leaves an unusable amount out of other, and ranks it last', () => {
    const { samples, skipped } = samplesOf(
      [
        { Keys: ['A'], Amount: 'x', Unit: 'USD' },
        { Keys: ['B'], Amount: '-2', Unit: 'USD' },
        { Keys: ['C'], Amount: '1', Unit: 'USD' },
      ],
      1,
    );
    expect(samples).toEqual([
      ['C', 1, 'USD'],
      ['other', -2, 'USD'],
    ]);
    expect(skipped).toEqual({ invalid_amount: 1 });
  });
});

describe('usageMetric', () => {
  it.each([
    ['unblended_cost', 'UnblendedCost'],
    ['net_amortized_cost', 'NetAmortizedCost'],
  ] as const)('names %s as GetCostAndUsage does: %s', (metric, name) => {
    expect(usageMetric(metric)).toBe(name);
  });
});

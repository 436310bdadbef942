import { describe, expect, it } from 'vitest';
import { buildSeries, GAUGE, type SeriesOptions } from '../../../lambda/datadog/series';
import type { Sample } from '../../../lambda/samples';
import { payloadErrors } from './schema';

const COLLECTED_AT = 1_710_505_296; // 2024-03-15T12:21:36Z
const options: SeriesOptions = { metricPrefix: 'aws.billing', globalTags: [], timestamp: COLLECTED_AT };

const budgetTags = (name: string) =>
  [
    ['budget_name', name],
    ['budget_type', 'cost'],
    ['time_unit', 'monthly'],
    ['currency', 'usd'],
    ['account_id', '123456789012'],
  ] as const;

const charges: Sample = {
  metric: 'estimatedCharges',
  value: 812.5,
  currency: 'USD',
  tags: [
    ['account_id', '123456789012'],
    ['billing_scope', 'service'],
    ['servicename', 'Amazon Elastic Compute Cloud - Compute'],
    ['currency', 'USD'],
  ],
};

describe('buildSeries', () => {
  it('turns a sample into one gauge (type 3) with one point stamped with the collection time', () => {
    const { series, warnings } = buildSeries([charges], options);
    expect(series).toEqual([
      {
        metric: 'aws.billing.estimated_charges',
        type: 3,
        points: [{ timestamp: COLLECTED_AT, value: 812.5 }],
        tags: [
          'account_id:123456789012',
          'billing_scope:service',
          'servicename:amazon_elastic_compute_cloud_-_compute',
          'currency:usd',
        ],
        unit: 'dollar',
      },
    ]);
    expect(GAUGE).toBe(3);
    expect(warnings).toEqual([]);
  });

  it.each([
    { metric: 'estimatedCharges', name: 'aws.billing.estimated_charges' },
    { metric: 'actualSpend', name: 'aws.billing.actual_spend' },
    { metric: 'forecastedSpend', name: 'aws.billing.forecasted_spend' },
    { metric: 'budgetLimit', name: 'aws.billing.budget_limit' },
    { metric: 'collectorRun', name: 'aws.billing.collector.run' },
  ] as const)('names the $metric metric $name', ({ metric, name }) => {
    const { series } = buildSeries([{ ...charges, metric }], options);
    expect(series[0].metric).toBe(name);
  });

  it('puts every metric under the configured prefix', () => {
    const { series } = buildSeries([charges, { ...charges, metric: 'budgetLimit' }], { ...options, metricPrefix: 'acme.cost' });
    expect(series.map((item) => item.metric)).toEqual(['acme.cost.estimated_charges', 'acme.cost.budget_limit']);
  });

  it.each([
    { case: 'USD', sample: { currency: 'USD' }, unit: 'dollar' },
    { case: 'usd in lowercase', sample: { currency: 'usd' }, unit: 'dollar' },
    { case: 'EUR', sample: { currency: 'EUR' }, unit: undefined },
    { case: 'JPY', sample: { currency: 'JPY' }, unit: undefined },
    { case: 'no currency', sample: { currency: undefined }, unit: undefined },
    { case: 'a unit given by the sample', sample: { currency: undefined, unit: 'second' }, unit: 'second' },
  ])('sets the unit for $case to $unit', ({ sample, unit }) => {
    const { series } = buildSeries([{ ...charges, ...sample }], options);
    expect(series[0].unit).toBe(unit);
    expect('unit' in series[0]).toBe(unit !== undefined);
  });

  it('stamps every point with the given collection time, whatever the sample', () => {
    const samples: Sample[] = [charges, { ...charges, metric: 'actualSpend', value: -3 }, { ...charges, metric: 'budgetLimit', value: 0 }];
    const { series } = buildSeries(samples, { ...options, timestamp: 1_700_000_000 });
    expect(series.map((item) => item.points)).toEqual([
      [{ timestamp: 1_700_000_000, value: 812.5 }],
      [{ timestamp: 1_700_000_000, value: -3 }],
      [{ timestamp: 1_700_000_000, value: 0 }],
    ]);
  });

  it('appends the global tags, normalized, after the series tags', () => {
    const { series, warnings } = buildSeries([charges], { ...options, globalTags: ['Team:FinOps', 'env:Prod', 'service:aws-billing'] });
    expect(series[0].tags).toEqual([
      'account_id:123456789012',
      'billing_scope:service',
      'servicename:amazon_elastic_compute_cloud_-_compute',
      'currency:usd',
      'team:finops',
      'env:prod',
      'service:aws-billing',
    ]);
    expect(warnings).toEqual([]);
  });

  it('sends a global tag once when it repeats, or when the series already has it', () => {
    const { series } = buildSeries([charges], {
      ...options,
      globalTags: ['env:prod', 'ENV:Prod', 'env:prod ', 'account_id:123456789012', 'currency:USD'],
    });
    expect(series[0].tags).toEqual([
      'account_id:123456789012',
      'billing_scope:service',
      'servicename:amazon_elastic_compute_cloud_-_compute',
      'currency:usd',
      'env:prod',
    ]);
    expect(new Set(series[0].tags).size).toBe(series[0].tags.length);
  });

  it('drops a global tag with nothing Datadog keeps, with a warning', () => {
    const { series, warnings } = buildSeries([charges], { ...options, globalTags: ['!!!', 'env:prod'] });
    expect(series[0].tags.slice(4)).toEqual(['env:prod']);
    expect(warnings).toEqual(['Global tag "!!!" has no character Datadog keeps; it is not sent']);
  });

  it('keeps two budgets whose names normalize alike as two series, whatever their order, and reports the collision', () => {
    const samples: Sample[] = [
      { metric: 'actualSpend', value: 1, currency: 'USD', tags: budgetTags('Team A') },
      { metric: 'actualSpend', value: 2, currency: 'USD', tags: budgetTags('team_a') },
    ];
    for (const order of [samples, [...samples].reverse()]) {
      const { series, warnings } = buildSeries(order, options);
      const byValue = new Map(series.map((item) => [item.points[0].value, item.tags[0]]));
      expect(byValue.get(2)).toBe('budget_name:team_a');
      expect(byValue.get(1)).toMatch(/^budget_name:team_a_[0-9a-f]{6}$/);
      expect(warnings).toHaveLength(1);
    }
  });

  it('returns no series and no warning for no samples', () => {
    expect(buildSeries([], options)).toEqual({ series: [], warnings: [] });
  });

  it('builds bodies that match the Datadog v2 series schema', () => {
    const samples: Sample[] = [
      charges,
      { metric: 'actualSpend', value: 604.456, currency: 'USD', tags: budgetTags('Team A') },
      { metric: 'forecastedSpend', value: 950.25, currency: 'EUR', tags: budgetTags('Équipe 日本') },
      { metric: 'budgetLimit', value: -12.5, currency: 'USD', tags: budgetTags('Team A') },
      { metric: 'collectorDuration', value: 1.234, unit: 'second', tags: [['account_id', '123456789012']] },
      { metric: 'collectorRun', value: 1, tags: [['status', 'success']] },
    ];
    const { series } = buildSeries(samples, { ...options, globalTags: ['env:prod'] });
    const body = JSON.parse(JSON.stringify({ series })) as unknown;
    expect(payloadErrors(body)).toBe('');
  });

  it('is checked by a schema that does refuse a malformed body', () => {
    expect(payloadErrors({ series: [{ metric: 'm', type: 4, points: [{ timestamp: 1.5, value: '1' }] }] })).not.toBe('');
    expect(payloadErrors({})).not.toBe('');
  });
});

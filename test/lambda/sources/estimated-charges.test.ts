import {
  CloudWatchClient,
  CloudWatchServiceException,
  GetMetricDataCommand,
  ListMetricsCommand,
  type GetMetricDataCommandInput,
  type Metric,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError, NoBillingMetricsError } from '../../../lambda/errors';
import { createLogger } from '../../../lambda/log';
import type { CallCounter, Sample } from '../../../lambda/samples';
import {
  billingScope,
  collectEstimatedCharges,
  compareText,
  startOfUtcMonth,
  type EstimatedChargesOptions,
} from '../../../lambda/sources/estimated-charges';

const ACCOUNT_ID = '111111111111';
const NOW = new Date('2024-03-15T12:34:56Z');
const HOUR = 3_600_000;
const cloudWatchMock = mockClient(CloudWatchClient);

type Dims = Readonly<Record<string, string>>;

const TOTAL: Dims = { Currency: 'USD' };
const EC2: Dims = { ServiceName: 'AmazonEC2', Currency: 'USD' };
const S3: Dims = { ServiceName: 'AmazonS3', Currency: 'USD' };
const LINKED: Dims = { LinkedAccount: '222222222222', Currency: 'USD' };
const LINKED_EC2: Dims = { LinkedAccount: '222222222222', ServiceName: 'AmazonEC2', Currency: 'USD' };

function metric(dimensions: Dims, order: readonly string[] = Object.keys(dimensions)): Metric {
  return {
    Namespace: 'AWS/Billing',
    MetricName: 'EstimatedCharges',
    Dimensions: order.map((Name) => ({ Name, Value: dimensions[Name] })),
  };
}

/** A stable key for a query's or a metric's dimensions, whatever their order. */
function keyOf(dimensions: readonly { Name?: string; Value?: string }[] | undefined): string {
  return JSON.stringify([...(dimensions ?? [])].map(({ Name, Value }) => [Name, Value]).sort());
}
const key = (dimensions: Dims): string => keyOf(Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })));

interface Point {
  readonly at: string | Date;
  readonly value: number;
}

/** Answers each GetMetricData query from a table of points per series (newest first, as CloudWatch does). */
function answerFrom(points: ReadonlyMap<string, readonly Point[]>) {
  return (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query): MetricDataResult => {
      const series = points.get(keyOf(query.MetricStat?.Metric?.Dimensions)) ?? [];
      return {
        Id: query.Id,
        Label: 'EstimatedCharges',
        StatusCode: 'Complete',
        Timestamps: series.map((point) => new Date(point.at)),
        Values: series.map((point) => point.value),
      };
    }),
  });
}

/** The warnings of the last `options()`' run, as JSON lines parsed. */
let warned: Record<string, unknown>[] = [];

function options(overrides: Partial<EstimatedChargesOptions> = {}): EstimatedChargesOptions {
  warned = [];
  return {
    accountId: ACCOUNT_ID,
    now: NOW,
    includeLinkedAccountServices: true,
    serviceAllowlist: new Set(),
    serviceDenylist: new Set(),
    calls: {},
    log: createLogger('WARN', (line) => warned.push(JSON.parse(line) as Record<string, unknown>)),
    ...overrides,
  };
}

/** Lists `series` in one page and gives each the points in `points` (default: one current point). */
function givenSeries(series: readonly Dims[], points?: ReadonlyMap<string, readonly Point[]>): void {
  cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: series.map((dimensions) => metric(dimensions)) });
  const table = points ?? new Map(series.map((dimensions, i) => [key(dimensions), [{ at: '2024-03-15T10:00:00Z', value: 10 + i }]]));
  cloudWatchMock.on(GetMetricDataCommand).callsFake(answerFrom(table));
}

const client = (): CloudWatchClient => new CloudWatchClient({ region: 'us-east-1' });
const tagsOf = (sample: Sample | undefined): Record<string, string> => Object.fromEntries(sample?.tags ?? []);

beforeEach(() => {
  cloudWatchMock.reset();
});

describe('collectEstimatedCharges: listing', () => {
  it('follows every ListMetrics page and keeps one series per dimension set, whatever the dimension order', async () => {
    cloudWatchMock
      .on(ListMetricsCommand)
      .resolvesOnce({ Metrics: [metric(TOTAL), metric(EC2, ['ServiceName', 'Currency'])], NextToken: 'list-2' })
      .resolvesOnce({ Metrics: [metric(EC2, ['Currency', 'ServiceName']), metric(LINKED), metric(TOTAL)] });
    cloudWatchMock
      .on(GetMetricDataCommand)
      .callsFake(
        answerFrom(new Map([TOTAL, EC2, LINKED].map((dimensions) => [key(dimensions), [{ at: '2024-03-15T10:00:00Z', value: 1 }]]))),
      );
    const calls: CallCounter = {};

    const result = await collectEstimatedCharges(client(), options({ calls }));

    expect(cloudWatchMock).toHaveReceivedNthCommandWith(ListMetricsCommand, 1, {
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
      NextToken: undefined,
    });
    expect(cloudWatchMock).toHaveReceivedNthCommandWith(ListMetricsCommand, 2, {
      Namespace: 'AWS/Billing',
      MetricName: 'EstimatedCharges',
      NextToken: 'list-2',
    });
    expect(calls).toEqual({ ListMetrics: 2, GetMetricData: 1 });
    const queried = cloudWatchMock.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries ?? [];
    expect(queried.map((query) => keyOf(query.MetricStat?.Metric?.Dimensions)).sort()).toEqual([key(TOTAL), key(EC2), key(LINKED)].sort());
    expect(result.samples).toHaveLength(3);
  });

  it('fails with NoBillingMetricsError, whose message says to turn on "Receive Billing Alerts", when there is no billing metric at all', async () => {
    cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: [] });
    const error = await collectEstimatedCharges(client(), options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(NoBillingMetricsError);
    expect((error as Error).message).toContain('Turn on "Receive Billing Alerts"');
    expect((error as Error).message).toContain('COLLECT_ESTIMATED_CHARGES=false');
    expect(cloudWatchMock).not.toHaveReceivedCommand(GetMetricDataCommand);
  });

  it('treats a ListMetrics answer without a Metrics field as no billing metric', async () => {
    cloudWatchMock.on(ListMetricsCommand).resolves({});
    await expect(collectEstimatedCharges(client(), options())).rejects.toBeInstanceOf(NoBillingMetricsError);
  });
});

describe('collectEstimatedCharges: reading the points', () => {
  it('asks for Maximum over at least the last 24 hours, ending now, for each series', async () => {
    givenSeries([TOTAL]);
    await collectEstimatedCharges(client(), options());

    const [call] = cloudWatchMock.commandCalls(GetMetricDataCommand);
    const input = call.args[0].input;
    expect(input.EndTime).toEqual(NOW);
    const start = input.StartTime as Date;
    expect(NOW.getTime() - start.getTime()).toBeGreaterThanOrEqual(24 * HOUR);
    expect(input.MetricDataQueries).toEqual([
      expect.objectContaining({
        ReturnData: true,
        MetricStat: expect.objectContaining({
          Stat: 'Maximum',
          Metric: { Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', Dimensions: [{ Name: 'Currency', Value: 'USD' }] },
        }),
      }),
    ]);
  });

  it('asks in batches of at most 500 queries: 1,200 series take 3 calls with 500, 500 and 200 queries', async () => {
    const series = Array.from({ length: 1200 }, (_, i) => ({ LinkedAccount: String(100000000000 + i), Currency: 'USD' }));
    givenSeries(series);
    const calls: CallCounter = {};

    const result = await collectEstimatedCharges(client(), options({ calls }));

    const sizes = cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input.MetricDataQueries?.length ?? 0);
    expect(sizes).toEqual([500, 500, 200]);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(500);
    expect(calls).toEqual({ ListMetrics: 1, GetMetricData: 3 });
    const ids = cloudWatchMock
      .commandCalls(GetMetricDataCommand)
      .flatMap((call) => (call.args[0].input.MetricDataQueries ?? []).map((q) => q.Id));
    expect(new Set(ids).size).toBe(1200);
    expect(ids.every((id) => /^[a-z][a-zA-Z0-9_]*$/.test(id ?? ''))).toBe(true);
    expect(result.samples).toHaveLength(1200);
    // Each linked account got its own value back, not another batch's.
    const byAccount = new Map(result.samples.map((sample) => [tagsOf(sample).linkedaccount, sample.value]));
    expect(byAccount.size).toBe(1200);
    series.forEach((dimensions, i) => expect(byAccount.get(dimensions.LinkedAccount)).toBe(10 + i));
  });

  it('sends exactly 500 series in one call', async () => {
    givenSeries(Array.from({ length: 500 }, (_, i) => ({ LinkedAccount: String(100000000000 + i), Currency: 'USD' })));
    await collectEstimatedCharges(client(), options());
    expect(cloudWatchMock).toHaveReceivedCommandTimes(GetMetricDataCommand, 1);
  });

  it('follows the GetMetricData NextToken with the same queries and keeps the newest point across pages', async () => {
    cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: [metric(TOTAL), metric(EC2)] });
    // Page 1 has an older point of the total and the newest of EC2; page 2 the reverse.
    const page = (points: ReadonlyMap<string, Point>, nextToken?: string) => (input: GetMetricDataCommandInput) => ({
      MetricDataResults: (input.MetricDataQueries ?? []).map((query) => {
        const point = points.get(keyOf(query.MetricStat?.Metric?.Dimensions));
        return { Id: query.Id, Timestamps: point ? [new Date(point.at)] : [], Values: point ? [point.value] : [] };
      }),
      NextToken: nextToken,
    });
    cloudWatchMock
      .on(GetMetricDataCommand)
      .callsFakeOnce(
        page(
          new Map([
            [key(TOTAL), { at: '2024-03-15T06:00:00Z', value: 50 }],
            [key(EC2), { at: '2024-03-15T11:00:00Z', value: 7 }],
          ]),
          'data-2',
        ),
      )
      .callsFakeOnce(
        page(
          new Map([
            [key(TOTAL), { at: '2024-03-15T10:00:00Z', value: 60 }],
            [key(EC2), { at: '2024-03-15T02:00:00Z', value: 3 }],
          ]),
        ),
      );
    const calls: CallCounter = {};

    const result = await collectEstimatedCharges(client(), options({ calls }));

    const [page1, page2] = cloudWatchMock.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
    expect(page1.NextToken).toBeUndefined();
    expect(page2.NextToken).toBe('data-2');
    expect(page2.MetricDataQueries).toEqual(page1.MetricDataQueries);
    expect(calls.GetMetricData).toBe(2);
    const values = new Map(result.samples.map((sample) => [tagsOf(sample).billing_scope, sample.value]));
    expect(values).toEqual(
      new Map([
        ['total', 60],
        ['service', 7],
      ]),
    );
  });

  it('takes the newest point of a series, not the largest or the first listed', async () => {
    givenSeries(
      [TOTAL],
      new Map([
        [
          key(TOTAL),
          [
            { at: '2024-03-14T20:00:00Z', value: 99 },
            { at: '2024-03-15T08:00:00Z', value: 42.5 },
            { at: '2024-03-15T02:00:00Z', value: 40 },
          ],
        ],
      ]),
    );
    const result = await collectEstimatedCharges(client(), options());
    expect(result.samples.map((sample) => sample.value)).toEqual([42.5]);
    expect(result.newestDataTime).toEqual(new Date('2024-03-15T08:00:00Z'));
  });

  it('counts a series with no point in the window as no_billing_point and sends the others', async () => {
    givenSeries([TOTAL, EC2], new Map([[key(TOTAL), [{ at: '2024-03-15T10:00:00Z', value: 5 }]]]));
    const result = await collectEstimatedCharges(client(), options());
    expect(result.skipped).toEqual({ no_billing_point: 1 });
    expect(result.samples.map((sample) => tagsOf(sample).billing_scope)).toEqual(['total']);
  });

  it('counts a series CloudWatch returns no result for as no_billing_point', async () => {
    cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: [metric(TOTAL)] });
    cloudWatchMock.on(GetMetricDataCommand).resolves({ MetricDataResults: [] });
    const result = await collectEstimatedCharges(client(), options());
    expect(result).toEqual({ samples: [], skipped: { no_billing_point: 1 }, newestDataTime: undefined });
  });
});

describe('collectEstimatedCharges: samples and tags', () => {
  it.each([
    { scope: 'total', dimensions: TOTAL, tags: { currency: 'USD' } },
    { scope: 'service', dimensions: EC2, tags: { servicename: 'AmazonEC2', currency: 'USD' } },
    { scope: 'linked_account', dimensions: LINKED, tags: { linkedaccount: '222222222222', currency: 'USD' } },
    {
      scope: 'linked_account_service',
      dimensions: LINKED_EC2,
      tags: { linkedaccount: '222222222222', servicename: 'AmazonEC2', currency: 'USD' },
    },
  ])('sends a $scope series tagged billing_scope:$scope with the dimension tags Datadog uses', async ({ scope, dimensions, tags }) => {
    givenSeries([dimensions], new Map([[key(dimensions), [{ at: '2024-03-15T10:00:00Z', value: 123.45 }]]]));
    const result = await collectEstimatedCharges(client(), options());
    expect(result.samples).toHaveLength(1);
    const [sample] = result.samples;
    expect(sample.metric).toBe('estimatedCharges');
    expect(sample.value).toBe(123.45);
    expect(sample.currency).toBe('USD');
    expect(sample.tags).toHaveLength(2 + Object.keys(tags).length);
    expect(tagsOf(sample)).toEqual({ account_id: ACCOUNT_ID, billing_scope: scope, ...tags });
  });

  it.each([
    { dimensions: {}, scope: 'total' },
    { dimensions: TOTAL, scope: 'total' },
    { dimensions: EC2, scope: 'service' },
    { dimensions: LINKED, scope: 'linked_account' },
    { dimensions: LINKED_EC2, scope: 'linked_account_service' },
  ])('billingScope of $dimensions is $scope', ({ dimensions, scope }) => {
    expect(billingScope(dimensions)).toBe(scope);
  });

  it.each([
    {
      case: 'Currency and an unknown dimension',
      dimensions: [
        { Name: 'Currency', Value: 'USD' },
        { Name: 'X', Value: 'y' },
      ],
      names: '"Currency", "X"',
    },
    {
      case: 'four dimensions',
      dimensions: [
        { Name: 'LinkedAccount', Value: '222222222222' },
        { Name: 'ServiceName', Value: 'AmazonEC2' },
        { Name: 'Currency', Value: 'USD' },
        { Name: 'Region', Value: 'us-east-1' },
      ],
      names: '"Currency", "LinkedAccount", "Region", "ServiceName"',
    },
    {
      case: 'a dimension named account_id',
      dimensions: [
        { Name: 'Currency', Value: 'USD' },
        { Name: 'account_id', Value: '9' },
      ],
      names: '"Currency", "account_id"',
    },
    { case: 'ServiceName without Currency', dimensions: [{ Name: 'ServiceName', Value: 'AmazonEC2' }], names: '"ServiceName"' },
    {
      case: 'a repeated dimension',
      dimensions: [
        { Name: 'Currency', Value: 'USD' },
        { Name: 'Currency', Value: 'EUR' },
      ],
      names: '"Currency", "Currency"',
    },
    { case: 'no dimension at all', dimensions: [], names: undefined },
  ])('skips and counts a series with $case, with a warning naming the set, and sends the others', async ({ dimensions, names }) => {
    cloudWatchMock
      .on(ListMetricsCommand)
      .resolves({ Metrics: [metric(TOTAL), { Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', Dimensions: dimensions }] });
    cloudWatchMock.on(GetMetricDataCommand).callsFake(answerFrom(new Map([[key(TOTAL), [{ at: '2024-03-15T10:00:00Z', value: 5 }]]])));
    const result = await collectEstimatedCharges(client(), options());
    expect(result.samples.map(tagsOf)).toEqual([{ account_id: ACCOUNT_ID, billing_scope: 'total', currency: 'USD' }]);
    expect(result.skipped).toEqual({ unknown_dimension_set: 1 });
    expect(warned).toEqual([
      expect.objectContaining({
        level: 'WARN',
        reason: 'unknown_dimension_set',
        series: 1,
        message: `Skipped 1 EstimatedCharges series with the dimensions ${names === undefined ? 'none' : `{${names}}`}: unknown_dimension_set`,
      }),
    ]);
    // Not even read: GetMetricData is billed per series asked for.
    const asked = cloudWatchMock.commandCalls(GetMetricDataCommand).flatMap((call) => call.args[0].input.MetricDataQueries ?? []);
    expect(asked).toHaveLength(1);
  });

  it('warns once per unknown set, with the number of series skipped', async () => {
    const odd = (value: string): Metric => ({
      Dimensions: [
        { Name: 'Currency', Value: 'USD' },
        { Name: 'X', Value: value },
      ],
    });
    cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: [metric(TOTAL), odd('a'), odd('b'), odd('c')] });
    cloudWatchMock.on(GetMetricDataCommand).callsFake(answerFrom(new Map([[key(TOTAL), [{ at: '2024-03-15T10:00:00Z', value: 5 }]]])));
    const result = await collectEstimatedCharges(client(), options());
    expect(result.skipped).toEqual({ unknown_dimension_set: 3 });
    expect(warned).toEqual([
      expect.objectContaining({
        series: 3,
        message: expect.stringMatching(/^Skipped 3 EstimatedCharges series with the dimensions \{"Currency", "X"\}/),
      }),
    ]);
  });

  it.each([
    { case: 'an empty ServiceName', dimensions: { ServiceName: '', Currency: 'USD' } },
    { case: 'a blank LinkedAccount', dimensions: { LinkedAccount: '  ', Currency: 'USD' } },
    { case: 'an empty Currency', dimensions: { Currency: '' } },
  ] as { case: string; dimensions: Dims }[])(
    'skips and counts a series with $case, with a warning, and sends the others',
    async ({ dimensions }) => {
      givenSeries([TOTAL, dimensions]);
      const result = await collectEstimatedCharges(client(), options());
      expect(result.samples.map(tagsOf)).toEqual([{ account_id: ACCOUNT_ID, billing_scope: 'total', currency: 'USD' }]);
      expect(result.skipped).toEqual({ empty_dimension_value: 1 });
      expect(warned).toEqual([
        expect.objectContaining({
          reason: 'empty_dimension_value',
          message: expect.stringMatching(/^Skipped 1 EstimatedCharges series with the dimensions \{.*\}: empty_dimension_value$/),
        }),
      ]);
    },
  );

  it('sends exactly one series per billing_scope:total, so that scope alone never double counts', async () => {
    givenSeries([TOTAL, EC2, S3, LINKED, LINKED_EC2]);
    const result = await collectEstimatedCharges(client(), options());
    const scopes = result.samples.map((sample) => tagsOf(sample).billing_scope).sort();
    expect(scopes).toEqual(['linked_account', 'linked_account_service', 'service', 'service', 'total']);
  });
});

describe('collectEstimatedCharges: the order of the series', () => {
  const label = (sample: Sample): string => {
    const tags = tagsOf(sample);
    return [tags.billing_scope, tags.linkedaccount, tags.servicename, tags.currency].filter((part) => part !== undefined).join(' ');
  };

  it('sends the total, then services, linked accounts and linked account services, each by linked account, service and currency', async () => {
    givenSeries([
      { LinkedAccount: '333333333333', ServiceName: 'AWS Lambda', Currency: 'USD' },
      { ServiceName: 'amazon S3', Currency: 'USD' },
      { LinkedAccount: '222222222222', Currency: 'USD' },
      { LinkedAccount: '222222222222', ServiceName: 'AWS Lambda', Currency: 'USD' },
      { ServiceName: 'AWS Lambda', Currency: 'USD' },
      { LinkedAccount: '222222222222', ServiceName: 'Amazon EC2', Currency: 'USD' },
      { ServiceName: 'Élastic Transcoder', Currency: 'USD' },
      { Currency: 'USD' },
      { ServiceName: 'Amazon EC2', Currency: 'USD' },
      { ServiceName: 'Amazon EC2', Currency: 'EUR' },
    ]);
    const result = await collectEstimatedCharges(client(), options());
    // Case aside: `amazon S3` sits between `Amazon EC2` and `AWS Lambda`.
    expect(result.samples.map(label)).toEqual([
      'total USD',
      'service Amazon EC2 EUR',
      'service Amazon EC2 USD',
      'service amazon S3 USD',
      'service AWS Lambda USD',
      'service Élastic Transcoder USD',
      'linked_account 222222222222 USD',
      'linked_account_service 222222222222 Amazon EC2 USD',
      'linked_account_service 222222222222 AWS Lambda USD',
      'linked_account_service 333333333333 AWS Lambda USD',
    ]);
  });

  it('orders services by their lowercased text, then their text, in code units, whatever the locale', async () => {
    const services = ['b', 'B', 'a', 'Ä', 'A', '_x', '10', '9', 'Ω', 'e\u0301', '\u00e9'];
    givenSeries(services.map((service) => ({ ServiceName: service, Currency: 'USD' })));
    const result = await collectEstimatedCharges(client(), options());
    expect(result.samples.map((sample) => tagsOf(sample).servicename)).toEqual([
      '10',
      '9',
      '_x',
      'A',
      'a',
      'B',
      'b',
      'e\u0301',
      'Ä',
      '\u00e9',
      'Ω',
    ]);
  });
});

describe('compareText', () => {
  it.each([
    ['Amazon EC2', 'amazon S3', -1],
    ['amazon S3', 'AWS Lambda', -1],
    ['AWS', 'aws', -1],
    ['aws', 'aws', 0],
    ['AWSLambda', 'AmazonEC2', 1],
    ['', 'a', -1],
    ['z', 'é', -1],
  ])('orders %j against %j: %i', (a, b, order) => {
    expect(Math.sign(compareText(a, b))).toBe(order);
    expect(Math.sign(compareText(b, a))).toBe(-order || 0);
  });
});

describe('collectEstimatedCharges: month boundaries', () => {
  it.each([
    { now: '2024-03-01T00:30:00Z', point: '2024-03-01T00:00:00Z', stale: false },
    { now: '2024-03-01T00:30:00Z', point: '2024-02-29T23:00:00Z', stale: true },
    { now: '2024-03-01T00:30:00Z', point: '2024-02-29T23:59:59.999Z', stale: true },
    { now: '2024-01-01T00:30:00Z', point: '2023-12-31T23:00:00Z', stale: true },
    { now: '2024-01-01T00:30:00Z', point: '2024-01-01T00:00:00Z', stale: false },
    { now: '2024-03-15T12:00:00Z', point: '2024-03-14T20:00:00Z', stale: false },
    { now: '2024-03-31T23:30:00Z', point: '2024-03-31T23:00:00Z', stale: false },
  ])('at $now, a newest point of $point is stale: $stale', async ({ now, point, stale }) => {
    givenSeries([TOTAL], new Map([[key(TOTAL), [{ at: point, value: 812.5 }]]]));
    const result = await collectEstimatedCharges(client(), options({ now: new Date(now) }));
    expect(result.samples).toHaveLength(stale ? 0 : 1);
    expect(result.skipped).toEqual(stale ? { stale_billing_point: 1 } : {});
  });

  it("on the 1st at 00:30 UTC sends this month's series, counts last month's as stale, and reports the newest data time", async () => {
    const now = new Date('2024-03-01T00:30:00Z');
    givenSeries(
      [TOTAL, EC2, S3],
      new Map([
        [key(TOTAL), [{ at: '2024-03-01T00:00:00Z', value: 0.12 }]],
        [key(EC2), [{ at: '2024-02-29T20:00:00Z', value: 900 }]],
        [key(S3), [{ at: '2024-02-29T23:00:00Z', value: 40 }]],
      ]),
    );

    const result = await collectEstimatedCharges(client(), options({ now }));

    expect(result.samples).toEqual([
      {
        metric: 'estimatedCharges',
        value: 0.12,
        currency: 'USD',
        tags: [
          ['account_id', ACCOUNT_ID],
          ['billing_scope', 'total'],
          ['currency', 'USD'],
        ],
      },
    ]);
    expect(result.skipped).toEqual({ stale_billing_point: 2 });
    expect(result.newestDataTime).toEqual(new Date('2024-03-01T00:00:00Z'));
    const input = cloudWatchMock.commandCalls(GetMetricDataCommand)[0].args[0].input;
    expect(now.getTime() - (input.StartTime as Date).getTime()).toBeGreaterThanOrEqual(24 * HOUR);
  });

  it('reports the newest data time even when every point is stale, so the data age can be seen', async () => {
    givenSeries([TOTAL], new Map([[key(TOTAL), [{ at: '2024-02-29T22:00:00Z', value: 1 }]]]));
    const result = await collectEstimatedCharges(client(), options({ now: new Date('2024-03-01T00:30:00Z') }));
    expect(result.samples).toEqual([]);
    expect(result.newestDataTime).toEqual(new Date('2024-02-29T22:00:00Z'));
  });

  it.each([
    { now: '2024-03-15T12:34:56Z', start: '2024-03-01T00:00:00.000Z' },
    { now: '2024-03-01T00:00:00Z', start: '2024-03-01T00:00:00.000Z' },
    { now: '2024-02-29T23:59:59.999Z', start: '2024-02-01T00:00:00.000Z' },
    { now: '2024-01-01T00:30:00Z', start: '2024-01-01T00:00:00.000Z' },
    { now: '2023-12-31T23:59:59Z', start: '2023-12-01T00:00:00.000Z' },
  ])('startOfUtcMonth($now) is $start', ({ now, start }) => {
    expect(startOfUtcMonth(new Date(now)).toISOString()).toBe(start);
  });
});

describe('collectEstimatedCharges: switches', () => {
  it('keeps only allowed services, case-insensitively, and counts the others as service_filtered', async () => {
    givenSeries([TOTAL, EC2, S3, LINKED, LINKED_EC2]);
    const result = await collectEstimatedCharges(client(), options({ serviceAllowlist: new Set(['amazonec2']) }));
    expect(result.samples.map((sample) => [tagsOf(sample).billing_scope, tagsOf(sample).servicename])).toEqual(
      expect.arrayContaining([
        ['total', undefined],
        ['service', 'AmazonEC2'],
        ['linked_account', undefined],
        ['linked_account_service', 'AmazonEC2'],
      ]),
    );
    expect(result.samples).toHaveLength(4);
    expect(result.skipped).toEqual({ service_filtered: 1 });
  });

  it('drops denied services, case-insensitively, and does not even ask CloudWatch for them', async () => {
    givenSeries([TOTAL, EC2, S3]);
    const result = await collectEstimatedCharges(client(), options({ serviceDenylist: new Set(['amazons3']) }));
    expect(result.samples.map((sample) => tagsOf(sample).servicename ?? '-').sort()).toEqual(['-', 'AmazonEC2']);
    expect(result.skipped).toEqual({ service_filtered: 1 });
    const queried = cloudWatchMock.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries ?? [];
    expect(queried.map((query) => keyOf(query.MetricStat?.Metric?.Dimensions))).not.toContain(key(S3));
    expect(queried).toHaveLength(2);
  });

  it('lets the deny list win over the allow list', async () => {
    givenSeries([TOTAL, EC2]);
    const result = await collectEstimatedCharges(
      client(),
      options({ serviceAllowlist: new Set(['amazonec2']), serviceDenylist: new Set(['amazonec2']) }),
    );
    expect(result.samples.map((sample) => tagsOf(sample).billing_scope)).toEqual(['total']);
    expect(result.skipped).toEqual({ service_filtered: 1 });
  });

  it('leaves out the linked_account_service level when includeLinkedAccountServices is false, and counts it', async () => {
    givenSeries([TOTAL, EC2, LINKED, LINKED_EC2]);
    const result = await collectEstimatedCharges(client(), options({ includeLinkedAccountServices: false }));
    expect(result.samples.map((sample) => tagsOf(sample).billing_scope).sort()).toEqual(['linked_account', 'service', 'total']);
    expect(result.skipped).toEqual({ linked_account_service_disabled: 1 });
  });

  it('makes no GetMetricData call when every series is filtered out', async () => {
    givenSeries([EC2, S3]);
    const result = await collectEstimatedCharges(client(), options({ serviceDenylist: new Set(['amazonec2', 'amazons3']) }));
    expect(result).toEqual({ samples: [], skipped: { service_filtered: 2 }, newestDataTime: undefined });
    expect(cloudWatchMock).not.toHaveReceivedCommand(GetMetricDataCommand);
  });
});

describe('collectEstimatedCharges: access denied', () => {
  const denied = (name: string): CloudWatchServiceException =>
    new CloudWatchServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'User is not authorized' });

  it.each(['AccessDenied', 'AccessDeniedException'])('names cloudwatch:ListMetrics when ListMetrics fails with %s', async (name) => {
    const cause = denied(name);
    cloudWatchMock.on(ListMetricsCommand).rejects(cause);
    const calls: CallCounter = {};
    const error = await collectEstimatedCharges(client(), options({ calls })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('cloudwatch:ListMetrics');
    expect((error as Error).message).toContain('"cloudwatch:ListMetrics"');
    expect((error as Error).cause).toBe(cause);
    expect(calls).toEqual({ ListMetrics: 1 });
  });

  it('names cloudwatch:GetMetricData when GetMetricData is denied', async () => {
    cloudWatchMock.on(ListMetricsCommand).resolves({ Metrics: [metric(TOTAL)] });
    cloudWatchMock.on(GetMetricDataCommand).rejects(denied('AccessDenied'));
    const error = await collectEstimatedCharges(client(), options()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('cloudwatch:GetMetricData');
    expect((error as Error).message).toContain('"cloudwatch:GetMetricData"');
  });

  it('lets an error that is not about permissions through unchanged', async () => {
    const throttled = new CloudWatchServiceException({ name: 'Throttling', $fault: 'client', $metadata: {}, message: 'Rate exceeded' });
    cloudWatchMock.on(ListMetricsCommand).rejects(throttled);
    await expect(collectEstimatedCharges(client(), options())).rejects.toBe(throttled);
  });
});

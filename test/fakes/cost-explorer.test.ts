/**
 * The fake AWS's Cost Explorer against the real CostExplorerClient, with only `endpoint` changed:
 * grouping by each family the collector will ask for, every page followed by `NextPageToken`
 * (the SDK has no paginator for GetCostAndUsage), `Estimated`, `DimensionValueAttributes`, the
 * forecast and its interval, and the errors AWS answers, each a request the fake counts.
 */
import {
  CostExplorerClient,
  DataUnavailableException,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
  InvalidNextTokenException,
  LimitExceededException,
  RequestChangedException,
  type GetCostAndUsageCommandInput,
  type GetCostAndUsageCommandOutput,
  type ResultByTime,
} from '@aws-sdk/client-cost-explorer';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { costPeriods } from '../../lambda/sources/cost-periods';
import { amountText, type CostExplorerData, type CostRowSeed } from '../../fakes/aws/cost-explorer';
import type { AccountSeed } from '../../fakes/aws/organizations';
import { startFakeAws, type FakeAws, type FakeAwsSeed } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';

const OWN = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const TEAM_A = '111122223333';
/** A linked account the organization does not name. */
const UNNAMED = '444455556666';
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';
const SUPPORT = 'AWS Support (Business)';
/** The fake's today: the 15th, so month to date is [1st, 15th) and last month is February 2028 (29 days). */
const TODAY = '2028-03-15';

const days = (from: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

/**
 * Every day of February and March to the 14th: EC2 in the payer at 10 a day tagged team=platform
 * (amortized 12), S3 in team-a at 2 a day without the tag, support in the payer at 1.5 a day
 * tagged with an empty team, and a 4.25 credit on EC2 in team-a on 2028-03-10.
 */
const costs: CostRowSeed[] = [
  ...days('2028-02-01', 43).flatMap((date): CostRowSeed[] => [
    { date, service: EC2, tags: { team: 'platform', env: 'prod' }, UnblendedCost: 10, AmortizedCost: 12 },
    { date, accountId: TEAM_A, service: S3, UnblendedCost: 2 },
    { date, service: SUPPORT, tags: { team: '' }, UnblendedCost: 1.5, NetUnblendedCost: 1.2 },
  ]),
  { date: '2028-03-10', accountId: TEAM_A, service: EC2, UnblendedCost: -4.25 },
  { date: '2028-03-11', accountId: UNNAMED, service: S3, UnblendedCost: 0.000000155 },
];

const data: CostExplorerData = {
  costs,
  today: TODAY,
  forecast: { dailyMean: { UnblendedCost: 13.5, AmortizedCost: 15 }, spread: 0.2 },
};
const seed: FakeAwsSeed = {
  costExplorer: data,
  organization: {
    accounts: [
      { Id: FAKE_ACCOUNT_ID, Name: 'management' },
      { Id: TEAM_A, Name: 'team-a' },
      { Id: UNNAMED, Name: 'x' },
    ],
  },
  roles: [{ arn: `arn:aws:iam::${TEAM_A}:role/reader` }],
};

let aws: FakeAws;
const clientConfig = (endpoint: string, credentials = OWN) => ({
  endpoint,
  region: 'us-east-1',
  credentials,
  // One attempt: the SDK retries LimitExceededException as throttling, and the counts here are exact.
  maxAttempts: 1,
});
const ce = (credentials = OWN) => new CostExplorerClient(clientConfig(aws.endpoint, credentials));

/** A fake AWS of its own, for a test that needs another seed. */
async function withFake<T>(
  costExplorer: CostExplorerData | undefined,
  run: (client: CostExplorerClient, fake: FakeAws) => Promise<T>,
): Promise<T> {
  const fake = await startFakeAws({ ...seed, costExplorer });
  try {
    return await run(new CostExplorerClient(clientConfig(fake.endpoint)), fake);
  } finally {
    await fake.close();
  }
}

beforeAll(async () => {
  // Unknown accounts get no name: drop UNNAMED's from the organization, keeping it a linked account.
  aws = await startFakeAws({ ...seed, organization: { accounts: (seed.organization!.accounts as readonly AccountSeed[]).slice(0, 2) } });
});
afterEach(() => {
  aws.clearFailures();
  aws.take();
});
afterAll(async () => {
  await aws.close();
});

/** Every page of one query, following `NextPageToken` as the collector must. */
async function allPages(client: CostExplorerClient, input: GetCostAndUsageCommandInput): Promise<GetCostAndUsageCommandOutput[]> {
  const pages: GetCostAndUsageCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new GetCostAndUsageCommand({ ...input, NextPageToken: token }));
    pages.push(page);
    token = page.NextPageToken;
  } while (token !== undefined && pages.length < 1000);
  return pages;
}

/** The pages' groups merged per period: `start -> keys joined by | -> amount` of one metric. */
function merged(pages: readonly GetCostAndUsageCommandOutput[], metric = 'UnblendedCost'): Record<string, Record<string, string>> {
  const periods: Record<string, Record<string, string>> = {};
  for (const result of pages.flatMap((page) => page.ResultsByTime ?? [])) {
    const period = (periods[result.TimePeriod?.Start ?? ''] ??= {});
    for (const group of result.Groups ?? []) period[(group.Keys ?? []).join('|')] = group.Metrics?.[metric]?.Amount ?? '';
  }
  return periods;
}

const monthly = (extra: Partial<GetCostAndUsageCommandInput> = {}): GetCostAndUsageCommandInput => ({
  TimePeriod: { Start: '2028-02-01', End: TODAY },
  Granularity: 'MONTHLY',
  Metrics: ['UnblendedCost'],
  ...extra,
});

/** An SDK service error: its name, message and HTTP status. */
type SdkError = Error & { $metadata: { httpStatusCode?: number } };

async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded, but it should have failed');
}

describe('GetCostAndUsage, ungrouped', () => {
  it('answers one MONTHLY query for last month and month to date: two periods, the second cut at the exclusive end', async () => {
    const answer = await ce().send(new GetCostAndUsageCommand(monthly({ Metrics: ['UnblendedCost', 'AmortizedCost'] })));

    expect(answer.GroupDefinitions).toBeUndefined();
    expect(answer.DimensionValueAttributes).toEqual([]);
    expect(answer.NextPageToken).toBeUndefined();
    expect(answer.ResultsByTime).toEqual<ResultByTime[]>([
      {
        TimePeriod: { Start: '2028-02-01', End: '2028-03-01' },
        // 29 days of 10 + 2 + 1.5 (2028 is a leap year); amortized 12 for EC2.
        Total: { UnblendedCost: { Amount: '391.5', Unit: 'USD' }, AmortizedCost: { Amount: '449.5', Unit: 'USD' } },
        Groups: [],
        Estimated: false,
      },
      {
        TimePeriod: { Start: '2028-03-01', End: TODAY },
        // 14 days of 13.5, the 4.25 credit, and 0.000000155.
        Total: { UnblendedCost: { Amount: '184.750000155', Unit: 'USD' }, AmortizedCost: { Amount: '212.750000155', Unit: 'USD' } },
        Groups: [],
        Estimated: true,
      },
    ]);
    expect(aws.take()).toMatchObject({ operations: { GetCostAndUsage: 1 }, signing: { 'ce@us-east-1': 1 } });
  });

  it('answers the last complete day alone with a DAILY query over [yesterday, today)', async () => {
    const answer = await ce().send(
      new GetCostAndUsageCommand({ TimePeriod: { Start: '2028-03-14', End: TODAY }, Granularity: 'DAILY', Metrics: ['NetUnblendedCost'] }),
    );

    expect(answer.ResultsByTime).toEqual([
      {
        TimePeriod: { Start: '2028-03-14', End: TODAY },
        Total: { NetUnblendedCost: { Amount: '13.2', Unit: 'USD' } },
        Groups: [],
        Estimated: true,
      },
    ]);
  });

  it('answers a period without costs with a zero total', async () => {
    const answer = await ce().send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2028-01-30', End: '2028-02-01' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
      }),
    );

    expect(answer.ResultsByTime?.map((result) => result.Total?.UnblendedCost?.Amount)).toEqual(['0', '0']);
  });

  it('writes amounts as Cost Explorer does: at most 10 places, no trailing zeros, negative for a credit', () => {
    expect([12, 0.000000155, -4.25, 1 / 3, -0.00000000001, 391.5].map(amountText)).toEqual([
      '12',
      '0.000000155',
      '-4.25',
      '0.3333333333',
      '0',
      '391.5',
    ]);
  });
});

describe('GetCostAndUsage, grouped', () => {
  it('groups by SERVICE: Total empty, groups sorted by their key', async () => {
    const answer = await ce().send(new GetCostAndUsageCommand(monthly({ GroupBy: [{ Type: 'DIMENSION', Key: 'SERVICE' }] })));

    expect(answer.GroupDefinitions).toEqual([{ Type: 'DIMENSION', Key: 'SERVICE' }]);
    expect(answer.ResultsByTime?.map((result) => result.Total)).toEqual([{}, {}]);
    expect(merged([answer])).toEqual({
      '2028-02-01': { [SUPPORT]: '43.5', [EC2]: '290', [S3]: '58' },
      // EC2: 140 in the payer, less the 4.25 credit in team-a.
      '2028-03-01': { [SUPPORT]: '21', [EC2]: '135.75', [S3]: '28.000000155' },
    });
    expect(answer.DimensionValueAttributes).toEqual([]);
  });

  it('groups by LINKED_ACCOUNT and names each account in DimensionValueAttributes (no name for an account the seed does not name)', async () => {
    const answer = await ce().send(new GetCostAndUsageCommand(monthly({ GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }] })));

    expect(merged([answer])).toEqual({
      '2028-02-01': { [TEAM_A]: '58', [FAKE_ACCOUNT_ID]: '333.5' },
      '2028-03-01': { [TEAM_A]: '23.75', [FAKE_ACCOUNT_ID]: '161', [UNNAMED]: '0.000000155' },
    });
    expect(answer.DimensionValueAttributes).toEqual([
      { Value: TEAM_A, Attributes: { description: 'team-a' } },
      { Value: FAKE_ACCOUNT_ID, Attributes: { description: 'management' } },
      { Value: UNNAMED, Attributes: {} },
    ]);
  });

  it('groups by two: LINKED_ACCOUNT then SERVICE, each group keyed by both in that order', async () => {
    const answer = await ce().send(
      new GetCostAndUsageCommand(
        monthly({
          TimePeriod: { Start: '2028-03-01', End: TODAY },
          GroupBy: [
            { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
            { Type: 'DIMENSION', Key: 'SERVICE' },
          ],
        }),
      ),
    );

    expect(merged([answer])).toEqual({
      '2028-03-01': {
        [`${TEAM_A}|${EC2}`]: '-4.25',
        [`${TEAM_A}|${S3}`]: '28',
        [`${FAKE_ACCOUNT_ID}|${SUPPORT}`]: '21',
        [`${FAKE_ACCOUNT_ID}|${EC2}`]: '140',
        [`${UNNAMED}|${S3}`]: '0.000000155',
      },
    });
  });

  it('groups by a TAG as <key>$<value>, resources without the tag and with an empty value both under <key>$', async () => {
    const answer = await ce().send(
      new GetCostAndUsageCommand(monthly({ TimePeriod: { Start: '2028-03-01', End: TODAY }, GroupBy: [{ Type: 'TAG', Key: 'team' }] })),
    );

    expect(merged([answer])).toEqual({
      // S3 (untagged), support (empty team), the credit and the unnamed account's S3 (untagged).
      '2028-03-01': { team$: '44.750000155', team$platform: '140' },
    });
  });

  it('groups by a TAG and a dimension together', async () => {
    const answer = await ce().send(
      new GetCostAndUsageCommand(
        monthly({
          TimePeriod: { Start: '2028-03-14', End: TODAY },
          Granularity: 'DAILY',
          GroupBy: [
            { Type: 'TAG', Key: 'env' },
            { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
          ],
        }),
      ),
    );

    expect(merged([answer])).toEqual({
      '2028-03-14': { [`env$|${TEAM_A}`]: '2', [`env$|${FAKE_ACCOUNT_ID}`]: '1.5', [`env$prod|${FAKE_ACCOUNT_ID}`]: '10' },
    });
    expect(answer.DimensionValueAttributes?.map((attribute) => attribute.Value)).toEqual([TEAM_A, FAKE_ACCOUNT_ID]);
  });
});

describe('GetCostAndUsage paging', () => {
  const daily: GetCostAndUsageCommandInput = {
    TimePeriod: { Start: '2028-03-01', End: TODAY },
    Granularity: 'DAILY',
    Metrics: ['UnblendedCost'],
    GroupBy: [
      { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
      { Type: 'DIMENSION', Key: 'SERVICE' },
    ],
  };

  it.each([1, 2, 4, 7])(
    'with %i groups a page, following every NextPageToken gives what one page gives, each page a request',
    async (pageSize) => {
      const whole = merged(await allPages(ce(), daily));
      aws.take();

      await withFake({ ...data, pageSize }, async (client, fake) => {
        const pages = await allPages(client, daily);

        // 14 days of 3 groups, plus the credit's day and the unnamed account's day: 44 groups.
        expect(pages).toHaveLength(Math.ceil(44 / pageSize));
        expect(merged(pages)).toEqual(whole);
        expect(fake.take().operations).toEqual({ GetCostAndUsage: pages.length });
      });
    },
  );

  it("splits a period's groups across pages: the period is on both, each with its part", async () => {
    await withFake({ ...data, pageSize: 2 }, async (client) => {
      const [first, second] = await allPages(client, { ...daily, TimePeriod: { Start: '2028-03-10', End: '2028-03-11' } });

      expect(first.ResultsByTime?.map((result) => [result.TimePeriod?.Start, result.Groups?.length])).toEqual([['2028-03-10', 2]]);
      expect(second.ResultsByTime?.map((result) => [result.TimePeriod?.Start, result.Groups?.length])).toEqual([['2028-03-10', 2]]);
      expect(second.NextPageToken).toBeUndefined();
    });
  });

  it('names on each page only the accounts of its own groups: a reader merges DimensionValueAttributes across pages', async () => {
    await withFake({ ...data, pageSize: 1 }, async (client) => {
      const pages = await allPages(
        client,
        monthly({ TimePeriod: { Start: '2028-03-01', End: TODAY }, GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }] }),
      );

      expect(pages.map((page) => page.DimensionValueAttributes?.map((attribute) => attribute.Value))).toEqual([
        [TEAM_A],
        [FAKE_ACCOUNT_ID],
        [UNNAMED],
      ]);
    });
  });

  it('refuses a page token given with another request (RequestChangedException) and one it did not issue (InvalidNextTokenException)', async () => {
    await withFake({ ...data, pageSize: 1 }, async (client) => {
      const first = await client.send(new GetCostAndUsageCommand(daily));
      const changed = await rejection(
        client.send(new GetCostAndUsageCommand({ ...daily, Metrics: ['AmortizedCost'], NextPageToken: first.NextPageToken })),
      );
      const forged = await rejection(client.send(new GetCostAndUsageCommand({ ...daily, NextPageToken: 'bm90LWEtdG9rZW4=' })));

      expect(changed).toBeInstanceOf(RequestChangedException);
      expect(forged).toBeInstanceOf(InvalidNextTokenException);
    });
  });
});

describe('Estimated', () => {
  it('is true for the current month and false for last month once AWS has finalized it (by default from the 1st)', async () => {
    const answer = await ce().send(new GetCostAndUsageCommand(monthly()));

    expect(answer.ResultsByTime?.map((result) => result.Estimated)).toEqual([false, true]);
  });

  it('stays true for last month until AWS finalizes it, then flips to false', async () => {
    const estimated = async (finalBefore: string) =>
      withFake({ ...data, finalBefore }, async (client) => {
        const answer = await client.send(new GetCostAndUsageCommand(monthly()));
        return answer.ResultsByTime?.map((result) => result.Estimated);
      });

    expect(await estimated('2028-02-01')).toEqual([true, true]);
    expect(await estimated('2028-03-01')).toEqual([false, true]);
  });
});

describe('GetCostForecast', () => {
  const rest = { Start: TODAY, End: '2028-04-01' };

  it('forecasts the rest of the month at the 80 % level: Total, and one MONTHLY result with its bounds', async () => {
    const answer = await ce().send(
      new GetCostForecastCommand({ TimePeriod: rest, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY', PredictionIntervalLevel: 80 }),
    );

    // 17 days at 13.5, the interval 20 % either side.
    expect(answer.Total).toEqual({ Amount: '229.5', Unit: 'USD' });
    expect(answer.ForecastResultsByTime).toEqual([
      { TimePeriod: rest, MeanValue: '229.5', PredictionIntervalLowerBound: '183.6', PredictionIntervalUpperBound: '275.4' },
    ]);
    expect(aws.take().operations).toEqual({ GetCostForecast: 1 });
  });

  it('forecasts each metric at its own rate, per day with DAILY, and without bounds when no level is asked for', async () => {
    const answer = await ce().send(new GetCostForecastCommand({ TimePeriod: rest, Metric: 'AMORTIZED_COST', Granularity: 'DAILY' }));

    expect(answer.Total?.Amount).toBe('255');
    expect(answer.ForecastResultsByTime).toHaveLength(17);
    expect(answer.ForecastResultsByTime?.[16]).toEqual({ TimePeriod: { Start: '2028-03-31', End: '2028-04-01' }, MeanValue: '15' });
  });

  it('splits a MONTHLY forecast over two months at the month boundary', async () => {
    const answer = await ce().send(
      new GetCostForecastCommand({ TimePeriod: { Start: TODAY, End: '2028-04-03' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }),
    );

    expect(answer.ForecastResultsByTime?.map((result) => [result.TimePeriod?.End, result.MeanValue])).toEqual([
      ['2028-04-01', '229.5'],
      ['2028-04-03', '27'],
    ]);
  });

  it('refuses a forecast that starts before today, and one whose start is not before its end', async () => {
    const past = await rejection(
      ce().send(
        new GetCostForecastCommand({
          TimePeriod: { Start: '2028-03-14', End: '2028-04-01' },
          Metric: 'UNBLENDED_COST',
          Granularity: 'MONTHLY',
        }),
      ),
    );
    const empty = await rejection(
      ce().send(new GetCostForecastCommand({ TimePeriod: { Start: TODAY, End: TODAY }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' })),
    );

    expect(past.name).toBe('ValidationException');
    expect(past.$metadata.httpStatusCode).toBe(400);
    expect(empty.name).toBe('ValidationException');
    expect(empty.message).toBe(`Requested Start: ${TODAY} must be before requested End: ${TODAY}`);
  });

  it('answers DataUnavailableException for a metric without a forecast, and when no forecast is seeded', async () => {
    const net = await rejection(
      ce().send(new GetCostForecastCommand({ TimePeriod: rest, Metric: 'NET_UNBLENDED_COST', Granularity: 'MONTHLY' })),
    );
    const none = await withFake({ ...data, forecast: undefined }, (client) =>
      rejection(client.send(new GetCostForecastCommand({ TimePeriod: rest, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }))),
    );

    expect(net).toBeInstanceOf(DataUnavailableException);
    expect(none).toBeInstanceOf(DataUnavailableException);
  });

  it.each([50, 100, 80.5])('refuses PredictionIntervalLevel %s', async (level) => {
    const error = await rejection(
      ce().send(
        new GetCostForecastCommand({ TimePeriod: rest, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY', PredictionIntervalLevel: level }),
      ),
    );

    expect(error.name).toBe('ValidationException');
  });
});

describe('errors, as AWS answers them', () => {
  it.each<[string, Partial<GetCostAndUsageCommandInput>, string]>([
    [
      'three GroupBy entries',
      {
        GroupBy: [
          { Type: 'DIMENSION', Key: 'SERVICE' },
          { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
          { Type: 'TAG', Key: 'team' },
        ],
      },
      'GroupBy has at most 2 entries',
    ],
    [
      'a GroupBy without its key',
      { GroupBy: [{ Type: 'TAG', Key: '' }] },
      'Group Definition is invalid. Both type an key need to be set to a non-empty value.',
    ],
    [
      'a start that is not before the end (the 1st of a month, month to date)',
      { TimePeriod: { Start: '2028-03-01', End: '2028-03-01' } },
      'Start date (and hour) should be before end date (and hour)',
    ],
    [
      'an end past the 1st of next month',
      { TimePeriod: { Start: '2028-03-01', End: '2028-04-02' } },
      'end date past the beginning of next month',
    ],
    [
      'a date that does not exist',
      { TimePeriod: { Start: '2027-02-29', End: '2027-03-01' } },
      'TimePeriod needs Start and End as YYYY-MM-DD dates, got "2027-02-29" and "2027-03-01"',
    ],
    ['no Metrics', { Metrics: [] }, 'Metrics is required: one or more of UnblendedCost, AmortizedCost, NetUnblendedCost, NetAmortizedCost'],
  ])('refuses %s with a ValidationException', async (_case, change, message) => {
    const error = await rejection(ce().send(new GetCostAndUsageCommand(monthly(change))));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toBe(message);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers AccessDeniedException to both operations when Cost Explorer is not enabled (and when it is not seeded)', async () => {
    for (const costExplorer of [{ ...data, state: 'not-enabled' as const }, undefined]) {
      await withFake(costExplorer, async (client) => {
        const usage = await rejection(client.send(new GetCostAndUsageCommand(monthly())));
        const forecast = await rejection(
          client.send(
            new GetCostForecastCommand({
              TimePeriod: { Start: TODAY, End: '2028-04-01' },
              Metric: 'UNBLENDED_COST',
              Granularity: 'MONTHLY',
            }),
          ),
        );

        for (const error of [usage, forecast]) {
          expect(error.name).toBe('AccessDeniedException');
          expect(error.message).toBe('User not enabled for cost explorer access');
        }
      });
    }
  });

  it('answers DataUnavailableException to both operations while a newly enabled Cost Explorer has no data yet', async () => {
    await withFake({ ...data, state: 'no-data-yet' }, async (client) => {
      const usage = await rejection(client.send(new GetCostAndUsageCommand(monthly())));
      const forecast = await rejection(
        client.send(
          new GetCostForecastCommand({ TimePeriod: { Start: TODAY, End: '2028-04-01' }, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }),
        ),
      );

      expect(usage).toBeInstanceOf(DataUnavailableException);
      expect(forecast).toBeInstanceOf(DataUnavailableException);
      expect(usage.message).toMatch(/^Data is not available\./);
    });
  });

  it('refuses a member account unless the payer allowed member access, and then answers its own costs only', async () => {
    const memberCredentials = async (fake: FakeAws) => {
      const { Credentials } = await new STSClient(clientConfig(fake.endpoint)).send(
        new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${TEAM_A}:role/reader`, RoleSessionName: 'aws-billing-to-datadog' }),
      );
      return {
        accessKeyId: Credentials?.AccessKeyId ?? '',
        secretAccessKey: Credentials?.SecretAccessKey ?? '',
        sessionToken: Credentials?.SessionToken,
      };
    };
    const grouped = monthly({ TimePeriod: { Start: '2028-03-01', End: TODAY }, GroupBy: [{ Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' }] });

    const refused = await withFake(data, async (_client, fake) =>
      rejection(
        new CostExplorerClient(clientConfig(fake.endpoint, await memberCredentials(fake))).send(new GetCostAndUsageCommand(grouped)),
      ),
    );
    const own = await withFake({ ...data, memberAccess: true }, async (_client, fake) =>
      new CostExplorerClient(clientConfig(fake.endpoint, await memberCredentials(fake))).send(new GetCostAndUsageCommand(grouped)),
    );

    expect(refused.name).toBe('AccessDeniedException');
    expect(merged([own])).toEqual({ '2028-03-01': { [TEAM_A]: '23.75' } });
  });

  it.each(['GetCostAndUsage', 'GetCostForecast'])(
    'answers %s with an injected LimitExceededException, counted as a request',
    async (operation) => {
      aws.failOperation(operation, {
        type: 'LimitExceededException',
        message: 'You made too many calls in a short period of time. Try again later.',
      });
      const call =
        operation === 'GetCostAndUsage'
          ? ce().send(new GetCostAndUsageCommand(monthly()))
          : ce().send(
              new GetCostForecastCommand({
                TimePeriod: { Start: TODAY, End: '2028-04-01' },
                Metric: 'UNBLENDED_COST',
                Granularity: 'MONTHLY',
              }),
            );

      expect(await rejection(call)).toBeInstanceOf(LimitExceededException);
      expect(aws.take()).toMatchObject({ operations: { [operation]: 1 }, errors: { LimitExceededException: 1 } });
    },
  );

  it('LimitExceededException is retried by the SDK as throttling: with its default attempts a passing one succeeds, and each attempt is a billed request', async () => {
    aws.failOperation('GetCostAndUsage', { type: 'LimitExceededException', times: 1 });
    const client = new CostExplorerClient({ ...clientConfig(aws.endpoint), maxAttempts: 3 });

    const answer = await client.send(new GetCostAndUsageCommand(monthly()));

    expect(answer.ResultsByTime).toHaveLength(2);
    expect(aws.take().operations).toEqual({ GetCostAndUsage: 2 });
  });
});

describe("the source's ranges (lambda/sources/cost-periods.ts), as Cost Explorer takes them", () => {
  it.each(['2028-03-01', '2028-03-02', '2028-02-29', '2028-04-30', '2029-01-01', '2028-12-31'])(
    'on %s: one MONTHLY request answers last month and month to date, and the last day and the forecast are accepted',
    async (today) => {
      const periods = costPeriods(new Date(`${today}T23:59:59.999Z`));

      await withFake({ ...data, today }, async (client, fake) => {
        const both = await client.send(
          new GetCostAndUsageCommand({ TimePeriod: periods.lastMonthAndMonthToDate, Granularity: 'MONTHLY', Metrics: ['UnblendedCost'] }),
        );
        const lastDay = await client.send(
          new GetCostAndUsageCommand({ TimePeriod: periods.lastDay, Granularity: 'DAILY', Metrics: ['UnblendedCost'] }),
        );
        await client.send(new GetCostForecastCommand({ TimePeriod: periods.forecast, Metric: 'UNBLENDED_COST', Granularity: 'MONTHLY' }));

        expect(both.ResultsByTime?.map((result) => result.TimePeriod)).toEqual(
          periods.monthToDate === undefined ? [periods.lastMonth] : [periods.lastMonth, periods.monthToDate],
        );
        expect(lastDay.ResultsByTime?.map((result) => result.TimePeriod)).toEqual([periods.lastDay]);
        expect(fake.take().operations).toEqual({ GetCostAndUsage: 2, GetCostForecast: 1 });
      });
    },
  );
});

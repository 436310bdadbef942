/**
 * The fake AWS against the real SDK clients the collector uses, with only `endpoint` changed:
 * what passes here is what the collector's calls get, paging and error answers included.
 */
import { AccessDeniedException, BudgetsClient, DescribeBudgetsCommand, type Budget } from '@aws-sdk/client-budgets';
import {
  CloudWatchClient,
  GetMetricDataCommand,
  InternalServiceFault,
  InvalidParameterValueException,
  ListMetricsCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, ResourceNotFoundException, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type BudgetSeed } from '../../fakes/aws/budgets';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { METRICS_REQUESTED, type BillingSeriesSeed } from '../../fakes/aws/cloudwatch';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';

const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:datadog/api-key-AbCdEf`;
const HOUR = 3600;

const budgets: BudgetSeed[] = Array.from({ length: 250 }, (_, i) => ({
  BudgetName: `team ${String(i).padStart(3, '0')}`,
  BudgetType: 'COST',
  BudgetLimit: { Amount: `${100 + i}.0`, Unit: 'USD' },
  CalculatedSpend: { ActualSpend: { Amount: `${i}.25`, Unit: 'USD' }, ForecastedSpend: { Amount: `${2 * i}.5`, Unit: 'USD' } },
}));
const planned: BudgetSeed = {
  BudgetName: 'planned',
  BudgetType: 'COST',
  TimeUnit: 'QUARTERLY',
  PlannedBudgetLimits: { '1704067200': { Amount: '300.0', Unit: 'USD' } },
  CalculatedSpend: { ActualSpend: { Amount: '12.5', Unit: 'USD' } },
};

const currency = { Name: 'Currency', Value: 'USD' };
const billingSeries: BillingSeriesSeed[] = [
  { dimensions: [currency], value: 1234.5 },
  ...Array.from({ length: 1200 }, (_, i) => ({ dimensions: [{ Name: 'ServiceName', Value: `Service${i}` }, currency] })),
  { dimensions: [{ Name: 'LinkedAccount', Value: '111122223333' }, currency], value: 7 },
];

let aws: FakeAws;
const clientConfig = () => ({
  endpoint: aws.endpoint,
  region: 'us-east-1',
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  // One attempt: the SDK would retry a throttling or 5xx answer, and the counts here are exact.
  maxAttempts: 1,
});

beforeAll(async () => {
  aws = await startFakeAws({ budgets: [...budgets, planned], billingSeries, secrets: { [SECRET_ARN]: 'the-api-key' } });
});
afterEach(() => {
  aws.clearFailures();
  aws.take();
});
afterAll(async () => {
  await aws.close();
});

async function allBudgets(client: BudgetsClient, maxResults: number | undefined): Promise<{ pages: number; budgets: Budget[] }> {
  const listed: Budget[] = [];
  let pages = 0;
  let NextToken: string | undefined;
  do {
    const page = await client.send(new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID, MaxResults: maxResults, NextToken }));
    pages += 1;
    listed.push(...(page.Budgets ?? []));
    NextToken = page.NextToken;
  } while (NextToken !== undefined);
  return { pages, budgets: listed };
}

/** An SDK service error: its name, the query code (CloudWatch) and the HTTP status. */
type SdkError = Error & { Code?: string; $metadata: { httpStatusCode?: number } };

/** The error a call fails with; the test fails if the call succeeds. */
async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded, but it should have failed');
}

function chargesQuery(id: string, dimensions: readonly { Name: string; Value: string }[]): MetricDataQuery {
  return {
    Id: id,
    MetricStat: {
      Metric: { Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', Dimensions: [...dimensions] },
      Period: HOUR,
      Stat: 'Maximum',
    },
  };
}

describe('Budgets through the real BudgetsClient', () => {
  it.each([
    { maxResults: undefined, pages: 3 },
    { maxResults: 100, pages: 3 },
    { maxResults: 1000, pages: 1 },
    { maxResults: 7, pages: 36 },
  ])(
    'pages DescribeBudgets by NextToken, $maxResults a page, in $pages pages, losing and repeating none',
    async ({ maxResults, pages }) => {
      const listed = await allBudgets(new BudgetsClient(clientConfig()), maxResults);

      expect(listed.pages).toBe(pages);
      expect(listed.budgets.map((budget) => budget.BudgetName)).toEqual([...budgets, planned].map((budget) => budget.BudgetName));
      expect(aws.take().operations).toEqual({ DescribeBudgets: pages });
    },
  );

  it('answers the fields the collector reads, with AWS defaults for the ones not seeded', async () => {
    const { budgets: listed } = await allBudgets(new BudgetsClient(clientConfig()), 1000);
    const first = listed[0];
    const last = listed[listed.length - 1];

    expect(first).toMatchObject({
      BudgetName: 'team 000',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: '100.0', Unit: 'USD' },
      CalculatedSpend: { ActualSpend: { Amount: '0.25', Unit: 'USD' }, ForecastedSpend: { Amount: '0.5', Unit: 'USD' } },
    });
    const now = new Date();
    expect(first.TimePeriod?.Start).toEqual(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
    expect(last).toMatchObject({
      BudgetName: 'planned',
      TimeUnit: 'QUARTERLY',
      PlannedBudgetLimits: { '1704067200': { Amount: '300.0' } },
    });
    expect(last.BudgetLimit).toBeUndefined();
  });

  it('refuses another account with AccessDeniedException, as the SDK parses it', async () => {
    const error = await rejection(new BudgetsClient(clientConfig()).send(new DescribeBudgetsCommand({ AccountId: '999999999999' })));

    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.name).toBe('AccessDeniedException');
    expect(error.$metadata.httpStatusCode).toBe(400);
    expect(aws.take().errors).toEqual({ AccessDeniedException: 1 });
  });

  it('refuses a page token another operation gave', async () => {
    const listed = await new CloudWatchClient(clientConfig()).send(new ListMetricsCommand({ Namespace: 'AWS/Billing' }));
    const error = await rejection(
      new BudgetsClient(clientConfig()).send(new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID, NextToken: listed.NextToken })),
    );

    expect(error.name).toBe('InvalidNextTokenException');
  });
});

describe('CloudWatch through the real CloudWatchClient', () => {
  it('pages ListMetrics by NextToken, 500 a page, listing every seeded series once', async () => {
    const client = new CloudWatchClient(clientConfig());
    const listed: string[] = [];
    let pages = 0;
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListMetricsCommand({ Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', NextToken }));
      pages += 1;
      for (const metric of page.Metrics ?? []) listed.push(JSON.stringify(metric.Dimensions));
      NextToken = page.NextToken;
    } while (NextToken !== undefined);

    expect(pages).toBe(3);
    expect(listed).toEqual(billingSeries.map(({ dimensions }) => JSON.stringify(dimensions)));
  });

  it.each([
    { filter: [{ Name: 'LinkedAccount' }], listed: 1 },
    { filter: [{ Name: 'ServiceName', Value: 'Service7' }], listed: 1 },
    { filter: [{ Name: 'Currency', Value: 'USD' }], listed: 500 },
  ])('lists only the series whose dimensions match $filter', async ({ filter, listed }) => {
    const page = await new CloudWatchClient(clientConfig()).send(new ListMetricsCommand({ Namespace: 'AWS/Billing', Dimensions: filter }));

    expect(page.Metrics).toHaveLength(listed);
  });

  it('answers GetMetricData with the seeded value newest first, and counts the metrics requested', async () => {
    const now = new Date();
    const page = await new CloudWatchClient(clientConfig()).send(
      new GetMetricDataCommand({
        MetricDataQueries: [
          chargesQuery('total', [currency]),
          chargesQuery('unknown', [{ Name: 'ServiceName', Value: 'Nothing' }, currency]),
        ],
        StartTime: new Date(now.getTime() - 48 * HOUR * 1000),
        EndTime: now,
        ScanBy: 'TimestampDescending',
      }),
    );

    const [total, unknown] = page.MetricDataResults ?? [];
    expect(total).toMatchObject({ Id: 'total', StatusCode: 'Complete' });
    expect(total.Values?.slice(0, 2)).toEqual([1234.5, 1234]);
    expect(total.Timestamps?.[0]).toBeInstanceOf(Date);
    expect(total.Timestamps?.[0].getTime()).toBeGreaterThan(total.Timestamps?.[1].getTime() ?? Infinity);
    expect(unknown).toMatchObject({ Id: 'unknown', Values: [], Timestamps: [] });
    expect(page.NextToken).toBeUndefined();
    expect(aws.take().units).toEqual({ [METRICS_REQUESTED]: 2 });
  });

  it('pages GetMetricData by NextToken once MaxDatapoints would be passed, splitting no series', async () => {
    const client = new CloudWatchClient(clientConfig());
    const now = new Date();
    const queries = billingSeries.slice(0, 500).map(({ dimensions }, index) => chargesQuery(`q${index}`, dimensions));
    const ids: string[] = [];
    let pages = 0;
    let NextToken: string | undefined;
    do {
      const page = await client.send(
        new GetMetricDataCommand({
          MetricDataQueries: queries,
          StartTime: new Date(now.getTime() - 48 * HOUR * 1000),
          EndTime: now,
          MaxDatapoints: 900,
          NextToken,
        }),
      );
      pages += 1;
      for (const result of page.MetricDataResults ?? []) ids.push(result.Id ?? '');
      NextToken = page.NextToken;
    } while (NextToken !== undefined);

    // 8 points a series in 48 hours (one every 6): 112 series a page.
    expect(pages).toBe(5);
    expect(ids).toEqual(queries.map((query) => query.Id));
  });

  // CloudWatch's client is awsQueryCompatible: it names the error by the modeled shape the query
  // code in x-amzn-query-error stands for, and keeps the query code as `Code`.
  it('refuses more than 500 queries in one call with InvalidParameterValue, as the SDK parses it', async () => {
    const now = new Date();
    const queries = Array.from({ length: 501 }, (_, index) => chargesQuery(`q${index}`, [currency]));
    const error = await rejection(
      new CloudWatchClient(clientConfig()).send(
        new GetMetricDataCommand({ MetricDataQueries: queries, StartTime: new Date(now.getTime() - HOUR * 1000), EndTime: now }),
      ),
    );

    expect(error).toBeInstanceOf(InvalidParameterValueException);
    expect(error.Code).toBe('InvalidParameterValue');
    expect(error.message).toMatch(/greater than 500/);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('Secrets Manager through the real SecretsManagerClient', () => {
  it.each([
    { by: 'its ARN', secretId: SECRET_ARN },
    { by: 'its name', secretId: 'datadog/api-key' },
  ])('answers GetSecretValue for a secret named by $by', async ({ secretId }) => {
    const secret = await new SecretsManagerClient(clientConfig()).send(new GetSecretValueCommand({ SecretId: secretId }));

    expect(secret).toMatchObject({ ARN: SECRET_ARN, Name: 'datadog/api-key', SecretString: 'the-api-key', VersionStages: ['AWSCURRENT'] });
    expect(aws.take().signing).toEqual({ 'secretsmanager@us-east-1': 1 });
  });

  it('answers ResourceNotFoundException for a secret it does not hold', async () => {
    const error = await rejection(new SecretsManagerClient(clientConfig()).send(new GetSecretValueCommand({ SecretId: 'no-such-secret' })));

    expect(error).toBeInstanceOf(ResourceNotFoundException);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });
});

describe('failOperation', () => {
  it('makes one operation fail the given number of times, then answer again, leaving the others alone', async () => {
    aws.failOperation('GetSecretValue', { type: 'AccessDeniedException', message: 'not allowed', times: 2 });
    const secrets = new SecretsManagerClient(clientConfig());
    const read = () =>
      secrets.send(new GetSecretValueCommand({ SecretId: SECRET_ARN })).then(
        (secret) => secret.SecretString,
        (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`,
      );

    const answers = [await read(), await read(), await read()];
    const budgetsPage = await new BudgetsClient(clientConfig()).send(
      new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID, MaxResults: 1 }),
    );

    expect(answers).toEqual(['AccessDeniedException: not allowed', 'AccessDeniedException: not allowed', 'the-api-key']);
    expect(budgetsPage.Budgets).toHaveLength(1);
    expect(aws.take()).toMatchObject({ operations: { GetSecretValue: 3, DescribeBudgets: 1 }, errors: { AccessDeniedException: 2 } });
  });

  it('answers a server error with its status, as the SDK sees it', async () => {
    aws.failOperation('ListMetrics', { type: 'InternalServiceError', status: 500 });
    const error = await rejection(new CloudWatchClient(clientConfig()).send(new ListMetricsCommand({ Namespace: 'AWS/Billing' })));

    expect(error).toBeInstanceOf(InternalServiceFault);
    expect(error.Code).toBe('InternalServiceError');
    expect(error.$metadata.httpStatusCode).toBe(500);
  });

  it.each([
    { name: 'an operation it does not serve', operation: 'ListBudgets', times: 1 },
    { name: 'zero times', operation: 'ListMetrics', times: 0 },
  ])('refuses $name', ({ operation, times }) => {
    expect(() => aws.failOperation(operation, { type: 'ThrottlingException', times })).toThrow(RangeError);
  });
});

describe('startFakeAws', () => {
  it('refuses a secret seeded under something that is not a secret ARN', async () => {
    await expect(startFakeAws({ secrets: { 'datadog/api-key': 'x' } })).rejects.toThrow(/keyed by its ARN/);
  });
});

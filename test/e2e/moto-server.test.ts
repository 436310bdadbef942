import { BudgetsClient, DescribeBudgetsCommand, type Budget } from '@aws-sdk/client-budgets';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MOTO_DEFAULT_ACCOUNT_ID, MOTO_NOT_INSTALLED, startMoto, type MotoServer } from '../support/moto-server';
import {
  BILLING,
  createApiKeySecret,
  createBudget,
  createCostBudget,
  motoClientConfig,
  putEstimatedCharges,
  type EstimatedChargesPoint,
} from '../support/seed';

const HOUR = 3_600_000;

describe('startMoto when moto cannot be imported', () => {
  it.each([
    { name: 'the interpreter does not exist', python: '/nonexistent/python3' },
    { name: 'the import fails', python: 'false' },
  ])('fails with one install hint when $name, rather than letting the tier skip', async ({ python }) => {
    await expect(startMoto({ python })).rejects.toThrow(new Error(MOTO_NOT_INSTALLED));
  });
});

describe('moto server seeded through the real SDK clients', () => {
  let moto: MotoServer;
  let budgets: BudgetsClient;
  let cloudwatch: CloudWatchClient;
  let secrets: SecretsManagerClient;

  beforeAll(async () => {
    moto = await startMoto();
    budgets = new BudgetsClient(motoClientConfig(moto.endpoint));
    cloudwatch = new CloudWatchClient(motoClientConfig(moto.endpoint));
    secrets = new SecretsManagerClient(motoClientConfig(moto.endpoint));
  });
  beforeEach(async () => {
    await moto.reset();
  });
  afterAll(async () => {
    budgets?.destroy();
    cloudwatch?.destroy();
    secrets?.destroy();
    await moto?.stop();
  });

  async function describeBudgets(accountId = MOTO_DEFAULT_ACCOUNT_ID): Promise<Budget[]> {
    return (await budgets.send(new DescribeBudgetsCommand({ AccountId: accountId }))).Budgets ?? [];
  }

  async function maxPerHour(dimensions: Dimension[], end = new Date()): Promise<{ timestamps: Date[]; values: number[] }> {
    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end.getTime() - 48 * HOUR),
        EndTime: end,
        MetricDataQueries: [
          {
            Id: 'q0',
            MetricStat: {
              Metric: { Namespace: BILLING.namespace, MetricName: BILLING.metricName, Dimensions: dimensions },
              Stat: 'Maximum',
              Period: 3600,
            },
          },
        ],
      }),
    );
    const [result] = out.MetricDataResults ?? [];
    return { timestamps: result?.Timestamps ?? [], values: result?.Values ?? [] };
  }

  it('listens on loopback only', () => {
    expect(moto.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('returns the CalculatedSpend a COST budget was created with, long decimal tails intact', async () => {
    await createCostBudget(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID, {
      name: 'monthly-total',
      limit: '1000',
      actual: '604.4560000000000172803993336856365203857421875',
      forecast: '910.25',
    });

    const [budget] = await describeBudgets();
    expect(budget).toMatchObject({
      BudgetName: 'monthly-total',
      BudgetType: 'COST',
      TimeUnit: 'MONTHLY',
      BudgetLimit: { Amount: '1000', Unit: 'USD' },
      CalculatedSpend: {
        ActualSpend: { Amount: '604.4560000000000172803993336856365203857421875', Unit: 'USD' },
        ForecastedSpend: { Amount: '910.25', Unit: 'USD' },
      },
    });
  });

  it('returns no ForecastedSpend when none was given, and no BudgetLimit for a planned budget', async () => {
    await createCostBudget(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID, { name: 'planned', actual: '12.5' });

    const [budget] = await describeBudgets();
    expect(budget.CalculatedSpend).toEqual({ ActualSpend: { Amount: '12.5', Unit: 'USD' } });
    expect(budget.BudgetLimit).toBeUndefined();
    expect(Object.values(budget.PlannedBudgetLimits ?? {})).toEqual([{ Amount: '100', Unit: 'USD' }]);
  });

  it('returns USAGE and RI budgets in their own units', async () => {
    await createBudget(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID, {
      name: 'transfer',
      type: 'USAGE',
      unit: 'GB',
      limit: '500',
      actual: '120',
    });
    await createBudget(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID, { name: 'ri-use', type: 'RI_UTILIZATION', actual: '75' });

    const byName = new Map((await describeBudgets()).map((b) => [b.BudgetName, b]));
    expect(byName.get('transfer')).toMatchObject({
      BudgetType: 'USAGE',
      BudgetLimit: { Amount: '500', Unit: 'GB' },
      CalculatedSpend: { ActualSpend: { Amount: '120', Unit: 'GB' } },
    });
    expect(byName.get('ri-use')).toMatchObject({
      BudgetType: 'RI_UTILIZATION',
      BudgetLimit: { Amount: '100', Unit: 'PERCENT' },
      CalculatedSpend: { ActualSpend: { Amount: '75', Unit: 'PERCENT' } },
    });
  });

  it('keeps budgets per account', async () => {
    await createCostBudget(moto.endpoint, '111122223333', { name: 'elsewhere', limit: '10', actual: '1' });

    expect(await describeBudgets(MOTO_DEFAULT_ACCOUNT_ID)).toEqual([]);
    expect((await describeBudgets('111122223333')).map((b) => b.BudgetName)).toEqual(['elsewhere']);
  });

  it('returns the billing points put, newest first, as hourly Maximum over the last 48 hours', async () => {
    const now = Date.now();
    const dimensions = { Currency: 'USD' };
    // Half an hour off the hour apart: one point per hourly bucket whether buckets start at the
    // query's StartTime (moto) or on clock hours (AWS).
    const points: EstimatedChargesPoint[] = [
      { dimensions, value: 10.25, timestamp: new Date(now - 2.5 * HOUR) },
      { dimensions, value: 12.5, timestamp: new Date(now - 1.5 * HOUR) },
      { dimensions, value: 15.75, timestamp: new Date(now - 0.5 * HOUR) },
    ];
    expect(await putEstimatedCharges(moto.endpoint, points)).toBe(1);

    const { timestamps, values } = await maxPerHour([{ Name: 'Currency', Value: 'USD' }], new Date(now));
    expect(values).toEqual([15.75, 12.5, 10.25]);
    expect(timestamps).toHaveLength(3);
    expect([...timestamps].sort((a, b) => b.getTime() - a.getTime())).toEqual(timestamps);
  });

  it('lists a multi-dimension metric once per point: ListMetrics output needs de-duplication', async () => {
    const now = Date.now();
    const byService = { ServiceName: 'AmazonEC2', Currency: 'USD' };
    await putEstimatedCharges(moto.endpoint, [
      ...[3, 2, 1].map((h) => ({ dimensions: byService, value: 10 - h, timestamp: new Date(now - h * HOUR) })),
      { dimensions: { Currency: 'USD' }, value: 20, timestamp: new Date(now - HOUR) },
    ]);

    const listed = (await cloudwatch.send(new ListMetricsCommand({ Namespace: BILLING.namespace }))).Metrics ?? [];
    const distinct = new Set(listed.map((m) => JSON.stringify(m.Dimensions)));
    expect(distinct).toEqual(
      new Set([
        JSON.stringify([{ Name: 'Currency', Value: 'USD' }]),
        JSON.stringify([
          { Name: 'ServiceName', Value: 'AmazonEC2' },
          { Name: 'Currency', Value: 'USD' },
        ]),
      ]),
    );
    // moto 5.2 answers 4 entries here (the EC2 series three times); AWS answers 2.
    expect(listed.length).toBeGreaterThanOrEqual(distinct.size);
    expect(listed.every((m) => m.MetricName === BILLING.metricName)).toBe(true);
  });

  it('splits more than 1000 points into PutMetricData calls of at most 1000, all of them stored', async () => {
    const end = Date.now();
    // One point a minute for 1001 minutes: about 17 hours, inside the 48-hour window.
    const points = Array.from({ length: 1001 }, (_, i) => ({
      dimensions: { Currency: 'USD' },
      value: i,
      timestamp: new Date(end - (i + 1) * 60_000),
    }));

    expect(await putEstimatedCharges(moto.endpoint, points)).toBe(2);

    const out = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(end - 48 * HOUR),
        EndTime: new Date(end),
        MetricDataQueries: [
          {
            Id: 'count',
            MetricStat: {
              Metric: { Namespace: BILLING.namespace, MetricName: BILLING.metricName, Dimensions: [{ Name: 'Currency', Value: 'USD' }] },
              Stat: 'SampleCount',
              Period: 48 * 3600,
            },
          },
        ],
      }),
    );
    expect(out.MetricDataResults?.[0]?.Values).toEqual([1001]);
  });

  it('stores the API key secret as a plain string and returns it by ARN', async () => {
    const arn = await createApiKeySecret(moto.endpoint, 'datadog/api-key', '0123456789abcdef0123456789abcdef');

    expect(arn).toMatch(new RegExp(`^arn:aws:secretsmanager:us-east-1:${MOTO_DEFAULT_ACCOUNT_ID}:secret:datadog/api-key-[A-Za-z0-9]{6}$`));
    const out = await secrets.send(new GetSecretValueCommand({ SecretId: arn }));
    expect(out.SecretString).toBe('0123456789abcdef0123456789abcdef');
  });

  it('seeds a budget, three billing points and a secret together, and reset() clears them all', async () => {
    const now = Date.now();
    await createCostBudget(moto.endpoint, MOTO_DEFAULT_ACCOUNT_ID, { name: 'total', limit: '100', actual: '42.5', forecast: '90' });
    await putEstimatedCharges(
      moto.endpoint,
      [2.5, 1.5, 0.5].map((h, i) => ({ dimensions: { Currency: 'USD' }, value: 40 + i, timestamp: new Date(now - h * HOUR) })),
    );
    const arn = await createApiKeySecret(moto.endpoint, 'dd-key', 'k');

    expect((await describeBudgets()).map((b) => b.CalculatedSpend?.ActualSpend?.Amount)).toEqual(['42.5']);
    expect((await maxPerHour([{ Name: 'Currency', Value: 'USD' }], new Date(now))).values).toEqual([42, 41, 40]);
    expect((await secrets.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString).toBe('k');

    await moto.reset();

    expect(await describeBudgets()).toEqual([]);
    expect((await cloudwatch.send(new ListMetricsCommand({ Namespace: BILLING.namespace }))).Metrics ?? []).toEqual([]);
    await expect(secrets.send(new GetSecretValueCommand({ SecretId: arn }))).rejects.toThrow(/can't find the specified secret/i);
  });

  it('refuses to seed anything but a loopback endpoint', async () => {
    await expect(createApiKeySecret('https://secretsmanager.us-east-1.amazonaws.com', 'x', 'y')).rejects.toThrow(/loopback/);
  });
});

describe('MotoServer.stop', () => {
  it('ends the moto process and frees its port', async () => {
    const moto = await startMoto();
    await moto.stop();

    expect(() => process.kill(moto.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    await expect(fetch(`${moto.endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) })).rejects.toThrow();
    await expect(moto.stop()).resolves.toBeUndefined();
  });
});

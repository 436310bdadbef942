/**
 * The whole run: mocked AWS clients (aws-sdk-client-mock), the real collector, real HTTP and
 * gzip to a Datadog-compatible intake on 127.0.0.1 that validates every body against the
 * v2 series schema. Every log line is captured to prove the key never appears.
 */
import { triggerEvent } from '../../lambda/trigger';
import { BudgetsClient, DescribeBudgetNotificationsForAccountCommand, DescribeBudgetsCommand, type Budget } from '@aws-sdk/client-budgets';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type GetMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ENV } from '../../lambda/environment';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';

const ACCOUNT = '210987654321';
const FUNCTION_ARN = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:billing-collector`;
const SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:datadog-api-key-AbCdEf`;
const ROTATED_KEY = 'abcdefabcdefabcdefabcdefabcdef12';

const budgets = mockClient(BudgetsClient);
const cloudWatch = mockClient(CloudWatchClient);
const secrets = mockClient(SecretsManagerClient);

const BUDGETS: Budget[] = [
  {
    BudgetName: 'Team Platform (prod)',
    BudgetType: 'COST',
    TimeUnit: 'MONTHLY',
    BudgetLimit: { Amount: '1000.0', Unit: 'USD' },
    CalculatedSpend: {
      ActualSpend: { Amount: '604.4560000000000172803993336856365203857421875', Unit: 'USD' },
      ForecastedSpend: { Amount: '1210.5', Unit: 'USD' },
    },
  },
  {
    BudgetName: 'Compute hours',
    BudgetType: 'USAGE',
    TimeUnit: 'MONTHLY',
    BudgetLimit: { Amount: '500', Unit: 'Hrs' },
    CalculatedSpend: { ActualSpend: { Amount: '20', Unit: 'Hrs' } },
  },
];

const BILLING_SERIES = [
  [{ Name: 'Currency', Value: 'USD' }],
  [
    { Name: 'ServiceName', Value: 'AmazonEC2' },
    { Name: 'Currency', Value: 'USD' },
  ],
];

function seedAws(): void {
  budgets.on(DescribeBudgetsCommand).resolves({ Budgets: BUDGETS });
  // No alert thresholds: each budget gets its default alert levels.
  budgets.on(DescribeBudgetNotificationsForAccountCommand).resolves({ BudgetNotificationsForAccount: [] });
  cloudWatch.on(ListMetricsCommand).resolves({
    Metrics: BILLING_SERIES.map((Dimensions) => ({ Namespace: 'AWS/Billing', MetricName: 'EstimatedCharges', Dimensions })),
  });
  const pointTime = new Date(Date.now() - 60_000);
  const valueOf = (dimensions: { Name?: string; Value?: string }[]) => (dimensions.some((d) => d.Name === 'ServiceName') ? 812.5 : 70.25);
  cloudWatch.on(GetMetricDataCommand).callsFake(async (input: GetMetricDataCommandInput) => ({
    MetricDataResults: (input.MetricDataQueries ?? []).map((query) => ({
      Id: query.Id,
      Timestamps: [pointTime],
      Values: [valueOf(query.MetricStat?.Metric?.Dimensions ?? [])],
    })),
  }));
  secrets.on(GetSecretValueCommand).resolves({ SecretString: `${TEST_API_KEY}\n` });
}

const logLines: string[] = [];

async function invoke(event: unknown = {}): Promise<{ result?: unknown; error?: Error }> {
  // A fresh module per run: the handler keeps its configuration and key cache for the life of
  // an execution environment, and each test here is a new one.
  vi.resetModules();
  const { handler } = await import('../../lambda/handler');
  try {
    const result = await handler(event, { invokedFunctionArn: FUNCTION_ARN, getRemainingTimeInMillis: () => 30_000 });
    return { result };
  } catch (error) {
    return { error: error as Error };
  }
}

function summaryLine(): Record<string, unknown> {
  const line = logLines.find((l) => l.includes('"run summary"'));
  expect(line, 'the run logs one summary line').toBeDefined();
  return JSON.parse(line as string) as Record<string, unknown>;
}

describe('a collection run end to end with a loopback Datadog intake', () => {
  let intake: Intake;

  beforeAll(async () => {
    intake = await startIntake();
  });
  afterAll(async () => {
    await intake.close();
  });
  beforeEach(() => {
    budgets.reset();
    cloudWatch.reset();
    secrets.reset();
    intake.reset();
    logLines.length = 0;
    seedAws();
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      logLines.push(String(chunk).trimEnd());
      return true;
    });
    vi.stubEnv(ENV.apiKeySecretArn, SECRET_ARN);
    vi.stubEnv(ENV.apiUrl, intake.url);
    vi.stubEnv(ENV.env, 'prod');
    vi.stubEnv(ENV.logLevel, 'DEBUG');
  });
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    // Whatever happened, the key never reached a log line.
    expect(logLines.join('\n')).not.toContain(TEST_API_KEY);
    expect(logLines.join('\n')).not.toContain(ROTATED_KEY);
  });

  it('sends the billing metrics with their tags, and the health metrics, in one gzipped request', async () => {
    const { error } = await invoke();
    expect(error).toBeUndefined();
    expect(intake.requests).toHaveLength(1);
    expect(intake.requests[0]).toMatchObject({ contentEncoding: 'gzip', schemaErrors: [], timestampWarnings: [], status: 202 });

    const byMetric = (name: string) => intake.series().filter((s) => s.metric === name);
    const budgetTags = [
      'budget_name:team_platform_prod',
      'budget_type:cost',
      'time_unit:monthly',
      'currency:usd',
      `account_id:${ACCOUNT}`,
      'env:prod',
    ];
    expect(byMetric('aws.billing.actual_spend')).toEqual([
      expect.objectContaining({ type: 3, unit: 'dollar', tags: budgetTags, points: [expect.objectContaining({ value: 604.456 })] }),
    ]);
    expect(byMetric('aws.billing.forecasted_spend')[0]).toMatchObject({ tags: budgetTags, points: [{ value: 1210.5 }] });
    expect(byMetric('aws.billing.budget_limit')[0]).toMatchObject({ tags: budgetTags, points: [{ value: 1000 }] });
    // Without alert thresholds: 80 % of the limit, and the limit.
    expect(byMetric('aws.billing.budget_alert_level')[0]).toMatchObject({ tags: budgetTags, points: [{ value: 800 }] });
    expect(byMetric('aws.billing.budget_forecast_alert_level')[0]).toMatchObject({ tags: budgetTags, points: [{ value: 1000 }] });
    expect(byMetric('aws.billing.estimated_charges').map((s) => [s.tags, s.points[0].value])).toEqual([
      [[`account_id:${ACCOUNT}`, 'billing_scope:total', 'currency:usd', 'env:prod'], 70.25],
      [[`account_id:${ACCOUNT}`, 'billing_scope:service', 'servicename:amazonec2', 'currency:usd', 'env:prod'], 812.5],
    ]);
    expect(byMetric('aws.billing.collector.run')[0]).toMatchObject({
      tags: [`account_id:${ACCOUNT}`, 'status:success', 'trigger:schedule', 'env:prod'],
    });
    expect(byMetric('aws.billing.collector.series')[0].points[0].value).toBe(7);

    const now = Date.now() / 1000;
    for (const series of intake.series()) expect(Math.abs((series.points[0].timestamp ?? 0) - now)).toBeLessThan(60);

    const summary = summaryLine();
    expect(summary).toMatchObject({
      level: 'INFO',
      status: 'success',
      accountId: ACCOUNT,
      skipped: { not_a_cost_budget: 1 },
      awsCalls: { DescribeBudgets: 1, DescribeBudgetNotificationsForAccount: 1, ListMetrics: 1, GetMetricData: 1, GetSecretValue: 1 },
      datadog: { requests: 1, seriesSent: 11 },
      errors: [],
    });
  });

  it("reads only the second rule's sources on its event: none of the hourly sources, and its run tagged trigger:cost_explorer", async () => {
    // Cost Explorer is off by default: the run has nothing to read, and fails naming its switch.
    const { error } = await invoke(triggerEvent('cost_explorer'));
    expect(error?.message).toMatch(/has no source to read.*COLLECT_COST_EXPLORER=true/);
    expect(budgets.calls()).toHaveLength(0);
    expect(cloudWatch.calls()).toHaveLength(0);
    expect(summaryLine()).toMatchObject({ trigger: 'cost_explorer' });
    expect(intake.series().find((s) => s.metric === 'aws.billing.collector.run')?.tags).toContain('trigger:cost_explorer');
  });

  it('reads the budgets of the account in the function ARN, and both sources in us-east-1', async () => {
    await invoke();
    expect(budgets).toHaveReceivedCommandWith(DescribeBudgetsCommand, { AccountId: ACCOUNT, MaxResults: 1000 });
    const budgetsRegion = await budgets.call(0).thisValue.config.region();
    const cloudWatchRegion = await cloudWatch.call(0).thisValue.config.region();
    expect([budgetsRegion, cloudWatchRegion]).toEqual(['us-east-1', 'us-east-1']);
  });

  it.each([
    ['a 500', { status: 500 }],
    ['a 429', { status: 429 }],
    ['a slow answer', { kind: 'delay' as const, ms: 1_500 }],
  ])('retries or waits through %s and still sends everything', async (_name, behaviour) => {
    intake.respondWith(behaviour);
    const { error } = await invoke();
    expect(error).toBeUndefined();
    expect(intake.series()).toHaveLength(11);
  });

  it('fails the run on a 400, logs the summary first, and names the problem', async () => {
    intake.respondWith({ status: 400, body: { errors: ['Invalid payload'] } });
    const { error } = await invoke();
    expect(error?.name).toBe('CollectionError');
    expect(error?.message).toMatch(/malformed \(400\): Invalid payload/);
    expect(summaryLine()).toMatchObject({ level: 'ERROR', status: 'failure', datadog: { seriesSent: 0 } });
  });

  it('re-reads a rotated key after a 403 and sends with it', async () => {
    const rotatedIntake = await startIntake({ apiKey: ROTATED_KEY });
    try {
      vi.stubEnv(ENV.apiUrl, rotatedIntake.url);
      secrets.on(GetSecretValueCommand).resolvesOnce({ SecretString: TEST_API_KEY }).resolves({ SecretString: ROTATED_KEY });
      const { error } = await invoke();
      expect(error).toBeUndefined();
      expect(rotatedIntake.requests.map((r) => r.status)).toEqual([403, 202]);
      expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
    } finally {
      await rotatedIntake.close();
    }
  });

  it('still sends estimated charges when Budgets denies access, and ends in an error naming budgets:ViewBudget', async () => {
    budgets.on(DescribeBudgetsCommand).rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    const { error } = await invoke();
    expect(error?.message).toContain('budgets:ViewBudget');
    expect(intake.series().filter((s) => s.metric === 'aws.billing.estimated_charges')).toHaveLength(2);
    expect(intake.series().find((s) => s.metric === 'aws.billing.collector.run')?.tags).toContain('status:partial');
    expect(summaryLine()).toMatchObject({ status: 'partial' });
  });

  it('sends nothing and says how to set the key when the secret holds the placeholder', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'REPLACE-WITH-YOUR-DATADOG-API-KEY' });
    const { error } = await invoke();
    expect(error?.message).toMatch(/API key not set.*put-secret-value.*file:\/\/\/dev\/stdin/);
    expect(intake.requests).toHaveLength(0);
  });

  it('names every bad variable when the configuration is wrong', async () => {
    vi.stubEnv(ENV.apiKeySecretArn, '');
    vi.stubEnv(ENV.datadogSite, 'datadoghq.org');
    const { error } = await invoke();
    expect(error?.name).toBe('ConfigError');
    expect(error?.message).toMatch(/DD_API_KEY_SECRET_ARN is required.*DD_SITE "datadoghq.org" is not a Datadog site/);
  });
});

/**
 * How one run uses the API key and the deadline: the real collector, real SDK clients against
 * the project's fake AWS on loopback, and the loopback Datadog intake.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { SecretApiKey } from '../../lambda/api-key';
import { AwsClientPool } from '../../lambda/aws-clients';
import { collect, runStatus } from '../../lambda/collect';
import { loadConfig } from '../../lambda/config';
import { ENV } from '../../lambda/environment';
import { createLogger } from '../../lambda/log';

const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:datadog/api-key-AbCdEf`;
const CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' };

let aws: FakeAws;
let intake: Intake;

beforeAll(async () => {
  aws = await startFakeAws({
    budgets: [
      {
        BudgetName: 'Team A',
        BudgetType: 'COST',
        BudgetLimit: { Amount: '100', Unit: 'USD' },
        CalculatedSpend: { ActualSpend: { Amount: '12.5', Unit: 'USD' } },
      },
    ],
    billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 42.5 }],
    secrets: { [SECRET_ARN]: TEST_API_KEY },
  });
  intake = await startIntake();
  // The sources' clients are made as the function makes them: the endpoint and credentials come from the environment.
  vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', CREDENTIALS.accessKeyId);
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', CREDENTIALS.secretAccessKey);
});
afterEach(() => {
  aws.take();
  aws.clearFailures();
  intake.reset();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([aws.close(), intake.close()]);
});

/** One run, as the handler makes it, with the key source given. */
function run(apiKey: SecretApiKey) {
  const config = loadConfig({ [ENV.apiKeySecretArn]: SECRET_ARN, [ENV.apiUrl]: intake.url, [ENV.logLevel]: 'ERROR' });
  return collect({
    config,
    accountId: FAKE_ACCOUNT_ID,
    clients: new AwsClientPool({ maxAttempts: 1 }),
    apiKey,
    log: createLogger('ERROR', () => undefined),
    deadline: Date.now() + 20_000,
  });
}

function secretKey(now: () => number): SecretApiKey {
  return new SecretApiKey(
    new SecretsManagerClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: CREDENTIALS, maxAttempts: 1 }),
    {
      secretArn: SECRET_ARN,
      secretRegion: 'us-east-1',
      maxAgeMs: 60_000,
      now,
    },
  );
}

describe('collect: the API key of a run', () => {
  it('reads the secret once per run, even when the cached key expires during the run', async () => {
    // Every look at the clock is a minute later: the key is always past its maximum age.
    let clock = 0;
    const apiKey = secretKey(() => (clock += 61_000));

    const { summary } = await run(apiKey);

    expect(summary.errors).toEqual([]);
    expect(summary.datadog.seriesSent).toBeGreaterThan(0);
    expect(aws.take().operations.GetSecretValue).toBe(1);
    expect(summary.awsCalls.GetSecretValue).toBe(1);
  });
});

describe("collect: a source's part that fails", () => {
  it("sends the budgets' own series when their thresholds' read is denied, and ends partial naming budgets:ViewBudget", async () => {
    aws.failOperation('DescribeBudgetNotificationsForAccount', { type: 'AccessDeniedException', status: 400 });

    const { summary, series } = await run(secretKey(() => Date.now()));

    expect(summary.status).toBe('partial');
    expect(summary.errors).toEqual([expect.stringMatching(/^AccessDeniedError: AWS denied budgets:ViewBudget/)]);
    const metrics = new Set(series.map((item) => item.metric));
    expect(metrics).toContain('aws.billing.actual_spend');
    expect(metrics).not.toContain('aws.billing.budget_alert_level');
    expect(intake.series().map((item) => item.metric)).toContain('aws.billing.budget_limit');
  });
});

describe("collect: one status, in the summary and in collector.run's tag", () => {
  /** The `status` tag of the `collector.run` series Datadog received. */
  const runTag = (): string | undefined =>
    intake
      .series()
      .find((item) => item.metric === 'aws.billing.collector.run')
      ?.tags?.find((tag) => tag.startsWith('status:'));

  it('a run whose every source fails sends its health series alone, and is a failure in its log line and in Datadog alike', async () => {
    aws.failOperation('ListMetrics', { type: 'AccessDeniedException', status: 400 });
    aws.failOperation('DescribeBudgets', { type: 'AccessDeniedException', status: 400 });

    const { summary } = await run(secretKey(() => Date.now()));

    expect(summary.datadog.seriesSent).toBeGreaterThan(0);
    expect(intake.series().every((item) => item.metric.startsWith('aws.billing.collector.'))).toBe(true);
    expect(summary.status).toBe('failure');
    expect(runTag()).toBe('status:failure');
  });

  it('a run with one source failing beside one that reads is partial in both', async () => {
    aws.failOperation('ListMetrics', { type: 'AccessDeniedException', status: 400 });

    const { summary } = await run(secretKey(() => Date.now()));

    expect(summary.status).toBe('partial');
    expect(runTag()).toBe('status:partial');
  });

  it.each<[string, string, Parameters<typeof runStatus>]>([
    ['no error', 'success', [0, 3, 5]],
    ['an error, billing series read and sent', 'partial', [1, 3, 5]],
    ['an error and no billing series, the health series sent', 'failure', [1, 0, 3]],
    ['an error and no billing series, before sending', 'failure', [1, 0]],
    ['an error, and Datadog took nothing', 'failure', [1, 3, 0]],
    ['an error in a dry run, billing series read', 'partial', [1, 3, undefined]],
    ['a failed account and no error', 'partial', [0, 3, 5, 1]],
  ])('runStatus: %s is %s', (_case, expected, input) => {
    expect(runStatus(...input)).toBe(expected);
  });
});

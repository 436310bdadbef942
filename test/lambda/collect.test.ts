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
import { collect } from '../../lambda/collect';
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

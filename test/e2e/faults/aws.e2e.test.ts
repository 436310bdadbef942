/**
 * The fault matrix, AWS side: the bundled collector against moto behind the fault-injecting
 * proxy, for what moto cannot do itself (throttling, access denied, slow answers), and against
 * moto alone for an account with no budgets or no billing metrics. One source failing never
 * stops the other's metrics from being sent.
 */
import { CloudWatchClient, ListMetricsCommand } from '@aws-sdk/client-cloudwatch';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { createCostBudget, motoClientConfig, putEstimatedCharges } from '../../support/seed';
import { aMinuteAgo, putApiKeySecret } from '../support/aws-seed';
import { E2E_SECRET } from '../support/bundle';
import {
  ACCOUNT,
  budgetSeries,
  chargeSeries,
  healthSeries,
  linesOf,
  type ChargeRow,
  type ExpectedSeries,
} from '../support/expected-series';
import { awsErrors, endlessPages, repeatedToken, TARGETS } from '../support/fault-proxy';
import { requestProblems, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation } from '../support/invoke';
import { closedPort } from '../../cli/run-cli';

const BUDGET = { name: 'Team Platform', tag: 'team_platform', limit: '1000', actual: '604.456', forecast: '1210.5' };
const CHARGES: readonly ChargeRow[] = [
  { dimensions: { Currency: 'USD' }, value: 250.75 },
  { dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 200 },
];

const budgetOnly = (): ExpectedSeries[] => budgetSeries(BUDGET);
const chargesOnly = (): ExpectedSeries[] => CHARGES.map((row) => chargeSeries(row));

function withHealth(billing: ExpectedSeries[], status: 'success' | 'partial' | 'failure', withAge: boolean): ExpectedSeries[] {
  return [...billing, ...healthSeries(status, billing.length, { withAge })];
}

const thrownMessage = (invocation: Invocation): string | undefined =>
  invocation.outcome.status === 'threw' ? invocation.outcome.error.message : undefined;

describe('AWS faults, against the bundled collector', () => {
  let h: Harness;

  useHarness((started) => (h = started));
  beforeEach(async () => {
    await h.reset();
  });

  async function seed(parts: { budgets?: boolean; charges?: boolean } = {}): Promise<void> {
    await Promise.all([
      putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
      parts.budgets === false ? undefined : createCostBudget(h.moto.endpoint, ACCOUNT, BUDGET),
      parts.charges === false
        ? undefined
        : putEstimatedCharges(
            h.moto.endpoint,
            CHARGES.map((row) => ({ ...row, timestamp: aMinuteAgo() })),
          ),
    ]);
  }

  describe('throttling', () => {
    it('throttling then success: every API is retried and everything is sent', async () => {
      await seed();
      h.proxy.inject(
        { target: TARGETS.describeBudgets, answer: awsErrors.throttling(), times: 2 },
        { target: TARGETS.listMetrics, answer: awsErrors.cloudWatchThrottling(), times: 2 },
        { target: TARGETS.getMetricData, answer: awsErrors.cloudWatchThrottling(), times: 1 },
        { target: TARGETS.getSecretValue, answer: awsErrors.throttling(), times: 1 },
      );
      const invocation = await h.run();

      expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'success', errors: [] } });
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth([...budgetOnly(), ...chargesOnly()], 'success', true)));
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expect(
        [TARGETS.describeBudgets, TARGETS.listMetrics, TARGETS.getMetricData, TARGETS.getSecretValue].map((t) => h.proxy.count(t)),
      ).toEqual([3, 3, 2, 2]);
      // The summary counts the collector's calls; the SDK's retries are below it.
      expect(runSummary(invocation)).toMatchObject({
        awsCalls: { DescribeBudgets: 1, ListMetrics: 1, GetMetricData: 1, GetSecretValue: 1 },
      });
    });

    it("throttled on every attempt: Budgets gives up after the SDK's 5 attempts, and the estimated charges are still sent", async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.describeBudgets, answer: awsErrors.throttling() });
      const invocation = await h.run();

      expect(h.proxy.count(TARGETS.describeBudgets)).toBe(5);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'partial', true)));
      expect(thrownMessage(invocation)).toMatch(/ThrottlingException: Rate exceeded/);
      expect(runSummary(invocation)).toMatchObject({
        level: 'ERROR',
        status: 'partial',
        errors: [expect.stringContaining('ThrottlingException')],
      });
    });
  });

  describe('access denied', () => {
    it('AccessDenied on Budgets: estimated charges are still sent, and the run ends in an error naming budgets:ViewBudget', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.describeBudgets, answer: awsErrors.accessDenied('budgets:ViewBudget') });
      const invocation = await h.run();

      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'partial', true)));
      expect(h.proxy.count(TARGETS.describeBudgets)).toBe(1);
      expect(invocation.outcome).toMatchObject({ status: 'threw', error: { name: 'CollectionError' } });
      expect(thrownMessage(invocation)).toContain(
        'AWS denied budgets:ViewBudget: the function\'s role needs the IAM permission "budgets:ViewBudget"',
      );
      expect(runSummary(invocation)).toMatchObject({
        level: 'ERROR',
        status: 'partial',
        errors: [expect.stringMatching(/^AccessDeniedError: .*budgets:ViewBudget/)],
      });
    });

    it("AccessDenied on the budgets' alert thresholds: the budgets' own series and the estimated charges are still sent, and the error names budgets:ViewBudget", async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.describeBudgetNotifications, answer: awsErrors.accessDenied('budgets:ViewBudget') });
      const invocation = await h.run();

      // Spend, forecast and limit; not the alert levels, which rest on the thresholds.
      const ownSeries = budgetOnly().filter((series) => !series.metric.includes('alert_level'));
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth([...ownSeries, ...chargesOnly()], 'partial', true)));
      expect(h.proxy.count(TARGETS.describeBudgetNotifications)).toBe(1);
      expect(thrownMessage(invocation)).toContain(
        'AWS denied budgets:ViewBudget: the function\'s role needs the IAM permission "budgets:ViewBudget"',
      );
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        errors: [expect.stringMatching(/^AccessDeniedError: .*budgets:ViewBudget/)],
        awsCalls: { DescribeBudgets: 1, DescribeBudgetNotificationsForAccount: 1 },
      });
    });

    it.each([
      ['ListMetrics', TARGETS.listMetrics],
      ['GetMetricData', TARGETS.getMetricData],
    ])('AccessDenied on CloudWatch %s: budgets are still sent, and the error names the CloudWatch action', async (operation, target) => {
      await seed();
      h.proxy.inject({ target, answer: awsErrors.cloudWatchAccessDenied(`cloudwatch:${operation}`) });
      const invocation = await h.run();

      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(budgetOnly(), 'partial', false)));
      expect(h.proxy.count(target)).toBe(1);
      expect(thrownMessage(invocation)).toContain(
        `AWS denied cloudwatch:${operation}: the function's role needs the IAM permission "cloudwatch:${operation}"`,
      );
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        errors: [expect.stringMatching(new RegExp(`^AccessDeniedError: .*cloudwatch:${operation}`))],
      });
    });

    it('AccessDenied on the secret: nothing is sent, and the error names secretsmanager:GetSecretValue and the secret', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.getSecretValue, answer: awsErrors.accessDenied('secretsmanager:GetSecretValue') });
      const invocation = await h.run();

      expect(h.intake.requests).toEqual([]);
      expect(thrownMessage(invocation)).toContain(`AWS denied secretsmanager:GetSecretValue on ${E2E_SECRET.arn}`);
      expect(runSummary(invocation)).toMatchObject({
        status: 'failure',
        awsCalls: { DescribeBudgets: 1, ListMetrics: 1, GetMetricData: 1 },
      });
    });
  });

  describe('an account without data', () => {
    it('no AWS/Billing metrics at all: budgets are sent, and the run ends in an error that says to turn on billing alerts or the source off', async () => {
      await seed({ charges: false });
      const invocation = await h.run({ via: 'moto' });

      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(budgetOnly(), 'partial', false)));
      expect(thrownMessage(invocation)).toMatch(
        /NoBillingMetricsError: No AWS\/Billing EstimatedCharges metrics in us-east-1\. Turn on "Receive Billing Alerts"/,
      );
      expect(thrownMessage(invocation)).toContain('COLLECT_ESTIMATED_CHARGES=false (context key collectEstimatedCharges)');
      expect(runSummary(invocation)).toMatchObject({ status: 'partial', awsCalls: { ListMetrics: 1 } });
    });

    it('no budgets at all: an informational line, not an error, and the estimated charges are sent', async () => {
      await seed({ budgets: false });
      const invocation = await h.run({ via: 'moto' });

      expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'success', errors: [] } });
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'success', true)));
      expect(invocation.logLines).toContainEqual(
        expect.objectContaining({
          level: 'INFO',
          message: 'The account has no budgets; nothing to send from AWS Budgets',
          accountId: ACCOUNT,
        }),
      );
      expect(invocation.logLines.filter((line) => line.level === 'WARN' || line.level === 'ERROR')).toEqual([]);
    });
  });

  describe('latency', () => {
    const TIMEOUT_MS = 8_000;

    it('every AWS API answering 1.5 s late, well within the timeout: the run is slower but loses nothing', async () => {
      await seed();
      h.proxy.inject(
        ...[TARGETS.describeBudgets, TARGETS.listMetrics, TARGETS.getMetricData, TARGETS.getSecretValue].map((target) => ({
          target,
          answer: { kind: 'delay' as const, ms: 1_500 },
        })),
      );
      const invocation = await h.run();

      expect(invocation.outcome.status).toBe('resolved');
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth([...budgetOnly(), ...chargesOnly()], 'success', true)));
      expect(invocation.durationMs).toBeGreaterThanOrEqual(3_000);
    });

    it('Budgets not answering before the timeout: the call is abandoned in time, the estimated charges are sent and the summary is logged', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.describeBudgets, answer: { kind: 'delay', ms: 60_000 } });
      const invocation = await h.run({ timeoutMs: TIMEOUT_MS });

      expect(invocation.outcome.status).toBe('threw');
      expect(invocation.durationMs).toBeLessThan(TIMEOUT_MS);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'partial', true)));
      // A clear error says which AWS call did not answer in time; "AbortError: Request aborted" does not.
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        errors: [expect.stringMatching(/DescribeBudgets|budgets:ViewBudget/)],
      });
    });

    it('a key that expires during a slow run: the run sends with the key it read at its start, and never reads the secret a second time', async () => {
      await seed();
      h.proxy.inject(
        // The run's one read is answered at once; any later read would hang past the timeout.
        { target: TARGETS.getSecretValue, answer: { kind: 'delay', ms: 0 }, times: 1 },
        { target: TARGETS.getSecretValue, answer: { kind: 'delay', ms: 600_000 } },
        // Budgets answers after the key's 60 s maximum age has passed.
        { target: TARGETS.describeBudgets, answer: { kind: 'delay', ms: 61_000 } },
      );
      const invocation = await h.run({ env: { API_KEY_MAX_AGE_SECONDS: '60' } });

      expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'success', errors: [] } });
      expect(invocation.durationMs).toBeGreaterThanOrEqual(61_000);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth([...budgetOnly(), ...chargesOnly()], 'success', true)));
      expect(h.proxy.count(TARGETS.getSecretValue)).toBe(1);
      expect(runSummary(invocation)).toMatchObject({ awsCalls: { GetSecretValue: 1 } });
    }, 150_000);

    it('Secrets Manager not answering before the timeout: the run still ends in time with an error, and the summary is logged', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.getSecretValue, answer: { kind: 'delay', ms: 60_000 } });
      const invocation = await h.run({ timeoutMs: TIMEOUT_MS });

      expect(invocation.outcome.status).toBe('threw');
      expect(invocation.durationMs).toBeLessThan(TIMEOUT_MS);
      expect(runSummary(invocation)).toMatchObject({ status: 'failure', errors: [expect.stringContaining(E2E_SECRET.arn)] });
    });
  });

  describe('paging without end', () => {
    const PAGING_FIX =
      "This source's metrics are left out of this run, the other sources' are sent. If it happens again, check what answers in AWS's place (AWS_ENDPOINT_URL, a proxy), or ask AWS support.";

    it('DescribeBudgets answering a next-page token on every page: stops after 40 pages (20,000 budgets in pages of 1,000, twice over), and the estimated charges are still sent', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.describeBudgets, answer: endlessPages() });
      const invocation = await h.run();

      expect(h.proxy.count(TARGETS.describeBudgets)).toBe(40);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'partial', true)));
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        awsCalls: { DescribeBudgets: 40 },
        errors: [
          'PagingError: AWS kept answering DescribeBudgets with a next-page token: stopped after 40 pages, the most a correct ' +
            `listing can take. ${PAGING_FIX}`,
        ],
      });
    });

    it('ListMetrics answering the same next-page token twice: stops at the repeat, and the budgets are still sent', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.listMetrics, answer: repeatedToken() });
      const invocation = await h.run();

      expect(h.proxy.count(TARGETS.listMetrics)).toBe(2);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(budgetOnly(), 'partial', false)));
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        awsCalls: { ListMetrics: 2 },
        errors: [
          'PagingError: AWS kept answering ListMetrics with a next-page token: stopped after 2 pages, as its last token had ' +
            `already been given. ${PAGING_FIX}`,
        ],
      });
    });

    it('GetMetricData answering a next-page token on every page: stops after 10 pages, not one per answer until the timeout, and the budgets are still sent', async () => {
      await seed();
      h.proxy.inject({ target: TARGETS.getMetricData, answer: endlessPages() });
      const invocation = await h.run();

      // GetMetricData is billed per metric requested: each page asked for every series again.
      expect(h.proxy.count(TARGETS.getMetricData)).toBe(10);
      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(budgetOnly(), 'partial', false)));
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        awsCalls: { GetMetricData: 10 },
        errors: [
          'PagingError: AWS kept answering GetMetricData with a next-page token: stopped after 10 pages, the most a correct ' +
            `listing can take. ${PAGING_FIX}`,
        ],
      });
    });
  });

  describe('AWS not reachable, no credentials, expired credentials', () => {
    it('AWS_ENDPOINT_URL at a closed port: nothing is sent, and each error says AWS could not be reached there, not that credentials are missing', async () => {
      const port = await closedPort();
      const invocation = await h.run({ env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } });

      expect(h.intake.requests).toEqual([]);
      const where = `at 127.0.0.1:${port} (ECONNREFUSED)`;
      expect(runSummary(invocation)).toMatchObject({
        status: 'failure',
        errors: expect.arrayContaining([
          expect.stringContaining(`AwsUnreachableError: AWS could not be reached for budgets:ViewBudget ${where}.`),
          expect.stringContaining(`AwsUnreachableError: AWS could not be reached for cloudwatch:ListMetrics ${where}.`),
          expect.stringContaining(
            `ApiKeyError: Could not read the secret ${E2E_SECRET.arn}: AWS could not be reached for secretsmanager:GetSecretValue ${where}.`,
          ),
        ]),
      });
      expect(thrownMessage(invocation)).toContain('DNS and proxy; in a VPC, a NAT gateway or VPC endpoint.');
      expect(thrownMessage(invocation)).not.toMatch(/credentials/i);
    });

    it('no credentials in the environment: the error says the function has no usable credentials and points at its role', async () => {
      await seed();
      const invocation = await h.run({ env: { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined } });

      expect(h.intake.requests).toEqual([]);
      expect(runSummary(invocation)).toMatchObject({
        status: 'failure',
        errors: expect.arrayContaining([
          expect.stringMatching(/^AwsCredentialsError: No usable AWS credentials to call budgets:ViewBudget\. Check the function's role/),
        ]),
      });
    });

    it('an expired session token on Budgets: estimated charges are still sent, and the error says the credentials had expired', async () => {
      await seed();
      h.proxy.inject({
        target: TARGETS.describeBudgets,
        answer: {
          kind: 'error',
          status: 403,
          type: 'ExpiredTokenException',
          message: 'The security token included in the request is expired',
        },
      });
      const invocation = await h.run();

      expect(linesOf(h.intake.series())).toEqual(linesOf(withHealth(chargesOnly(), 'partial', true)));
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        errors: [expect.stringMatching(/^AwsCredentialsError: The AWS credentials had expired when calling budgets:ViewBudget\./)],
      });
    });
  });

  describe('the fault proxy', () => {
    it.each([
      ['AccessDenied', awsErrors.cloudWatchAccessDenied('cloudwatch:ListMetrics')],
      ['Throttling', awsErrors.cloudWatchThrottling()],
    ])('answers CloudWatch errors that the SDK names %s, as it names the query-compatible errors of AWS', async (name, answer) => {
      h.proxy.inject({ target: TARGETS.listMetrics, answer });
      const client = new CloudWatchClient({ ...motoClientConfig(h.proxy.url), maxAttempts: 1 });
      try {
        await expect(client.send(new ListMetricsCommand({ Namespace: 'AWS/Billing' }))).rejects.toMatchObject({
          name,
          $metadata: { httpStatusCode: 400 },
        });
      } finally {
        client.destroy();
      }
    });
  });
});

/**
 * The command-line tool end to end: a child process, as a user runs it, against moto (AWS) and
 * the loopback Datadog intake. Every run is also checked never to print an API key.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { handler } from '../../../lambda/handler';
import type { RunSummary } from '../../../lambda/collect';
import type { CheckReport } from '../../../cli/commands/check';
import type { EstimateReport } from '../../../cli/commands/estimate';
import { closedPort, runCli, type CliRun } from '../../cli/run-cli';
import { startIntake, TEST_API_KEY, type Intake } from '../../../fakes/datadog/intake';
import { startMotoGaps, type MotoWithGaps } from '../../support/moto-gaps';
import { MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../../support/moto-server';
import { createApiKeySecret, createBudget, createCostBudget, putEstimatedCharges } from '../../support/seed';

const ACCOUNT = MOTO_DEFAULT_ACCOUNT_ID;
const WRONG_KEY = 'ffffffffffffffffffffffffffffffff';
const HOUR = 3_600_000;
const LINKED_ACCOUNT = '210987654321';

interface Series {
  readonly metric: string;
  readonly points: readonly { readonly timestamp?: number; readonly value?: number }[];
  readonly tags?: readonly string[];
  readonly unit?: string;
}

interface CollectOutput {
  readonly summary: RunSummary;
  readonly series: Series[];
}

/** Health metrics whose values change from run to run (duration, data age). */
const VOLATILE = new Set(['aws.billing.collector.duration', 'aws.billing.estimated_charges.age']);

/** A series as a comparable line: metric, sorted tags, and the value unless it is volatile. */
function key(series: Series): string {
  const value = VOLATILE.has(series.metric) ? '*' : String(series.points[0]?.value);
  return `${series.metric} ${[...(series.tags ?? [])].sort().join(',')} = ${value}`;
}

const keys = (series: readonly Series[]): string[] => series.map(key).sort();

const budgetTags = (name: string): string =>
  [`account_id:${ACCOUNT}`, `budget_name:${name}`, 'budget_type:cost', 'currency:usd', 'time_unit:monthly'].sort().join(',');

/** What the seeded account must produce, health metrics included. */
const EXPECTED = [
  `aws.billing.actual_spend ${budgetTags('monthly_total')} = 604.456`,
  `aws.billing.forecasted_spend ${budgetTags('monthly_total')} = 910.25`,
  `aws.billing.budget_limit ${budgetTags('monthly_total')} = 1000`,
  // Without alert thresholds: 80 % of the limit, and the limit.
  `aws.billing.budget_alert_level ${budgetTags('monthly_total')} = 800`,
  `aws.billing.budget_forecast_alert_level ${budgetTags('monthly_total')} = 1000`,
  `aws.billing.actual_spend ${budgetTags('team-data')} = 120.5`,
  `aws.billing.budget_limit ${budgetTags('team-data')} = 300`,
  `aws.billing.budget_alert_level ${budgetTags('team-data')} = 240`,
  `aws.billing.budget_forecast_alert_level ${budgetTags('team-data')} = 300`,
  `aws.billing.estimated_charges account_id:${ACCOUNT},billing_scope:total,currency:usd = 250.75`,
  `aws.billing.estimated_charges account_id:${ACCOUNT},billing_scope:service,currency:usd,servicename:amazonec2 = 200`,
  `aws.billing.estimated_charges account_id:${ACCOUNT},billing_scope:service,currency:usd,servicename:awslambda = 50.75`,
  `aws.billing.estimated_charges account_id:${ACCOUNT},billing_scope:linked_account,currency:usd,linkedaccount:${LINKED_ACCOUNT} = 80`,
  `aws.billing.estimated_charges account_id:${ACCOUNT},billing_scope:linked_account_service,currency:usd,linkedaccount:${LINKED_ACCOUNT},servicename:amazonec2 = 80`,
  `aws.billing.collector.run account_id:${ACCOUNT},status:success,trigger:schedule = 1`,
  `aws.billing.collector.series account_id:${ACCOUNT} = 14`,
  `aws.billing.collector.duration account_id:${ACCOUNT} = *`,
  `aws.billing.estimated_charges.age account_id:${ACCOUNT} = *`,
].sort();

describe('the command-line tool against moto and a loopback Datadog intake', () => {
  let moto: MotoServer;
  let filled: MotoWithGaps;
  let intake: Intake;

  beforeAll(async () => {
    [moto, intake] = await Promise.all([startMoto(), startIntake()]);
    filled = await startMotoGaps(moto.endpoint);
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), intake?.close(), filled?.close()]);
  });
  beforeEach(async () => {
    await moto.reset();
    intake.reset();
  });

  /** Runs the tool with AWS pointed at moto (its gaps filled) and Datadog at the intake; no key may ever be printed. */
  async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
    const run = await runCli(args, {
      env: {
        AWS_ENDPOINT_URL: filled.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_REGION: 'eu-west-1',
        DD_API_URL: intake.url,
        ...env,
      },
    });
    for (const secret of [TEST_API_KEY, WRONG_KEY]) {
      expect(run.stdout).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
    }
    return run;
  }

  function parse<T>(run: CliRun): T {
    try {
      return JSON.parse(run.stdout) as T;
    } catch {
      throw new Error(`stdout is not one JSON document (exit ${run.code}):\n${run.stdout}\nstderr:\n${run.stderr}`);
    }
  }

  async function seedBudgets(): Promise<void> {
    await createCostBudget(moto.endpoint, ACCOUNT, {
      name: 'Monthly total',
      limit: '1000',
      actual: '604.4560000000000172803993336856365203857421875',
      forecast: '910.25',
    });
    await createCostBudget(moto.endpoint, ACCOUNT, { name: 'team-data', plannedLimit: '300', actual: '120.5' });
    await createBudget(moto.endpoint, ACCOUNT, { name: 'EC2 hours', type: 'USAGE', unit: 'Hrs', limit: '100', actual: '10' });
  }

  async function seedBillingMetrics(): Promise<void> {
    const now = new Date();
    // An hour ago, but never in last month: a point from last month is stale and not sent.
    const timestamp = new Date(Math.max(now.getTime() - HOUR, Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
    await putEstimatedCharges(moto.endpoint, [
      { dimensions: { Currency: 'USD' }, value: 250.75, timestamp },
      { dimensions: { ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 200, timestamp },
      { dimensions: { ServiceName: 'AWSLambda', Currency: 'USD' }, value: 50.75, timestamp },
      { dimensions: { LinkedAccount: LINKED_ACCOUNT, Currency: 'USD' }, value: 80, timestamp },
      { dimensions: { LinkedAccount: LINKED_ACCOUNT, ServiceName: 'AmazonEC2', Currency: 'USD' }, value: 80, timestamp },
    ]);
  }

  async function seedAccount(): Promise<void> {
    await seedBudgets();
    await seedBillingMetrics();
  }

  describe('collect', () => {
    it('--dry-run --json prints the series of the account and its summary, and calls no Datadog endpoint', async () => {
      await seedAccount();
      const run = await cli(['collect', '--dry-run', '--json']);

      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      const output = parse<CollectOutput>(run);
      expect(keys(output.series)).toEqual(EXPECTED);
      expect(output.summary).toMatchObject({
        status: 'success',
        accountId: ACCOUNT,
        seriesTotal: 18,
        skipped: { not_a_cost_budget: 1 },
        awsCalls: { DescribeBudgets: 1, ListMetrics: 1, GetMetricData: 1 },
        datadog: { requests: 0, bytes: 0, seriesSent: 0 },
        errors: [],
        dryRun: true,
      });
      expect(intake.requests).toHaveLength(0);
    });

    it('--dry-run prints no control character of a budget name that holds ESC sequences, in its table, its summary or its warnings', async () => {
      // A window title, a screen clear, a cursor home, a fake verdict, a C1 CSI and a bidi override.
      const hostile = 'Team \u001b]0;pwned\u0007\u001b[2J\u001b[H\rAll checks passed \u009b31m \u202eevil';
      // An amount AWS should not give makes the collector warn, quoting the name.
      await createCostBudget(moto.endpoint, ACCOUNT, { name: hostile, limit: '100', actual: 'NaN', forecast: '5' });
      await seedBillingMetrics();

      for (const args of [
        ['collect', '--dry-run'],
        ['collect', '--dry-run', '--json'],
      ]) {
        const run = await cli(args);
        expect(run.code).toBe(0);
        for (const text of [run.stdout, run.stderr]) {
          // eslint-disable-next-line no-control-regex -- the point of the test
          expect(text).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e]/);
        }
        expect(run.stderr).toContain('\\u001b]0;pwned\\u0007');
      }
      // The budget's other points are read as ever.
      const output = parse<CollectOutput>(await cli(['collect', '--dry-run', '--json']));
      expect(output.summary.skipped).toMatchObject({ invalid_amount: 1 });
    });

    it('--dry-run shows exactly what the Lambda sends for the same account', async () => {
      await seedAccount();
      const secretArn = await createApiKeySecret(moto.endpoint, 'datadog-api-key', TEST_API_KEY);
      const preview = parse<CollectOutput>(await cli(['collect', '--dry-run', '--json']));

      const lambdaEnv: Record<string, string> = {
        AWS_ENDPOINT_URL: filled.endpoint,
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        DD_API_KEY_SECRET_ARN: secretArn,
        DD_API_URL: intake.url,
      };
      const saved = Object.fromEntries(Object.keys(lambdaEnv).map((name) => [name, process.env[name]]));
      Object.assign(process.env, lambdaEnv);
      // The handler logs its summary on stdout; keep it out of the test report.
      const silence = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
      try {
        await handler(
          {},
          { invokedFunctionArn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:billing`, getRemainingTimeInMillis: () => 60_000 },
        );
      } finally {
        silence.mockRestore();
        for (const [name, value] of Object.entries(saved)) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }

      expect(keys(intake.series())).toEqual(keys(preview.series));
    });

    it('sends the series it prints to Datadog, with the key from DD_API_KEY', async () => {
      await seedAccount();
      const run = await cli(['collect', '--json'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(0);
      const output = parse<CollectOutput>(run);
      expect(keys(output.series)).toEqual(EXPECTED);
      expect(intake.series()).toEqual(output.series);
      expect(intake.requests.every((request) => request.accepted && request.schemaErrors.length === 0)).toBe(true);
      expect(output.summary).toMatchObject({ status: 'success', dryRun: false, datadog: { seriesSent: 18 } });
    });

    it('reads the key from --api-key-secret-arn, and prints a table and the summary', async () => {
      await seedAccount();
      const secretArn = await createApiKeySecret(moto.endpoint, 'datadog-api-key', `{"DD_API_KEY": "${TEST_API_KEY}"}`);
      const run = await cli(['collect', '--api-key-secret-arn', secretArn]);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^METRIC +VALUE +UNIT +TAGS$/m);
      expect(run.stdout).toMatch(/^aws\.billing\.actual_spend +604\.456 +dollar +budget_name:monthly_total,/m);
      expect(run.stdout).toContain('GetSecretValue 1');
      expect(run.stdout).toContain(`18 of 18 series sent to ${intake.url}`);
      expect(intake.series()).toHaveLength(18);
      expect(intake.requests.map((request) => request.apiKey)).toEqual([TEST_API_KEY]);
    });

    it('applies the switches as the Lambda would', async () => {
      await seedAccount();
      const run = await cli([
        'collect',
        '--dry-run',
        '--json',
        '--no-budgets',
        '--no-linked-account-services',
        '--no-health-metrics',
        '--service-deny',
        'AWSLambda',
        '--metric-prefix',
        'custom.billing',
        '--tags',
        'team:finops',
        '--env',
        'dev',
      ]);

      expect(run.code).toBe(0);
      const output = parse<CollectOutput>(run);
      expect(output.series.map((series) => series.metric)).toEqual(Array(3).fill('custom.billing.estimated_charges'));
      expect(output.series.every((series) => series.tags?.includes('team:finops') && series.tags.includes('env:dev'))).toBe(true);
      expect(output.summary.skipped).toEqual({ service_filtered: 1, linked_account_service_disabled: 1 });
    });

    it('exits 1 when Datadog refuses the key (403), after sending nothing', async () => {
      await seedAccount();
      const run = await cli(['collect', '--json'], { DD_API_KEY: WRONG_KEY });

      expect(run.code).toBe(1);
      const output = parse<CollectOutput>(run);
      expect(output.summary.status).toBe('failure');
      expect(output.summary.errors.join()).toContain('403');
      expect(output.summary.errors.join()).toContain('the DD_API_KEY environment variable');
      expect(intake.series()).toHaveLength(0);
    });

    it('exits 1 when a source fails: no billing metrics, the budgets still printed', async () => {
      await seedBudgets();
      const run = await cli(['collect', '--dry-run', '--json']);

      expect(run.code).toBe(1);
      const output = parse<CollectOutput>(run);
      // The budgets were read, the billing metrics not.
      expect(output.summary.status).toBe('partial');
      expect(output.summary.errors.join()).toContain('Receive Billing Alerts');
      // The tool names its flag; the function names its variable and context key.
      expect(output.summary.errors.join()).toContain('Or turn this source off with --no-estimated-charges.');
      expect(output.summary.errors.join()).not.toMatch(/COLLECT_ESTIMATED_CHARGES|collectEstimatedCharges/);
      expect(output.series.filter((series) => series.metric === 'aws.billing.actual_spend')).toHaveLength(2);
    });

    it('exits 2 without a key, before any call', async () => {
      await seedAccount();
      const run = await cli(['collect']);

      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('No Datadog API key');
      expect(intake.requests).toHaveLength(0);
    });

    it('--verbose logs the collector’s information lines on stderr, never on stdout', async () => {
      await seedBillingMetrics();
      const run = await cli(['collect', '--json', '--verbose'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(0);
      expect(run.stderr).toContain('The account has no budgets');
      expect(parse<CollectOutput>(run).summary.seriesTotal).toBe(9);
    });
  });

  describe('check', () => {
    const checkIds = [
      'aws-credentials',
      'billing-metrics',
      'budgets',
      'cost-explorer',
      'cost-anomalies',
      'api-key',
      'datadog-site',
      'api-key-accepted',
    ];

    function statuses(report: CheckReport): Record<string, string> {
      return Object.fromEntries(report.checks.map((check) => [check.id, check.status]));
    }

    function find(report: CheckReport, id: string) {
      const found = report.checks.find((check) => check.id === id);
      if (found === undefined) throw new Error(`no check ${id}`);
      return found;
    }

    it('passes every prerequisite of a ready account, in turn, and exits 0', async () => {
      await seedAccount();
      const run = await cli(['check'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(0);
      const lines = run.stdout.split('\n').filter((line) => /^[✓✗-] /.test(line));
      expect(lines).toEqual([
        `✓ AWS credentials: account ${ACCOUNT} (arn:aws:sts::${ACCOUNT}:user/moto)`,
        '✓ AWS/Billing metrics in us-east-1: 5 metrics listed',
        '✓ AWS Budgets readable: 3 budgets, 2 of them COST (the ones sent)',
        '- AWS Cost Explorer readable: skipped: off unless asked for, with --cost-explorer',
        '- AWS Cost Anomaly Detection readable: skipped: off unless asked for, with --cost-anomalies',
        '✓ Datadog API key: DD_API_KEY holds a well-formed API key',
        `✓ Datadog API reachable: ${intake.url} answered HTTP 200`,
        `✓ API key accepted by Datadog: Datadog accepted the key at ${intake.url}`,
      ]);
      expect(run.stdout).toContain('All checks passed');
      expect(intake.requests.map((request) => [request.method, request.path])).toEqual([['GET', '/api/v1/validate']]);
    });

    it('--json reports each check with its status', async () => {
      await seedAccount();
      const secretArn = await createApiKeySecret(moto.endpoint, 'datadog-api-key', TEST_API_KEY);
      const run = await cli(['check', '--json', '--api-key-secret-arn', secretArn]);

      expect(run.code).toBe(0);
      const report = parse<CheckReport>(run);
      expect(report).toMatchObject({ ok: true, accountId: ACCOUNT, apiOrigin: intake.url });
      expect(report.checks.map((check) => check.id)).toEqual(checkIds);
      expect(find(report, 'api-key').detail).toBe(`the secret ${secretArn} holds a well-formed API key`);
    });

    it('reports missing billing metrics with the fix, and exits 1', async () => {
      await seedBudgets();
      const run = await cli(['check'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(/^✗ AWS\/Billing metrics in us-east-1: no AWS\/Billing EstimatedCharges metrics/m);
      expect(run.stdout).toMatch(/^ {4}fix: Turn on "Receive Billing Alerts".*--no-estimated-charges/m);
      expect(run.stdout).not.toMatch(/COLLECT_ESTIMATED_CHARGES|collectEstimatedCharges/);
      expect(run.stdout).toContain('1 check failed');
    });

    it('skips the billing metrics with --no-estimated-charges', async () => {
      await seedBudgets();
      const report = parse<CheckReport>(await cli(['check', '--json', '--no-estimated-charges'], { DD_API_KEY: TEST_API_KEY }));

      expect(report.ok).toBe(true);
      expect(find(report, 'billing-metrics')).toMatchObject({ status: 'skip', detail: 'skipped: left out with --no-estimated-charges' });
    });

    it('reports a missing secret with the fix, and does not ask Datadog about a key it does not have', async () => {
      await seedAccount();
      const missing = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:no-such-secret-AbCdEf`;
      const run = await cli(['check', '--json', '--api-key-secret-arn', missing]);

      expect(run.code).toBe(1);
      const report = parse<CheckReport>(run);
      expect(statuses(report)).toEqual({
        'aws-credentials': 'pass',
        'billing-metrics': 'pass',
        budgets: 'pass',
        'cost-explorer': 'skip',
        // Off by default, as Cost Explorer: billed per request.
        'cost-anomalies': 'skip',
        'api-key': 'fail',
        'datadog-site': 'pass',
        'api-key-accepted': 'skip',
      });
      expect(find(report, 'cost-anomalies').detail).toBe('skipped: off unless asked for, with --cost-anomalies');
      expect(find(report, 'api-key').detail).toContain('does not exist');
      expect(find(report, 'api-key').fix).toContain('Check --api-key-secret-arn');
      expect(intake.requests.map((request) => request.apiKey)).toEqual([undefined]);
    });

    it('reports a secret still holding the stack’s placeholder, with the command that sets the key', async () => {
      await seedAccount();
      const secretArn = await createApiKeySecret(moto.endpoint, 'datadog-api-key', 'REPLACE-WITH-YOUR-DATADOG-API-KEY');
      const report = parse<CheckReport>(await cli(['check', '--json', '--api-key-secret-arn', secretArn]));

      const apiKey = find(report, 'api-key');
      expect(apiKey.status).toBe('fail');
      expect(apiKey.detail).toContain('API key not set');
      expect(apiKey.fix).toContain(`aws secretsmanager put-secret-value --region us-east-1 --secret-id '${secretArn}'`);
    });

    it('reports a key Datadog refuses (403) with the fix', async () => {
      await seedAccount();
      const run = await cli(['check'], { DD_API_KEY: WRONG_KEY });

      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`✓ Datadog API reachable: ${intake.url} answered HTTP 403`);
      expect(run.stdout).toContain(`✗ API key accepted by Datadog: Datadog refused the key at ${intake.url} (HTTP 403)`);
      expect(run.stdout).toMatch(/^ {4}fix: Use an API key \(not an application key\).*--site/m);
      expect(intake.requests.map((request) => request.status)).toEqual([403]);
    });

    it('reports an unreachable Datadog API with the fix', async () => {
      await seedAccount();
      const closed = `http://127.0.0.1:${await closedPort()}`;
      const report = parse<CheckReport>(await cli(['check', '--json', '--api-url', closed], { DD_API_KEY: TEST_API_KEY }));

      expect(find(report, 'datadog-site')).toMatchObject({ status: 'fail' });
      expect(find(report, 'datadog-site').fix).toContain('--site');
      expect(find(report, 'api-key-accepted').status).toBe('skip');
    });

    it('reports missing AWS credentials with the fix, and skips what needs them', async () => {
      const run = await cli(['check', '--json'], { AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(1);
      const report = parse<CheckReport>(run);
      expect(statuses(report)).toMatchObject({
        'aws-credentials': 'fail',
        'billing-metrics': 'skip',
        budgets: 'skip',
        'api-key-accepted': 'pass',
      });
      expect(find(report, 'aws-credentials').fix).toContain('--profile');
    });
  });

  describe('estimate', () => {
    it('--json counts the custom metrics per metric name and prices the AWS calls of a month', async () => {
      await seedAccount();
      const dryRun = parse<CollectOutput>(await cli(['collect', '--dry-run', '--json']));
      const run = await cli(['estimate', '--json']);

      expect(run.code).toBe(0);
      const report = parse<EstimateReport>(run);
      expect(Object.keys(report).sort()).toEqual([
        'accountId',
        'awsCost',
        'chargeLevels',
        'customMetrics',
        'errors',
        'notes',
        'perRun',
        'schedule',
      ]);
      expect(report.chargeLevels.map(({ level, sent, series }) => [level, sent, series])).toEqual([
        ['total', true, 1],
        ['service', true, 2],
        ['linked_account', true, 1],
        ['linked_account_service', true, 1],
      ]);
      expect(report.customMetrics).toEqual({ total: 18, byMetric: dryRun.summary.series, notSent: { not_a_cost_budget: 1 } });
      expect(report.schedule).toEqual({ minutes: 60, runsPerMonth: 730, hoursPerMonth: 730, hourlyRule: true });
      expect(report.perRun).toEqual({
        listMetrics: 1,
        getMetricDataCalls: 1,
        metricsRequested: 5,
        describeBudgets: 1,
        describeBudgetNotificationsForAccount: 1,
        // Cost Explorer and the cost anomalies are off by default, and read by the second rule's runs only.
        getCostAndUsage: 0,
        getCostForecast: 0,
        getAnomalies: 0,
        getAnomalyMonitors: 0,
      });
      expect(report.awsCost.lines.map((line) => line.item)).toEqual([
        'CloudWatch GetMetricData',
        'CloudWatch ListMetrics',
        'AWS Budgets DescribeBudgets',
        'AWS Budgets DescribeBudgetNotificationsForAccount',
        'Secrets Manager GetSecretValue',
        'Secrets Manager secret',
        'CloudWatch alarms',
      ]);
      expect(report.awsCost.lines[0]).toMatchObject({
        quantity: 3650,
        monthlyUsd: 0.0365,
        arithmetic: '5 metrics/run × 730 runs = 3,650 metrics × $0.01 / 1,000 = $0.0365',
      });
      expect(report.errors).toEqual([]);
      expect(intake.requests).toHaveLength(0);
    });

    it('follows --schedule-minutes and the switches, and adds the Lambda on request', async () => {
      await seedAccount();
      const report = parse<EstimateReport>(
        await cli([
          'estimate',
          '--json',
          '--schedule-minutes',
          '15',
          '--lambda',
          '--no-linked-account-services',
          '--service-allow',
          'AmazonEC2',
        ]),
      );

      expect(report.schedule.runsPerMonth).toBe(2920);
      // The account total, the linked account's total and AmazonEC2: totals have no service to filter on.
      expect(report.customMetrics.byMetric['aws.billing.estimated_charges']).toBe(3);
      expect(report.customMetrics.notSent).toMatchObject({ service_filtered: 1, linked_account_service_disabled: 1 });
      expect(report.perRun.metricsRequested).toBe(3);
      expect(report.awsCost.lines.map((line) => line.item)).toContain('Lambda compute (arm64)');
    });

    it('prints the arithmetic as text', async () => {
      await seedAccount();
      const run = await cli(['estimate']);

      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/^aws\.billing\.estimated_charges +5$/m);
      expect(run.stdout).toMatch(/^total +18$/m);
      expect(run.stdout).toMatch(/^CloudWatch GetMetricData +5 metrics\/run × 730 runs = 3,650 metrics × \$0\.01 \/ 1,000 = \$0\.0365$/m);
    });
  });

  describe('the network: no redirect followed, keys masked, what --verbose says', () => {
    it('collect with an unreachable DD_API_URL: the summary counts no request, says the attempts got no answer, and gives the fix', async () => {
      await seedBillingMetrics();
      const closed = `http://127.0.0.1:${await closedPort()}`;
      const run = await cli(['collect'], { DD_API_KEY: TEST_API_KEY, DD_API_URL: closed });

      expect(run.code).toBe(1);
      expect(run.stdout).toMatch(
        new RegExp(`Datadog +0 of 9 series sent to ${closed} in 0 requests \\(0 bytes gzipped\\); \\d attempts got no answer`),
      );
      expect(run.stdout).toMatch(/ECONNREFUSED/);
      expect(run.stdout).toContain(
        `Check that --site (DD_SITE) is your Datadog site (the host of your Datadog URL, such as datadoghq.eu), ` +
          `or --api-url (DD_API_URL) your proxy, and that ${closed} can be reached from where this runs (proxy, firewall; in a VPC, a NAT gateway).`,
      );
    }, 60_000);

    it('collect against an answer that echoes the request headers: the key is masked on the terminal', async () => {
      await seedBillingMetrics();
      intake.respondWith({ kind: 'echo', status: 400 });
      const run = await cli(['collect'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('dd-api-key: [API key]');
    });

    it('check against an answer that echoes the request headers: the key is refused, never printed', async () => {
      await seedAccount();
      intake.respondWith({ kind: 'echo', status: 200 });
      const run = await cli(['check', '--verbose'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`✗ API key accepted by Datadog: Datadog refused the key at ${intake.url} (HTTP 200)`);
    });

    it('check against an address that redirects: the key is not sent on, and the check fails with the flags to fix', async () => {
      await seedAccount();
      intake.respondWith({ kind: 'redirect', status: 302 });
      const run = await cli(['check'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(1);
      expect(run.stdout).toContain(
        `✗ Datadog API reachable: ${intake.url} answered GET /api/v1/validate with a redirect (HTTP 302), which is not followed`,
      );
      expect(run.stdout).toContain('    fix: Check --site (DD_SITE) or --api-url (DD_API_URL): it must be your Datadog site');
      expect(run.stdout).toContain('- API key accepted by Datadog: skipped');
      expect(run.stdout).not.toContain('Datadog accepted the key');
      expect(intake.requests.map((request) => request.path)).toEqual(['/api/v1/validate']);
    });

    it('collect --verbose says each AWS call and each Datadog request with its status and duration, never a key', async () => {
      await seedAccount();
      const run = await cli(['collect', '--verbose'], { DD_API_KEY: TEST_API_KEY });

      expect(run.code).toBe(0);
      for (const line of [
        /^info: AWS STS GetCallerIdentity answered 200 in \d+ ms$/m,
        /^info: AWS Budgets DescribeBudgets answered 200 in \d+ ms$/m,
        /^info: AWS CloudWatch ListMetrics answered 200 in \d+ ms$/m,
        /^info: AWS CloudWatch GetMetricData answered 200 in \d+ ms$/m,
        /^info: Datadog POST \/api\/v2\/series answered 202 in \d+ ms$/m,
      ]) {
        expect(run.stderr).toMatch(line);
      }
    });

    it('check --verbose says the calls and the request, and a failed AWS call by its error name', async () => {
      await seedBudgets();
      const secretArn = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:missing-AbCdEf`;
      const run = await cli(['check', '--verbose', '--api-key-secret-arn', secretArn], { DD_API_KEY: TEST_API_KEY });

      expect(run.stderr).toMatch(
        /^info: AWS SecretsManager GetSecretValue failed with ResourceNotFoundException \(HTTP \d+\) after \d+ ms$/m,
      );
      expect(run.stderr).toMatch(/^info: Datadog GET \/api\/v1\/validate answered 403 in \d+ ms$/m);
      // Without --verbose: none of it.
      const quiet = await cli(['check', '--api-key-secret-arn', secretArn], { DD_API_KEY: TEST_API_KEY });
      expect(quiet.stderr).not.toContain('info:');
    });
  });
});

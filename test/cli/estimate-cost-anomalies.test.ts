/**
 * `--cost-anomalies` in the tool, against the project's fake AWS and a loopback Datadog intake:
 * `estimate` reads the anomalies once as the second rule's run does and prices its requests, each
 * page counted; `check` probes the source; and no command of the tool posts an anomaly's event or
 * touches the state table (a dry run gives the source no effects, and `collect` reads the hourly
 * rule's sources only).
 */
import type { Anomaly } from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CheckReport } from '../../cli/commands/check';
import type { EstimateReport } from '../../cli/commands/estimate';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { apiKeySource } from '../../cli/api-key';
import { AwsClientFactory } from '../../cli/aws';
import { runCollection, type CollectionInput } from '../../cli/run';
import { loadConfig } from '../../lambda/config';
import { collectorEnvironmentFor } from '../../lambda/environment';
import type { Logger } from '../../lambda/log';
import { runInProcess } from './in-process';
import { anomalyOf } from '../support/anomaly';

const SERVICES_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/services';
const TEAM_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/team';
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

function anomaly(id: string, impact: number, monitor: string): Anomaly {
  return anomalyOf(id, impact, { AnomalyStartDate: yesterday, AnomalyEndDate: yesterday, MonitorArn: monitor });
}

// 25 anomalies: two pages of the fake's 20, so two billed GetAnomalies requests.
const ANOMALIES = Array.from({ length: 25 }, (_, i) => anomaly(`anomaly-${i}`, i + 1, i % 2 === 0 ? SERVICES_MONITOR : TEAM_MONITOR));

let aws: FakeAws;
let intake: Intake;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  aws = await startFakeAws({
    billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 10 }],
    // Cost Explorer enabled, which Cost Anomaly Detection's calls need.
    costExplorer: {},
    costAnomalies: {
      monitors: [
        { MonitorArn: SERVICES_MONITOR, MonitorName: 'AWS services', MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
        { MonitorArn: TEAM_MONITOR, MonitorName: 'Team platform', MonitorType: 'CUSTOM' },
      ],
      anomalies: ANOMALIES,
    },
  });
  intake = await startIntake();
  // A key and an address that answers: whatever the tool posted would reach this intake.
  env = {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_REGION: 'us-east-1',
    DD_API_KEY: TEST_API_KEY,
    DD_API_URL: intake.url,
  };
  // The SDK's credential chain reads the process's own environment.
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await intake.close();
  await aws.close();
});
beforeEach(() => {
  aws.take();
  intake.reset();
});

/** Operations of the fake AWS that a DynamoDB client would have made (the fake tallies every request by its target). */
function dynamoDbCalls(operations: Record<string, number>): string[] {
  return Object.keys(operations).filter((operation) => /dynamodb|PutItem|UpdateItem|DeleteItem/i.test(operation));
}

describe('estimate --cost-anomalies', () => {
  it("reads the anomalies once as the second rule's run does, and prices each page at the second rule's schedule", async () => {
    const { code, out } = await runInProcess(['estimate', '--no-budgets', '--cost-anomalies', '--json'], env);
    const report = JSON.parse(out) as EstimateReport;

    expect(code).toBe(0);
    const { operations } = aws.take();
    expect(operations).toMatchObject({ GetAnomalyMonitors: 1, GetAnomalies: 2 });
    // Cost Explorer's own source stays off: only the anomalies were asked for.
    expect(operations.GetCostAndUsage).toBeUndefined();
    expect(report.costExplorer).toEqual({ minutes: 720, runsPerMonth: 61, requestsPerRun: 3 });
    const lines = Object.fromEntries(report.awsCost.lines.map((line) => [line.item, line.arithmetic]));
    expect(lines).toMatchObject({
      'AWS Cost Explorer GetAnomalies': '2 requests/run × 61 runs = 122 requests × $0.01 = $1.22',
      'AWS Cost Explorer GetAnomalyMonitors': '1 request/run × 61 runs = 61 requests × $0.01 = $0.61',
    });
    // One series of each metric per anomaly monitor; no event count, since a dry run posts none.
    expect(report.customMetrics.byMetric).toMatchObject({ 'aws.billing.cost_anomaly.open': 2, 'aws.billing.cost_anomaly.impact': 2 });
    expect(report.customMetrics.byMetric['aws.billing.collector.anomaly_events']).toBeUndefined();
  });

  it('posts no event and makes no DynamoDB call: the dry run gives the source no effects', async () => {
    const { code } = await runInProcess(['estimate', '--no-budgets', '--cost-anomalies'], env);

    expect(code).toBe(0);
    expect(aws.take().operations.GetAnomalies).toBe(2);
    expect(intake.requests).toEqual([]);
    expect(intake.events()).toEqual([]);
    expect(dynamoDbCalls(aws.take().operations)).toEqual([]);
  });

  it('reads no anomaly without the flag', async () => {
    const { code, out } = await runInProcess(['estimate', '--no-budgets', '--json'], env);

    expect(code).toBe(0);
    expect(aws.take().operations.GetAnomalies).toBeUndefined();
    expect((JSON.parse(out) as EstimateReport).costExplorer).toBeUndefined();
  });
});

describe('the other commands with --cost-anomalies', () => {
  it('collect sends the hourly series and nothing of the anomalies: no read, no event, no DynamoDB call', async () => {
    const { code } = await runInProcess(['collect', '--no-budgets', '--cost-anomalies'], env);

    expect(code).toBe(0);
    const { operations } = aws.take();
    expect(operations.GetAnomalies).toBeUndefined();
    expect(dynamoDbCalls(operations)).toEqual([]);
    expect(intake.requests.map((request) => request.path)).toEqual(['/api/v2/series']);
    expect(intake.events()).toEqual([]);
  });

  it('check probes the source with the flag (its monitors listed), and names the flag without it', async () => {
    const on = JSON.parse((await runInProcess(['check', '--no-budgets', '--cost-anomalies', '--json'], env)).out) as CheckReport;
    expect(on.checks.find((check) => check.id === 'cost-anomalies')).toEqual({
      id: 'cost-anomalies',
      title: 'AWS Cost Anomaly Detection readable',
      status: 'pass',
      detail: '2 anomaly monitors',
    });

    const off = JSON.parse((await runInProcess(['check', '--no-budgets', '--json'], env)).out) as CheckReport;
    expect(off.checks.find((check) => check.id === 'cost-anomalies')).toMatchObject({
      status: 'skip',
      detail: 'skipped: off unless asked for, with --cost-anomalies',
    });
  });

  it("check names the caller's missing permission when AWS refuses the probe, as for every source", async () => {
    aws.failOperation('GetAnomalyMonitors', {
      type: 'AccessDeniedException',
      message: 'not authorized to perform ce:GetAnomalyMonitors',
      times: 1,
    });
    const { code, out } = await runInProcess(['check', '--no-budgets', '--cost-anomalies', '--json'], env);

    expect(code).toBe(1);
    const report = JSON.parse(out) as CheckReport;
    expect(report.checks.find((check) => check.id === 'cost-anomalies')).toMatchObject({
      status: 'fail',
      detail: 'AccessDeniedException: not authorized to perform ce:GetAnomalyMonitors',
      fix: `Grant arn:aws:iam::${FAKE_ACCOUNT_ID}:user/fake-caller the IAM permission ce:GetAnomalies, ce:GetAnomalyMonitors on *.`,
    });
  });
});

describe("the tool's collection of the second rule", () => {
  const TABLE = `arn:aws:dynamodb:us-east-1:${FAKE_ACCOUNT_ID}:table/anomalies`;
  const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

  /**
   * One run of the second rule through the tool's own path, with a state table set (as only the
   * stack sets it). With effects only as the control: the tool's types allow the second rule's
   * sources in a dry run alone, so a cast is the one way there.
   */
  async function secondRuleRun(dryRun: boolean): Promise<void> {
    const config = loadConfig(collectorEnvironmentFor({ collectCostAnomalies: true, anomalyStateTable: TABLE, apiUrl: intake.url }), {
      requireApiKeySecret: false,
    });
    const aws = new AwsClientFactory({});
    const base = {
      config,
      accountId: FAKE_ACCOUNT_ID,
      callerArn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/fake-caller`,
      aws,
      apiKey: apiKeySource({ kind: 'environment', variable: 'DD_API_KEY', value: TEST_API_KEY }, aws, config.apiKeyMaxAgeMs),
      log: quiet,
      trigger: 'cost_explorer',
    } as const;
    try {
      await runCollection(dryRun ? { ...base, dryRun } : ({ ...base, dryRun } as unknown as CollectionInput));
    } finally {
      aws.destroy();
    }
  }

  it('a dry run reads the anomalies and neither claims one in the table nor posts its event', async () => {
    await secondRuleRun(true);

    const { operations } = aws.take();
    expect(operations.GetAnomalies).toBe(2);
    expect(dynamoDbCalls(operations)).toEqual([]);
    expect(intake.requests).toEqual([]);
  });

  it('(the control: the same run with effects, which the tool never makes, claims each anomaly in the table)', async () => {
    await secondRuleRun(false);

    expect(dynamoDbCalls(aws.take().operations)).not.toEqual([]);
  });
});

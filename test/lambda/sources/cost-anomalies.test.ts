/**
 * The cost anomalies source with mocked AWS clients (the state protocol itself runs against
 * moto's DynamoDB in `test/e2e/anomaly-state.e2e.test.ts`): what it reads under the run's cap,
 * the metrics per monitor, each anomaly claimed, posted and marked, a refused event released,
 * a missing table, the probe, and a dry run that posts and writes nothing.
 */
import { CostExplorerClient, GetAnomaliesCommand, GetAnomalyMonitorsCommand, type Anomaly } from '@aws-sdk/client-cost-explorer';
import { DeleteItemCommand, DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { AwsClientPool } from '../../../lambda/aws-clients';
import { collect } from '../../../lambda/collect';
import { loadConfig, type Config } from '../../../lambda/config';
import type { DatadogEvent } from '../../../lambda/datadog/events';
import { AccessDeniedError, AnomalyStateTableError, DatadogSubmitError, RequestCapError } from '../../../lambda/errors';
import { createLogger } from '../../../lambda/log';
import { RequestCap } from '../../../lambda/request-cap';
import { costAnomaliesSource } from '../../../lambda/sources/cost-anomalies';
import type { RunEffects, SourceRun } from '../../../lambda/sources/source';
import { eventErrors } from '../datadog/schema';
import { anomalyOf } from '../../support/anomaly';

const PAYER = '123456789012';
const MEMBER = '111122223333';
const NOW = new Date('2028-03-15T12:00:00Z');
const SERVICES = 'arn:aws:ce::123456789012:anomalymonitor/services';
const TEAM = 'arn:aws:ce::123456789012:anomalymonitor/team';
const TABLE = 'arn:aws:dynamodb:eu-west-1:123456789012:table/anomalies';

const ce = mockClient(CostExplorerClient);
const dynamo = mockClient(DynamoDBClient);

function anomaly(id: string, end: string | undefined, impact: number, monitor = SERVICES): Anomaly {
  return anomalyOf(id, impact, {
    AnomalyStartDate: '2028-03-10T00:00:00Z',
    ...(end === undefined ? {} : { AnomalyEndDate: `${end}T00:00:00Z` }),
    RootCauses: [
      { Service: 'Amazon Simple Storage Service', LinkedAccount: PAYER, Region: 'us-east-1', Impact: { Contribution: impact / 4 } },
      {
        Service: 'Amazon Elastic Compute Cloud - Compute',
        LinkedAccount: MEMBER,
        LinkedAccountName: 'Team A',
        Region: 'eu-west-1',
        UsageType: 'BoxUsage:m5.large',
        Impact: { Contribution: (impact * 3) / 4 },
      },
    ],
    MonitorArn: monitor,
  });
}

const ANOMALIES = [anomaly('open-1', '2028-03-14', 120), anomaly('open-2', undefined, 30), anomaly('older', '2028-03-11', 500)];

function seed(anomalies: Anomaly[] = ANOMALIES): void {
  ce.on(GetAnomalyMonitorsCommand).resolves({
    AnomalyMonitors: [
      { MonitorArn: SERVICES, MonitorName: 'AWS services', MonitorType: 'DIMENSIONAL' },
      { MonitorArn: TEAM, MonitorName: 'Team platform', MonitorType: 'CUSTOM' },
    ],
  });
  ce.on(GetAnomaliesCommand).resolves({ Anomalies: anomalies });
}

function config(overrides: Partial<Config> = {}): Config {
  return {
    ...loadConfig({
      DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-AbCdEf',
      COLLECT_COST_ANOMALIES: 'true',
    }),
    anomalyStateTable: TABLE,
    globalTags: ['env:prod'],
    ...overrides,
  };
}

function run(overrides: Partial<SourceRun> = {}): SourceRun {
  return {
    config: config(),
    accountId: PAYER,
    now: NOW,
    log: createLogger('ERROR'),
    calls: {},
    signal: new AbortController().signal,
    costExplorerRequests: new RequestCap('Cost Explorer', 10, 'costExplorerMaxRequests'),
    ...overrides,
  };
}

/** Effects that record the events posted, with the function's own clients. */
function effects(post: (event: DatadogEvent) => Promise<void> = async () => {}): RunEffects & { posted: DatadogEvent[] } {
  const posted: DatadogEvent[] = [];
  return {
    posted,
    ownClients: new AwsClientPool({ maxAttempts: 1 }),
    postEvent: async (event) => {
      await post(event);
      posted.push(event);
    },
  };
}

const costExplorer = new CostExplorerClient({ region: 'us-east-1' });
const collectAnomalies = (given: SourceRun) => costAnomaliesSource.collect({ costExplorer }, given);

beforeEach(() => {
  ce.reset();
  dynamo.reset();
  dynamo.on(PutItemCommand).resolves({});
  dynamo.on(UpdateItemCommand).resolves({});
  dynamo.on(DeleteItemCommand).resolves({});
});

describe('the cost anomalies source: reading', () => {
  it('reads the anomalies that ended in the last 7 days, or are open, and counts each request against the run cap', async () => {
    seed();
    const given = run();
    await collectAnomalies(given);
    expect(ce.commandCalls(GetAnomaliesCommand)[0].args[0].input.DateInterval).toEqual({ StartDate: '2028-03-08', EndDate: '2028-03-15' });
    expect(given.costExplorerRequests.used).toBe(2);
    expect(given.calls).toEqual({ GetAnomalyMonitors: 1, GetAnomalies: 1 });
  });

  it('follows every page, and stops at the cap the run shares with Cost Explorer', async () => {
    seed();
    ce.on(GetAnomaliesCommand)
      .resolvesOnce({ Anomalies: [ANOMALIES[0]], NextPageToken: 'p2' })
      .resolvesOnce({ Anomalies: [ANOMALIES[1]], NextPageToken: 'p3' })
      .resolves({ Anomalies: [ANOMALIES[2]] });
    const { samples } = await collectAnomalies(run());
    expect(ce.commandCalls(GetAnomaliesCommand).map((call) => call.args[0].input.NextPageToken)).toEqual([undefined, 'p2', 'p3']);
    expect(samples.find((sample) => sample.metric === 'costAnomalyOpen' && sample.tags[1][1] === 'AWS services')?.value).toBe(2);
    ce.resetHistory();
    await expect(
      collectAnomalies(run({ costExplorerRequests: new RequestCap('Cost Explorer', 3, 'costExplorerMaxRequests') })),
    ).rejects.toBeInstanceOf(RequestCapError);
    expect(ce.commandCalls(GetAnomaliesCommand)).toHaveLength(2);
  });

  it('sends per monitor the anomalies that ended within 2 days or are open, and their impact, 0 for a monitor with none', async () => {
    seed();
    const { samples } = await collectAnomalies(run());
    const of = (metric: string, monitor: string) =>
      samples.find(
        (sample) => sample.metric === metric && sample.tags.some(([key, value]) => key === 'anomaly_monitor' && value === monitor),
      );
    expect(of('costAnomalyOpen', 'AWS services')?.value).toBe(2);
    expect(of('costAnomalyImpact', 'AWS services')).toMatchObject({ value: 150, currency: 'USD' });
    expect(of('costAnomalyOpen', 'Team platform')?.value).toBe(0);
    expect(of('costAnomalyImpact', 'Team platform')?.value).toBe(0);
  });

  it('names the IAM action when the anomalies are denied', async () => {
    seed();
    ce.on(GetAnomaliesCommand).rejects(
      Object.assign(new Error('User not enabled for cost explorer access'), { name: 'AccessDeniedException' }),
    );
    const error = await collectAnomalies(run()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as Error).message).toContain('ce:GetAnomalies');
  });
});

describe('the cost anomalies source: posting', () => {
  it('posts nothing and writes no state without the run effects (a dry run)', async () => {
    seed();
    const { samples, errors } = await collectAnomalies(run());
    expect(dynamo.calls()).toHaveLength(0);
    expect(samples.map((sample) => sample.metric)).not.toContain('costAnomalyEvents');
    expect(errors).toBeUndefined();
  });

  it('claims, posts and marks each anomaly, with valid events, and counts the events posted', async () => {
    seed();
    const sink = effects();
    const { samples, errors } = await collectAnomalies(run({ effects: sink }));
    expect(errors).toEqual([]);
    expect(sink.posted.map((event) => event.aggregation_key).sort()).toEqual(['older', 'open-1', 'open-2']);
    for (const event of sink.posted) expect(eventErrors(event)).toBe('');
    expect(dynamo.commandCalls(PutItemCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(3);
    expect(dynamo.commandCalls(PutItemCommand)[0].args[0].input.TableName).toBe(TABLE);
    expect(samples.find((sample) => sample.metric === 'costAnomalyEvents')).toMatchObject({ value: 3, tags: [['account_id', PAYER]] });
  });

  it("titles a member account's anomaly with that account's name, from its largest root cause", async () => {
    seed([anomaly('open-1', '2028-03-14', 1200)]);
    const sink = effects();
    await collectAnomalies(run({ effects: sink }));
    const [event] = sink.posted;
    expect(event.title).toBe('AWS cost anomaly: Amazon Elastic Compute Cloud - Compute in Team A: +$1200.00');
    expect(event.tags).toEqual(
      expect.arrayContaining(['account_id:111122223333', 'account_name:team_a', 'anomaly_monitor:aws_services', 'env:prod']),
    );
    expect(event.alert_type).toBe('error');
  });

  it('posts nothing already claimed or posted (the conditional put fails)', async () => {
    seed();
    dynamo
      .on(PutItemCommand)
      .rejects(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }));
    const sink = effects();
    const { samples } = await collectAnomalies(run({ effects: sink }));
    expect(sink.posted).toEqual([]);
    expect(samples.find((sample) => sample.metric === 'costAnomalyEvents')?.value).toBe(0);
  });

  it('releases the claim of an event Datadog refused, and reports the refusal', async () => {
    seed([anomaly('open-1', '2028-03-14', 120)]);
    const refusal = new DatadogSubmitError('Datadog refused the event "open-1" (HTTP 500).', 500);
    const { errors } = await collectAnomalies(run({ effects: effects(() => Promise.reject(refusal)) }));
    expect(errors).toEqual([refusal]);
    expect(dynamo.commandCalls(DeleteItemCommand)).toHaveLength(1);
    expect(dynamo.commandCalls(UpdateItemCommand)).toHaveLength(0);
  });

  it('posts nothing and says what to do when no table is set', async () => {
    seed();
    const sink = effects();
    const { errors } = await collectAnomalies(run({ config: config({ anomalyStateTable: undefined }), effects: sink }));
    expect(sink.posted).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toBeInstanceOf(AnomalyStateTableError);
    expect((errors?.[0] as Error).message).toContain('ANOMALY_STATE_TABLE_ARN');
  });

  it('stops posting, with one error, when the table fails', async () => {
    seed();
    dynamo.on(PutItemCommand).rejects(Object.assign(new Error('Requested resource not found'), { name: 'ResourceNotFoundException' }));
    const sink = effects();
    const { errors } = await collectAnomalies(run({ effects: sink }));
    expect(sink.posted).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors?.[0]).toBeInstanceOf(AnomalyStateTableError);
  });
});

describe('the cost anomalies source: check', () => {
  it('says when the account has no anomaly monitor, and how to create one', async () => {
    ce.on(GetAnomalyMonitorsCommand).resolves({ AnomalyMonitors: [] });
    const probe = await costAnomaliesSource.probe({ costExplorer }, PAYER);
    expect(probe.ok).toBe(false);
    expect(probe.detail).toContain('no Cost Anomaly Detection monitor');
    expect(probe.fix).toContain('aws ce create-anomaly-monitor');
  });

  it('counts the monitors it finds', async () => {
    seed();
    expect(await costAnomaliesSource.probe({ costExplorer }, PAYER)).toEqual({ ok: true, detail: '2 anomaly monitors' });
  });
});

describe('a dry run with cost anomalies on', () => {
  it('reads the anomalies and builds their metrics, but posts no event and writes no state', async () => {
    seed();
    const apiKey = { origin: 'a test', reads: 0, get: vi.fn(async () => '0123456789abcdef0123456789abcdef') };
    const { summary, series } = await collect({
      config: config(),
      accountId: PAYER,
      clients: new AwsClientPool({ maxAttempts: 1 }),
      apiKey,
      log: createLogger('ERROR'),
      deadline: Date.now() + 30_000,
      dryRun: true,
      trigger: 'cost_explorer',
    });
    expect(summary.errors).toEqual([]);
    expect(series.map((item) => item.metric)).toContain('aws.billing.cost_anomaly.open');
    expect(dynamo.calls()).toHaveLength(0);
    expect(apiKey.get).not.toHaveBeenCalled();
  });
});

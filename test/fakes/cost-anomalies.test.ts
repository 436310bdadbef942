/**
 * The fake AWS's Cost Anomaly Detection against the real CostExplorerClient, with only `endpoint`
 * changed: the date interval on the anomalies' end dates, the monitor and total-impact filters,
 * every page by `NextPageToken`, the monitors, and the refusals Cost Explorer gives.
 */
import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetAnomalyMonitorsCommand,
  type Anomaly,
  type GetAnomaliesCommandInput,
} from '@aws-sdk/client-cost-explorer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { anomalyOf } from '../support/anomaly';

const OWN = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const SERVICES_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/services';
const TEAM_MONITOR = 'arn:aws:ce::123456789012:anomalymonitor/team';

function anomaly(id: string, end: string | undefined, impact: number, monitor = SERVICES_MONITOR): Anomaly {
  return anomalyOf(id, impact, {
    AnomalyStartDate: '2028-03-01',
    ...(end === undefined ? {} : { AnomalyEndDate: end }),
    MonitorArn: monitor,
  });
}

const anomalies = [
  anomaly('a-old', '2028-03-01', 10),
  anomaly('a-1', '2028-03-10', 50),
  anomaly('a-2', '2028-03-12', 300, TEAM_MONITOR),
  anomaly('a-open', undefined, 120),
  ...Array.from({ length: 25 }, (_, i) => anomaly(`many-${i}`, '2028-03-11', i + 1)),
];

let aws: FakeAws;
let client: CostExplorerClient;

beforeAll(async () => {
  aws = await startFakeAws({
    costExplorer: { today: '2028-03-15' },
    costAnomalies: {
      monitors: [
        { MonitorArn: SERVICES_MONITOR, MonitorName: 'AWS services', MonitorType: 'DIMENSIONAL', MonitorDimension: 'SERVICE' },
        { MonitorArn: TEAM_MONITOR, MonitorName: 'Team platform', MonitorType: 'CUSTOM' },
      ],
      anomalies,
    },
  });
  client = new CostExplorerClient({ endpoint: aws.endpoint, region: 'us-east-1', credentials: OWN, maxAttempts: 1 });
});

afterAll(async () => {
  client.destroy();
  await aws.close();
});

/** Every page of one request, and how many requests that took. */
async function everyPage(input: GetAnomaliesCommandInput): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let pages = 0;
  let token: string | undefined;
  do {
    const answer = await client.send(new GetAnomaliesCommand({ ...input, NextPageToken: token }));
    pages += 1;
    ids.push(...(answer.Anomalies ?? []).map((found) => found.AnomalyId ?? ''));
    token = answer.NextPageToken;
  } while (token !== undefined);
  return { ids, pages };
}

describe('GetAnomalies in the fake AWS', () => {
  it('returns the anomalies whose end date is in the interval, an open one counting as ending today', async () => {
    const { ids } = await everyPage({ DateInterval: { StartDate: '2028-03-08', EndDate: '2028-03-15' }, MaxResults: 100 });
    expect(ids).toContain('a-1');
    expect(ids).toContain('a-2');
    expect(ids).toContain('a-open');
    expect(ids).not.toContain('a-old');
    expect(ids).toHaveLength(28);
  });

  it('follows NextPageToken through pages of MaxResults, one request each', async () => {
    aws.take();
    const { ids, pages } = await everyPage({ DateInterval: { StartDate: '2028-03-08' }, MaxResults: 10 });
    expect(ids).toHaveLength(28);
    expect(new Set(ids).size).toBe(28);
    expect(pages).toBe(3);
    expect(aws.take().operations).toEqual({ GetAnomalies: 3 });
  });

  it('filters by monitor and by total impact', async () => {
    const byMonitor = await everyPage({ DateInterval: { StartDate: '2028-03-01' }, MonitorArn: TEAM_MONITOR });
    expect(byMonitor.ids).toEqual(['a-2']);
    const large = await everyPage({
      DateInterval: { StartDate: '2028-03-01' },
      TotalImpact: { NumericOperator: 'GREATER_THAN_OR_EQUAL', StartValue: 100 },
    });
    expect(large.ids.sort()).toEqual(['a-2', 'a-open']);
    const between = await everyPage({
      DateInterval: { StartDate: '2028-03-01' },
      TotalImpact: { NumericOperator: 'BETWEEN', StartValue: 24, EndValue: 50 },
    });
    expect(between.ids.sort()).toEqual(['a-1', 'many-23', 'many-24']);
  });

  it('answers in the SDK shape, impact and root causes included', async () => {
    const answer = await client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-12', EndDate: '2028-03-12' } }));
    expect(answer.Anomalies).toEqual([anomalies[2]]);
  });

  it('refuses a token of another operation and a bad interval, as validation errors', async () => {
    await expect(
      client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-01' }, NextPageToken: 'bm9wZQ==' })),
    ).rejects.toMatchObject({
      name: 'InvalidNextTokenException',
    });
    await expect(
      client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-10', EndDate: '2028-03-01' } })),
    ).rejects.toMatchObject({
      name: 'ValidationException',
    });
  });
});

describe('GetAnomalyMonitors in the fake AWS', () => {
  it('lists the monitors, by page, or those of the ARNs asked for', async () => {
    const first = await client.send(new GetAnomalyMonitorsCommand({ MaxResults: 1 }));
    expect(first.AnomalyMonitors?.map((monitor) => monitor.MonitorName)).toEqual(['AWS services']);
    const second = await client.send(new GetAnomalyMonitorsCommand({ MaxResults: 1, NextPageToken: first.NextPageToken }));
    expect(second.AnomalyMonitors?.map((monitor) => monitor.MonitorName)).toEqual(['Team platform']);
    expect(second.NextPageToken).toBeUndefined();
    const one = await client.send(new GetAnomalyMonitorsCommand({ MonitorArnList: [TEAM_MONITOR] }));
    expect(one.AnomalyMonitors?.map((monitor) => monitor.MonitorArn)).toEqual([TEAM_MONITOR]);
  });
});

describe('Cost Anomaly Detection refused', () => {
  it('is AccessDeniedException where Cost Explorer is not enabled, as Cost Explorer is', async () => {
    const bare = await startFakeAws({ costAnomalies: { anomalies } });
    const denied = new CostExplorerClient({ endpoint: bare.endpoint, region: 'us-east-1', credentials: OWN, maxAttempts: 1 });
    try {
      await expect(denied.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-01' } }))).rejects.toMatchObject({
        name: 'AccessDeniedException',
      });
      await expect(denied.send(new GetAnomalyMonitorsCommand({}))).rejects.toMatchObject({ name: 'AccessDeniedException' });
    } finally {
      denied.destroy();
      await bare.close();
    }
  });

  it('takes an injected error per operation', async () => {
    aws.failOperation('GetAnomalies', { type: 'AccessDeniedException', times: 1 });
    await expect(client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-01' } }))).rejects.toMatchObject({
      name: 'AccessDeniedException',
    });
    await expect(client.send(new GetAnomaliesCommand({ DateInterval: { StartDate: '2028-03-01' } }))).resolves.toBeDefined();
  });
});

/**
 * Faults of the cost anomalies (issue 15), from the CDK-built bundle invoked as the Cost Explorer
 * rule invokes it: the state table missing or throttled, an event Datadog refused, the anomaly
 * API denied, and the lease a crashed run left.
 */
import type { Anomaly } from '@aws-sdk/client-cost-explorer';
import { DeleteTableCommand, DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { STATE_TABLE_KEY } from '../../../lambda/sources/cost-anomaly-state';
import { motoClientConfig } from '../../support/seed';
import { putApiKeySecret } from '../support/aws-seed';
import { ANOMALIES_CONTEXT, anomaly, COST_EXPLORER_RUN, createStateTable, MONITORS } from '../support/anomalies';
import { awsErrors } from '../support/fault-proxy';
import { SETUP_TIMEOUT_MS, useHarness, type Harness } from '../support/harness';
import { FUNCTION_REGION, runSummary } from '../support/invoke';

const anomalies: Anomaly[] = [];

describe('cost anomaly faults', () => {
  let h: Harness;

  useHarness((started) => (h = started), {
    context: ANOMALIES_CONTEXT,
    gaps: { costExplorer: {}, costAnomalies: { monitors: MONITORS, anomalies } },
  });

  beforeEach(async () => {
    await h.reset();
    await Promise.all([putApiKeySecret(h.moto.endpoint, TEST_API_KEY), createStateTable(h.moto.endpoint, h.bundle)]);
    anomalies.splice(0, anomalies.length, anomaly('fault-1', 120), anomaly('fault-2', 60));
  }, SETUP_TIMEOUT_MS);

  const dynamo = (): DynamoDBClient => new DynamoDBClient({ ...motoClientConfig(h.moto.endpoint), region: FUNCTION_REGION });
  const posted = (): string[] =>
    h.intake
      .events()
      .map((event) => event.aggregation_key ?? '')
      .sort();

  it('the state table missing: posts no event, sends the metrics, and names the table and the fix', async () => {
    const client = dynamo();
    await client.send(new DeleteTableCommand({ TableName: h.bundle.tables[0] }));
    client.destroy();
    const run = await h.run({ ...COST_EXPLORER_RUN });
    expect(posted()).toEqual([]);
    const summary = runSummary(run);
    expect(summary.status).toBe('partial');
    expect(summary.errors.join(' ')).toContain(`table/${h.bundle.tables[0]} does not exist: no anomaly was posted`);
    expect(h.intake.series().map((item) => item.metric)).toContain('aws.billing.cost_anomaly.open');
  });

  it('the state table throttled past the retries: posts no event, and the next run posts them all', async () => {
    h.proxy.inject({ target: 'DynamoDB_20120810.PutItem', answer: awsErrors.throttling() });
    const throttled = await h.run({ ...COST_EXPLORER_RUN });
    expect(posted()).toEqual([]);
    expect(runSummary(throttled).status).toBe('partial');
    expect(runSummary(throttled).errors.join(' ')).toContain('ThrottlingException');
    h.proxy.reset();
    await h.run({ ...COST_EXPLORER_RUN });
    expect(posted()).toEqual(['fault-1', 'fault-2']);
  });

  it('an event refused: its claim is released, the run is partial, and the next run posts it once', async () => {
    h.intake.respondWith({ status: 500 });
    const refused = await h.run({ ...COST_EXPLORER_RUN });
    expect(runSummary(refused).status).toBe('partial');
    expect(runSummary(refused).errors.join(' ')).toMatch(/Datadog refused the event "fault-\d" \(HTTP 500/);
    expect(posted()).toHaveLength(1);
    await h.run({ ...COST_EXPLORER_RUN });
    expect(posted()).toEqual(['fault-1', 'fault-2']);
  });

  it('the anomaly API denied: the run throws, naming ce:GetAnomalies, and posts nothing', async () => {
    h.gaps.failOperation('GetAnomalies', { type: 'AccessDeniedException', message: 'not authorized to perform: ce:GetAnomalies' });
    const run = await h.run({ ...COST_EXPLORER_RUN });
    expect(run.outcome.status).toBe('threw');
    expect(run.outcome.status === 'threw' && run.outcome.error.message).toContain('ce:GetAnomalies');
    expect(runSummary(run).errors.join(' ')).toContain('ce:GetAnomalies');
    expect(posted()).toEqual([]);
  });

  it('a lease left by a crashed run: taken over once it has lapsed, so the event is posted once more, and a live one left alone', async () => {
    const client = dynamo();
    const claim = (id: string, leaseUntil: number) =>
      client.send(
        new PutItemCommand({
          TableName: h.bundle.tables[0],
          Item: {
            [STATE_TABLE_KEY]: { S: id },
            state: { S: 'claimed' },
            token: { S: 'a-crashed-run' },
            leaseUntil: { N: String(leaseUntil) },
            impact: { N: '100' },
          },
        }),
      );
    await claim('fault-1', Date.now() - 1_000);
    await claim('fault-2', Date.now() + 10 * 60_000);
    client.destroy();
    await h.run({ ...COST_EXPLORER_RUN });
    expect(posted()).toEqual(['fault-1']);
  });
});

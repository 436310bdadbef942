/**
 * Cost anomalies as Datadog events (issue 15), from the CDK-built bundle with
 * `collectCostAnomalies`, invoked as the Cost Explorer rule invokes it: the anomalies come from
 * the project's fake AWS behind moto's gaps, the state lives in moto's DynamoDB, the events reach
 * the loopback intake, which validates each against Datadog's `EventCreateRequest`.
 */
import type { Anomaly } from '@aws-sdk/client-cost-explorer';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { putApiKeySecret } from './support/aws-seed';
import { ANOMALIES_CONTEXT, anomaly, COST_EXPLORER_RUN, createStateTable, MONITORS } from './support/anomalies';
import { SETUP_TIMEOUT_MS, useHarness, type Harness } from './support/harness';
import { runSummary } from './support/invoke';

/** The anomalies the fake answers with: replaced in place between runs, as AWS's change. */
const anomalies: Anomaly[] = [];

describe('cost anomalies from the bundled collector', () => {
  let h: Harness;

  useHarness((started) => (h = started), {
    context: ANOMALIES_CONTEXT,
    gaps: { costExplorer: {}, costAnomalies: { monitors: MONITORS, anomalies } },
  });

  beforeAll(async () => {
    await h.reset();
    await Promise.all([putApiKeySecret(h.moto.endpoint, TEST_API_KEY), createStateTable(h.moto.endpoint, h.bundle)]);
  }, SETUP_TIMEOUT_MS);

  const eventsOf = (id: string) => h.intake.events().filter((event) => event.aggregation_key === id);

  it('posts each anomaly once across repeated runs, as events valid against the schema, and sends its metrics', async () => {
    anomalies.splice(0, anomalies.length, anomaly('repeat-1', 250), anomaly('repeat-2', 40, ['111122223333', 'Team A']));
    const fn = await h.start();
    try {
      const first = await fn.invoke(COST_EXPLORER_RUN);
      const second = await fn.invoke(COST_EXPLORER_RUN);
      expect(runSummary(first)).toMatchObject({ status: 'success', trigger: 'cost_explorer' });
      expect(runSummary(second)).toMatchObject({ status: 'success', trigger: 'cost_explorer' });
    } finally {
      await fn.stop();
    }
    expect(eventsOf('repeat-1')).toHaveLength(1);
    expect(eventsOf('repeat-2')).toHaveLength(1);
    // The intake accepts only bodies valid against EventCreateRequest; none was refused.
    expect(h.intake.requests.filter((request) => request.path === '/api/v1/events' && request.status !== 202)).toEqual([]);
    const series = h.intake.series().filter((item) => item.metric === 'aws.billing.cost_anomaly.open');
    expect(series.map((item) => item.points[0].value)).toEqual([2, 2]);
    const posted = h.intake.series().filter((item) => item.metric === 'aws.billing.collector.anomaly_events');
    expect(posted.map((item) => item.points[0].value)).toEqual([2, 0]);
  });

  it("titles a member account's anomaly with that account's name", () => {
    const [event] = eventsOf('repeat-2');
    expect(event.title).toBe('AWS cost anomaly: Amazon Elastic Compute Cloud - Compute in Team A: +$40.00');
    expect(event.tags).toEqual(expect.arrayContaining(['account_id:111122223333', 'account_name:team_a', 'anomaly_monitor:aws_services']));
  });

  it('posts an anomaly again once its impact has grown by 20 %, and not before', async () => {
    anomalies.splice(0, anomalies.length, anomaly('repeat-1', 299));
    await h.run({ ...COST_EXPLORER_RUN });
    const fn = await h.start();
    try {
      await fn.invoke(COST_EXPLORER_RUN);
      expect(eventsOf('repeat-1')).toHaveLength(1);
      anomalies.splice(0, anomalies.length, anomaly('repeat-1', 300));
      await fn.invoke(COST_EXPLORER_RUN);
    } finally {
      await fn.stop();
    }
    expect(eventsOf('repeat-1').map((event) => event.title)).toEqual([
      'AWS cost anomaly: Amazon Elastic Compute Cloud - Compute in management: +$250.00',
      'AWS cost anomaly: Amazon Elastic Compute Cloud - Compute in management: +$300.00',
    ]);
  });

  it('posts each anomaly once when two invocations run at the same time', async () => {
    anomalies.splice(0, anomalies.length, ...Array.from({ length: 6 }, (_, i) => anomaly(`concurrent-${i}`, 100 + i)));
    const [a, b] = await Promise.all([h.start(), h.start()]);
    try {
      const runs = await Promise.all([a.invoke(COST_EXPLORER_RUN), b.invoke(COST_EXPLORER_RUN)]);
      for (const run of runs) expect(runSummary(run).status).toBe('success');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    for (let i = 0; i < 6; i += 1) expect(eventsOf(`concurrent-${i}`)).toHaveLength(1);
  });
});

/**
 * The fault matrix, Cost Explorer side: the bundle synthesized with `collectCostExplorer`, invoked
 * with its second rule's event (from the template), against the fake Cost Explorer behind moto's
 * gaps, with errors injected into its answers. A Cost Explorer run that fails throws (the stack's
 * errors alarm sees it, and its alias has no retries, since a retry would pay again).
 */
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { putApiKeySecret } from '../support/aws-seed';
import { COST_EXPLORER_SEED, costExplorerHealth, costSeries, secondRuleEvent } from '../support/cost-explorer-seed';
import { ACCOUNT, ACCOUNT_TAG, linesOf } from '../support/expected-series';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation } from '../support/invoke';

const thrownMessage = (invocation: Invocation): string | undefined =>
  invocation.outcome.status === 'threw' ? invocation.outcome.error.message : undefined;

describe('Cost Explorer faults, against the bundled collector', () => {
  let h: Harness;
  let event: unknown;

  useHarness((started) => (h = started), { context: { collectCostExplorer: 'true' }, gaps: { costExplorer: COST_EXPLORER_SEED } });

  beforeAll(() => {
    event = secondRuleEvent(h.bundle.rules);
  }, SETUP_TIMEOUT_MS);

  beforeEach(async () => {
    await h.reset();
    await putApiKeySecret(h.moto.endpoint, TEST_API_KEY);
  });

  const costMetricsSent = (): string[] =>
    h.intake.series().flatMap((series) => (series.metric.startsWith('aws.billing.cost.') ? [series.metric] : []));

  it('Cost Explorer not enabled: the run throws the error with its fix, sends no cost series and makes no further request', async () => {
    h.gaps.failOperation('GetCostAndUsage', { type: 'AccessDeniedException', message: 'User not enabled for cost explorer access' });
    const invocation = await h.run({ event });

    // A function that reads its own account cannot tell "not enabled" from "a member without access": the fix names both.
    expect(thrownMessage(invocation)).toContain(`Cost Explorer refused account ${ACCOUNT}.`);
    expect(thrownMessage(invocation)).toContain('Linked account access');
    expect(costMetricsSent()).toEqual([]);
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 1 });
    // The run that Datadog sees failed: what the "No successful Cost Explorer run" monitor counts.
    const run = h.intake.series().find((series) => series.metric === 'aws.billing.collector.run');
    expect([...(run?.tags ?? [])].sort()).toEqual([ACCOUNT_TAG, 'status:failure', 'trigger:cost_explorer']);
    // And its log line says the same, although its health series were sent.
    expect(runSummary(invocation)).toMatchObject({ status: 'failure', trigger: 'cost_explorer', costExplorerRequests: 1 });
  });

  it('Cost Explorer with no data yet: the run throws the error that says its data comes within a day', async () => {
    h.gaps.failOperation('GetCostAndUsage', { type: 'DataUnavailableException', message: 'Data is not available.' });
    const invocation = await h.run({ event });

    expect(thrownMessage(invocation)).toContain(`Cost Explorer has no data yet in account ${ACCOUNT}.`);
    expect(costMetricsSent()).toEqual([]);
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 1 });
  });

  it('LimitExceededException once: retried with backoff, everything sent, the retry not counted as a request', async () => {
    h.gaps.failOperation('GetCostAndUsage', { type: 'LimitExceededException', message: 'Rate exceeded', times: 1 });
    const invocation = await h.run({ event });

    expect(invocation.outcome.status).toBe('resolved');
    const costs = costSeries(['SERVICE', 'LINKED_ACCOUNT'], ['unblended_cost']);
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...costExplorerHealth(costs.length, 7)]));
    // Seven requests billed, and one more attempt AWS refused before it.
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 7, GetCostForecast: 1 });
    expect(runSummary(invocation)).toMatchObject({ status: 'success', costExplorerRequests: 7 });
  });

  it('the request cap reached: stops at the cap, sends what it read, and the run is partial and throws the fix', async () => {
    const invocation = await h.run({ event, env: { COST_EXPLORER_MAX_REQUESTS: '3' } });

    // The total's three requests (last month and month to date, the forecast, yesterday) fit; the services' query does not.
    expect(thrownMessage(invocation)).toContain(
      'The run made the 3 Cost Explorer requests it may make, and stopped before the rest of its data.',
    );
    expect(thrownMessage(invocation)).toContain('COST_EXPLORER_MAX_REQUESTS');
    const costs = costSeries([], ['unblended_cost']);
    const health = costExplorerHealth(costs.length, 3).map((series) =>
      series.metric === 'aws.billing.collector.run'
        ? { ...series, tags: [ACCOUNT_TAG, 'status:partial', 'trigger:cost_explorer'] }
        : series,
    );
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...health]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 2, GetCostForecast: 1 });
    expect(runSummary(invocation)).toMatchObject({ status: 'partial', costExplorerRequests: 3 });
  });
});

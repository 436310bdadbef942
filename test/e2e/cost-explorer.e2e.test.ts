/**
 * The Cost Explorer source (issue 14) end to end: the bundle `cdk synth -c collectCostExplorer=true`
 * builds, invoked with the event of the stack's second rule as the template writes it, against
 * the project's fake Cost Explorer (moto serves it only canned: `test/support/moto-gaps.ts` sends
 * its two operations to the fake) and the loopback intake. The expected series are written by
 * hand from the rules and the seed (`support/cost-explorer-seed.ts`), not from the collector's code.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { putEstimatedCharges } from '../support/seed';
import { aMinuteAgo, putApiKeySecret } from './support/aws-seed';
import { COST_EXPLORER_SEED, costExplorerHealth, costSeries, SCHEDULED_EVENT, secondRuleEvent } from './support/cost-explorer-seed';
import { linesOf } from './support/expected-series';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from './support/harness';
import { runSummary } from './support/invoke';

describe('Cost Explorer, from the bundle synthesized with collectCostExplorer', () => {
  let h: Harness;
  /** The second rule's event, as the synthesized template writes its target's Input. */
  let event: unknown;

  useHarness((started) => (h = started), {
    context: { collectCostExplorer: 'true' },
    gaps: { costExplorer: COST_EXPLORER_SEED },
  });

  beforeAll(async () => {
    event = secondRuleEvent(h.bundle.rules);
    await h.reset();
    await Promise.all([
      putApiKeySecret(h.moto.endpoint, TEST_API_KEY),
      putEstimatedCharges(h.moto.endpoint, [{ dimensions: { Currency: 'USD' }, value: 42, timestamp: aMinuteAgo() }]),
    ]);
  }, SETUP_TIMEOUT_MS);

  it('has two rules: the hourly one sends EventBridge\'s own event, the second one {"trigger":"cost_explorer"}', () => {
    expect(h.bundle.rules.map((rule) => [rule.scheduleExpression, rule.inputs]).sort()).toEqual([
      ['rate(1 hour)', [undefined]],
      ['rate(12 hours)', [{ trigger: 'cost_explorer' }]],
    ]);
  });

  it('makes no Cost Explorer request on an hourly run, and sends no cost series', async () => {
    h.intake.reset();
    h.gaps.take();
    const invocation = await h.run({ event: SCHEDULED_EVENT });

    expect(invocation.outcome.status).toBe('resolved');
    const tally = h.gaps.take().operations;
    expect(tally.GetCostAndUsage ?? 0).toBe(0);
    expect(tally.GetCostForecast ?? 0).toBe(0);
    const metrics = h.intake.series().map((series) => series.metric);
    expect(metrics.filter((metric) => metric.startsWith('aws.billing.cost.') || metric.endsWith('cost_explorer_requests'))).toEqual([]);
    expect(metrics).toContain('aws.billing.estimated_charges');
    const run = h.intake.series().find((series) => series.metric === 'aws.billing.collector.run');
    expect(run?.tags).toContain('trigger:schedule');
    expect(runSummary(invocation)).toMatchObject({ status: 'success', trigger: 'schedule' });
  });

  it("sends every default family's series with its values and tags, in 7 requests, on the second rule's event", async () => {
    h.intake.reset();
    h.gaps.take();
    const invocation = await h.run({ event });

    expect(invocation.outcome.status).toBe('resolved');
    const costs = costSeries(['SERVICE', 'LINKED_ACCOUNT'], ['unblended_cost']);
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...costExplorerHealth(costs.length, 7)]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
    // Two GetCostAndUsage a family (MONTHLY over last month and this, DAILY over yesterday), one forecast.
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(runSummary(invocation)).toMatchObject({ status: 'success', trigger: 'cost_explorer', costExplorerRequests: 7 });
  });

  it('sends every family, tags and two cost metrics included, each request counted', async () => {
    h.intake.reset();
    h.gaps.take();
    const groupBy = ['SERVICE', 'LINKED_ACCOUNT', 'LINKED_ACCOUNT+SERVICE', 'TAG:team'];
    const invocation = await h.run({
      event,
      env: { COST_GROUP_BY: groupBy.join(','), COST_METRICS: 'unblended_cost,amortized_cost', COST_EXPLORER_MAX_REQUESTS: '20' },
    });

    expect(invocation.outcome.status).toBe('resolved');
    const costs = costSeries(groupBy, ['unblended_cost', 'amortized_cost']);
    expect(linesOf(h.intake.series())).toEqual(linesOf([...costs, ...costExplorerHealth(costs.length, 12)]));
    expect(requestProblems(h.intake.requests)).toEqual([]);
    // Both metrics ride in every GetCostAndUsage; the forecast is one request per metric.
    expect(h.gaps.take().operations).toEqual({ GetCostAndUsage: 10, GetCostForecast: 2 });
  });
});

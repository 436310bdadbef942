/**
 * The benchmark's minimum of a Cost Explorer run (bench/minimum.ts) against the source itself:
 * the real CostExplorerClient against the fake AWS seeded as the benchmark seeds it. The source
 * must make exactly the requests the minimum derives from its facts (families, queries per
 * family, pages, one forecast per cost metric): one request more, each billed, fails here.
 */
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterEach, describe, expect, it } from 'vitest';
import { makeCostExplorerOrganization } from '../../bench/dataset';
import { COST_EXPLORER_CALL_NAMES, minimumCostExplorerCalls, PAGE_SIZES } from '../../bench/minimum';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { loadConfig } from '../../lambda/config';
import { createLogger } from '../../lambda/log';
import { RequestCap } from '../../lambda/request-cap';
import { collectCostExplorer } from '../../lambda/sources/cost-explorer';

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface Case {
  readonly title: string;
  readonly now: string;
  readonly linkedAccounts: number;
  readonly services: number;
  readonly pageSize?: number;
  readonly env?: Record<string, string>;
}

/** One run of the source at `now`, and the requests the fake answered. */
async function requestsOf(test: Case) {
  const now = new Date(test.now);
  const dataset = makeCostExplorerOrganization(test.linkedAccounts, test.services, now);
  fake = await startFakeAws({ costExplorer: { ...dataset.seed.costExplorer, pageSize: test.pageSize } });
  const config = loadConfig({
    DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-AbCdEf',
    COLLECT_COST_EXPLORER: 'true',
    // The cap is not what is measured here: room for every page.
    COST_EXPLORER_MAX_REQUESTS: '1000',
    ...test.env,
  });
  const result = await collectCostExplorer(
    new CostExplorerClient({
      endpoint: fake.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      maxAttempts: 1,
    }),
    {
      config,
      accountId: FAKE_ACCOUNT_ID,
      now,
      log: createLogger('ERROR', () => undefined),
      calls: {},
      signal: new AbortController().signal,
      costExplorerRequests: new RequestCap('Cost Explorer', config.costExplorerMaxRequests, 'costExplorerMaxRequests'),
    },
  );
  expect(result.errors).toBeUndefined();
  const { operations } = fake.take();
  const measured = Object.fromEntries(COST_EXPLORER_CALL_NAMES.map((name) => [name, operations[name] ?? 0]));
  const minimum = minimumCostExplorerCalls({
    groupBy: config.costGroupBy,
    costMetrics: config.costMetrics,
    groups: dataset.groups,
    pageSize: test.pageSize,
    now,
  });
  return { measured, minimum, operations };
}

describe("a Cost Explorer run's requests", () => {
  it.each<Case>([
    { title: "the benchmark's organization at the defaults, mid-month", now: '2028-03-15T06:00:00Z', linkedAccounts: 50, services: 50 },
    { title: 'the same on the 1st, when month to date is empty', now: '2028-03-01T06:00:00Z', linkedAccounts: 50, services: 50 },
    {
      title: 'every family kind, two cost metrics, and answers of several pages',
      now: '2028-03-31T23:00:00Z',
      linkedAccounts: 6,
      services: 7,
      pageSize: 5,
      env: { COST_GROUP_BY: 'SERVICE,LINKED_ACCOUNT,LINKED_ACCOUNT+SERVICE', COST_METRICS: 'unblended_cost,amortized_cost' },
    },
  ])('are the minimum the source facts give: $title', async (test) => {
    const { measured, minimum, operations } = await requestsOf(test);
    expect(measured).toEqual(minimum);
    // Cost Explorer alone: nothing else is called.
    expect(Object.keys(operations).sort()).toEqual([...COST_EXPLORER_CALL_NAMES].sort());
  });

  it("counts the pages at the fake's page size", () => {
    // Three families of two queries, one page each at the fake's page size; one forecast.
    expect(PAGE_SIZES.getCostAndUsage).toBeGreaterThanOrEqual(2 * 51);
    expect(
      minimumCostExplorerCalls({
        groupBy: ['SERVICE', 'LINKED_ACCOUNT'],
        costMetrics: ['unblended_cost'],
        groups: { service: 50, linked_account: 51 },
        now: new Date('2028-03-15T06:00:00Z'),
      }),
    ).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    // Two MONTHLY periods of 51 groups at 40 a page: 3 pages; one DAILY period: 2.
    expect(
      minimumCostExplorerCalls({
        groupBy: ['LINKED_ACCOUNT'],
        costMetrics: ['unblended_cost', 'net_unblended_cost'],
        groups: { linked_account: 51 },
        pageSize: 40,
        now: new Date('2028-03-15T06:00:00Z'),
      }),
    ).toEqual({ GetCostAndUsage: 2 + 3 + 2, GetCostForecast: 2 });
  });
});

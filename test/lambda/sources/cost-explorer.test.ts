/**
 * The Cost Explorer source against the project's fake Cost Explorer, with the real
 * CostExplorerClient: the calendar's edges (the 1st, the last day), `Estimated` flipping,
 * credits, paging and the request cap, the `other` bucket, tags without a value, and the errors
 * that mean Cost Explorer has no data for the account.
 */
import { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import { afterEach, describe, expect, it } from 'vitest';
import type { CostExplorerData, CostRowSeed } from '../../../fakes/aws/cost-explorer';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../../fakes/aws/service';
import { loadConfig } from '../../../lambda/config';
import { AccessDeniedError, CostExplorerUnavailableError, RequestCapError } from '../../../lambda/errors';
import { createLogger } from '../../../lambda/log';
import { RequestCap } from '../../../lambda/request-cap';
import type { CallCounter, Sample } from '../../../lambda/samples';
import { collectCostExplorer, costExplorerSource } from '../../../lambda/sources/cost-explorer';

const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';
const SUPPORT = 'AWS Support (Business)';
const TEAM_A = '111122223333';

const days = (from: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => new Date(Date.parse(`${from}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10));

/** February 2028 (29 days) and March to the 30th: EC2 10 a day (team=platform), S3 2 a day in team-a, support 1.5 a day with team="". */
const COSTS: CostRowSeed[] = days('2028-02-01', 59).flatMap((date): CostRowSeed[] => [
  { date, service: EC2, tags: { team: 'platform' }, UnblendedCost: 10, AmortizedCost: 12 },
  { date, accountId: TEAM_A, service: S3, UnblendedCost: 2 },
  { date, service: SUPPORT, tags: { team: '' }, UnblendedCost: 1.5 },
]);

let fake: FakeAws | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

interface RunOptions {
  readonly now: string;
  readonly data?: Partial<CostExplorerData>;
  readonly env?: Record<string, string>;
  readonly cap?: number;
}

/** One collection at `now` against a fake Cost Explorer whose today is that day. */
async function run(options: RunOptions) {
  const today = options.now.slice(0, 10);
  fake = await startFakeAws({
    costExplorer: { costs: COSTS, today, forecast: { dailyMean: 13.5, spread: 0.2 }, ...options.data },
    organization: {
      accounts: [
        { Id: FAKE_ACCOUNT_ID, Name: 'management' },
        { Id: TEAM_A, Name: 'team-a' },
      ],
    },
  });
  const client = new CostExplorerClient({
    endpoint: fake.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  const config = loadConfig({
    DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-AbCdEf',
    COLLECT_COST_EXPLORER: 'true',
    ...options.env,
  });
  const calls: CallCounter = {};
  const warnings: string[] = [];
  const cap = new RequestCap('Cost Explorer', options.cap ?? config.costExplorerMaxRequests, 'costExplorerMaxRequests');
  const log = createLogger('ERROR', () => undefined);
  const result = await collectCostExplorer(client, {
    config,
    accountId: FAKE_ACCOUNT_ID,
    now: new Date(options.now),
    log: { ...log, warn: (message) => void warnings.push(message) },
    calls,
    signal: new AbortController().signal,
    costExplorerRequests: cap,
  });
  return { result, calls, cap, warnings, tally: fake.take() };
}

/** A sample as `metric tag:value,...=value`, tags sorted, for compact expectations. */
function line(sample: Sample): string {
  const tags = sample.tags
    .map(([key, value]) => `${key}:${value}`)
    .filter((tag) => !tag.startsWith('account_id:') && !tag.startsWith('currency:') && !tag.startsWith('cost_metric:'))
    .sort()
    .join(',');
  return `${sample.metric} ${tags}=${Math.round(sample.value * 1e6) / 1e6}`;
}

const lines = (samples: readonly Sample[], metric?: Sample['metric']): string[] =>
  samples
    .filter((sample) => metric === undefined || sample.metric === metric)
    .map(line)
    .sort();

describe('the Cost Explorer source at its defaults', () => {
  it('sends every period of the total, by service and by linked account in 7 requests on the 15th', async () => {
    const { result, calls, cap, tally } = await run({ now: '2028-03-15T06:00:00Z' });

    expect(result.errors).toBeUndefined();
    // Two queries per family (total, SERVICE, LINKED_ACCOUNT) and one forecast per cost metric.
    expect(calls).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(cap.used).toBe(7);
    expect(tally.operations).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(lines(result.samples, 'costMonthToDate')).toEqual(
      [
        // 14 days of 13.5.
        'costMonthToDate billing_scope:total=189',
        `costMonthToDate account_name:management,billing_scope:linked_account,linkedaccount:${FAKE_ACCOUNT_ID}=161`,
        `costMonthToDate account_name:team-a,billing_scope:linked_account,linkedaccount:${TEAM_A}=28`,
        `costMonthToDate aws_service:${EC2},billing_scope:service=140`,
        `costMonthToDate aws_service:${S3},billing_scope:service=28`,
        `costMonthToDate aws_service:${SUPPORT},billing_scope:service=21`,
      ].sort(),
    );
    expect(lines(result.samples, 'costDaily')).toContain('costDaily billing_scope:total=13.5');
    // February 2028 has 29 days, and the month is over: AWS has finalized it (the fake's default).
    expect(lines(result.samples, 'costLastMonth')).toContain('costLastMonth billing_scope:total,estimated:false=391.5');
    // 189 so far, and 17 days [15th, 1st of April) of 13.5 forecast, ±20 %.
    expect(lines(result.samples, 'costForecast')).toEqual(['costForecast billing_scope:total=418.5']);
    expect(lines(result.samples, 'costForecastUpper')).toEqual(['costForecastUpper billing_scope:total=464.4']);
    const total = result.samples.find((sample) => sample.metric === 'costForecast');
    expect(total).toMatchObject({ currency: 'USD' });
    expect(total?.tags).toEqual([
      ['account_id', FAKE_ACCOUNT_ID],
      ['cost_metric', 'unblended_cost'],
      ['currency', 'USD'],
      ['billing_scope', 'total'],
    ]);
  });

  it('on the 1st sends no month to date, ranks by last month, and forecasts the whole month', async () => {
    // AWS has not finalized February yet.
    const { result, calls } = await run({
      now: '2028-03-01T06:00:00Z',
      data: { finalBefore: '2028-02-01' },
      env: { COST_MAX_GROUPS: '1' },
    });

    expect(calls).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(lines(result.samples, 'costMonthToDate')).toEqual([]);
    // The last complete day is the last of February; on the 1st last month is still estimated.
    expect(lines(result.samples, 'costDaily')).toContain('costDaily billing_scope:total=13.5');
    expect(lines(result.samples, 'costLastMonth')).toContain('costLastMonth billing_scope:total,estimated:true=391.5');
    // Ranked by February: EC2 first, the rest in other, in both periods.
    expect(lines(result.samples, 'costLastMonth').filter((entry) => entry.includes('scope:service'))).toEqual([
      `costLastMonth aws_service:${EC2},billing_scope:service,estimated:true=290`,
      'costLastMonth aws_service:other,billing_scope:service,estimated:true=101.5',
    ]);
    // Nothing so far, and all 31 days of March forecast.
    expect(lines(result.samples, 'costForecast')).toEqual(['costForecast billing_scope:total=418.5']);
  });

  it('on the last day forecasts that one day', async () => {
    const { result } = await run({ now: '2028-03-31T23:59:59Z' });

    // 30 days so far, plus one day of 13.5.
    expect(lines(result.samples, 'costMonthToDate')).toContain('costMonthToDate billing_scope:total=405');
    expect(lines(result.samples, 'costForecast')).toEqual(['costForecast billing_scope:total=418.5']);
    expect(lines(result.samples, 'costForecastUpper')).toEqual(['costForecastUpper billing_scope:total=421.2']);
  });

  it('tags last month estimated:true until AWS finalizes it, then estimated:false', async () => {
    const before = await run({ now: '2028-03-02T06:00:00Z', data: { finalBefore: '2028-02-01' } });
    await fake?.close();
    const after = await run({ now: '2028-03-02T06:00:00Z', data: { finalBefore: '2028-03-01' } });

    expect(lines(before.result.samples, 'costLastMonth')).toContain('costLastMonth billing_scope:total,estimated:true=391.5');
    expect(lines(after.result.samples, 'costLastMonth')).toContain('costLastMonth billing_scope:total,estimated:false=391.5');
  });

  it('sends credits and refunds as negative amounts', async () => {
    const credit: CostRowSeed = { date: '2028-03-14', accountId: TEAM_A, service: EC2, UnblendedCost: -50 };
    const { result } = await run({ now: '2028-03-15T06:00:00Z', data: { costs: [...COSTS, credit] } });

    expect(lines(result.samples, 'costDaily')).toContain('costDaily billing_scope:total=-36.5');
    expect(lines(result.samples, 'costDaily')).toContain(
      `costDaily account_name:team-a,billing_scope:linked_account,linkedaccount:${TEAM_A}=-48`,
    );
  });
});

describe('groups', () => {
  it('keeps the costMaxGroups first by month to date and sums the rest into other, the same set in every period', async () => {
    // S3 costs more than EC2 last month only: ranked by month to date, EC2 stays and S3 goes to other in both.
    const february: CostRowSeed[] = days('2028-02-01', 29).map((date) => ({ date, service: S3, UnblendedCost: 100 }));
    const { result } = await run({ now: '2028-03-15T06:00:00Z', data: { costs: [...COSTS, ...february] }, env: { COST_MAX_GROUPS: '1' } });

    const byService = (metric: Sample['metric']) => lines(result.samples, metric).filter((entry) => entry.includes('scope:service'));
    expect(byService('costLastMonth')).toEqual([
      `costLastMonth aws_service:${EC2},billing_scope:service,estimated:false=290`,
      // S3: 29 days of 100 + 2; support: 29 days of 1.5.
      'costLastMonth aws_service:other,billing_scope:service,estimated:false=3001.5',
    ]);
    expect(byService('costMonthToDate')).toEqual([
      `costMonthToDate aws_service:${EC2},billing_scope:service=140`,
      'costMonthToDate aws_service:other,billing_scope:service=49',
    ]);
    expect(byService('costDaily')).toEqual([
      `costDaily aws_service:${EC2},billing_scope:service=10`,
      'costDaily aws_service:other,billing_scope:service=3.5',
    ]);
  });

  it('tags each group of a cost-allocation tag, and the resources with an empty or no value as untagged', async () => {
    const { result } = await run({ now: '2028-03-15T06:00:00Z', env: { COST_GROUP_BY: 'TAG:team' } });

    expect(lines(result.samples, 'costDaily').filter((entry) => entry.includes('scope:tag'))).toEqual([
      // S3 has no team tag, support an empty one: Cost Explorer answers both as `team$`.
      'costDaily billing_scope:tag,cost_tag:team,cost_tag_value:platform=10',
      'costDaily billing_scope:tag,cost_tag:team,cost_tag_value:untagged=3.5',
    ]);
  });

  it('groups by linked account and service together, naming the accounts', async () => {
    const { result } = await run({ now: '2028-03-15T06:00:00Z', env: { COST_GROUP_BY: 'LINKED_ACCOUNT+SERVICE' } });

    expect(lines(result.samples, 'costDaily').filter((entry) => entry.includes('linked_account_service'))).toContain(
      `costDaily account_name:team-a,aws_service:${S3},billing_scope:linked_account_service,linkedaccount:${TEAM_A}=2`,
    );
  });

  it('asks for every cost metric in the same queries, and forecasts each', async () => {
    const { result, calls } = await run({
      now: '2028-03-15T06:00:00Z',
      env: { COST_METRICS: 'unblended_cost,amortized_cost', COST_GROUP_BY: 'SERVICE' },
    });

    expect(calls).toEqual({ GetCostAndUsage: 4, GetCostForecast: 2 });
    const amortized = result.samples.filter((sample) =>
      sample.tags.some(([key, value]) => key === 'cost_metric' && value === 'amortized_cost'),
    );
    expect(lines(amortized, 'costMonthToDate')).toContain('costMonthToDate billing_scope:total=217');
  });
});

describe('paging and the request cap', () => {
  it('follows every page, each a request taken from the cap', async () => {
    const { result, calls, cap } = await run({ now: '2028-03-15T06:00:00Z', data: { pageSize: 1 }, cap: 100 });

    // Pages of one group (or one ungrouped period): total 2 + 1, SERVICE 6 + 3, LINKED_ACCOUNT 4 + 2, and the forecast.
    expect(calls).toEqual({ GetCostAndUsage: 18, GetCostForecast: 1 });
    expect(cap.used).toBe(19);
    expect(result.errors).toBeUndefined();
    expect(lines(result.samples, 'costMonthToDate')).toContain(`costMonthToDate aws_service:${SUPPORT},billing_scope:service=21`);
  });

  it('stops at the cap, sends the queries it read whole, and reports the cap', async () => {
    const { result, calls, tally, warnings } = await run({ now: '2028-03-15T06:00:00Z', cap: 4 });

    // Total (monthly, forecast, daily), then the SERVICE family's monthly query; its daily one is past the cap.
    expect(tally.operations).toEqual({ GetCostAndUsage: 3, GetCostForecast: 1 });
    expect(calls).toEqual(tally.operations);
    expect(result.errors).toEqual([expect.any(RequestCapError)]);
    expect(String(result.errors?.[0])).toMatch(/COST_EXPLORER_MAX_REQUESTS/);
    expect(warnings).toHaveLength(1);
    expect(lines(result.samples, 'costMonthToDate')).toContain(`costMonthToDate aws_service:${EC2},billing_scope:service=140`);
    expect(lines(result.samples, 'costDaily')).toEqual(['costDaily billing_scope:total=13.5']);
  });

  it('sends nothing of a query the cap cuts between its pages', async () => {
    const { result } = await run({ now: '2028-03-15T06:00:00Z', data: { pageSize: 1 }, cap: 6 });

    // Total: 2 + 1 + 1 pages; the SERVICE family's monthly query has read two pages of its six.
    expect(result.errors).toEqual([expect.any(RequestCapError)]);
    expect(result.samples.some((sample) => sample.tags.some(([, value]) => value === 'service'))).toBe(false);
  });
});

describe("Cost Explorer's answers without data", () => {
  it.each([
    [
      'not enabled, in self mode: not enabled or a member account without access',
      { data: { state: 'not-enabled' as const } },
      'member',
      /Cost Explorer refused account/,
    ],
    [
      'not enabled, in organization mode: the management account',
      { data: { state: 'not-enabled' as const }, env: { ACCOUNTS: 'organization' } },
      'not_enabled',
      /not enabled in account/,
    ],
    ['no data yet (DataUnavailableException)', { data: { state: 'no-data-yet' as const } }, 'no_data', /no data yet/],
  ])('%s', async (_name, options, reason, problem) => {
    const error = await run({ now: '2028-03-15T06:00:00Z', ...options }).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(CostExplorerUnavailableError);
    expect(error).toMatchObject({ reason, problem: expect.stringMatching(problem) });
    expect((error as CostExplorerUnavailableError).fix).toMatch(/COLLECT_COST_EXPLORER=false/);
  });

  it('names the IAM action when the role lacks it', async () => {
    const error = await (async () => {
      fake = await startFakeAws({ costExplorer: { costs: COSTS, today: '2028-03-15' } });
      fake.failOperation('GetCostAndUsage', {
        type: 'AccessDeniedException',
        message: 'User: x is not authorized to perform: ce:GetCostAndUsage',
      });
      const client = new CostExplorerClient({
        endpoint: fake.endpoint,
        region: 'us-east-1',
        credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
        maxAttempts: 1,
      });
      const config = loadConfig({
        DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-AbCdEf',
        COLLECT_COST_EXPLORER: 'true',
      });
      return collectCostExplorer(client, {
        config,
        accountId: FAKE_ACCOUNT_ID,
        now: new Date('2028-03-15T06:00:00Z'),
        log: createLogger('ERROR', () => undefined),
        calls: {},
        signal: new AbortController().signal,
        costExplorerRequests: new RequestCap('Cost Explorer', 10, 'costExplorerMaxRequests'),
      }).then(
        () => undefined,
        (thrown: unknown) => thrown,
      );
    })();
    expect(error).toBeInstanceOf(AccessDeniedError);
    expect(error).toMatchObject({ action: 'ce:GetCostAndUsage' });
  });

  it('skips the forecast Cost Explorer cannot make yet, and sends the rest', async () => {
    const { result } = await run({ now: '2028-03-15T06:00:00Z', data: { forecast: undefined } });

    expect(result.errors).toBeUndefined();
    expect(result.skipped).toEqual({ no_forecast: 1 });
    expect(lines(result.samples, 'costForecast')).toEqual([]);
    expect(lines(result.samples, 'costMonthToDate')).toContain('costMonthToDate billing_scope:total=189');
  });
});

describe('the descriptor', () => {
  it('runs on the second rule, reads the payer account, and names its accounts itself', () => {
    expect(costExplorerSource).toMatchObject({
      trigger: 'cost_explorer',
      scope: 'payer',
      namesAccounts: true,
      setting: 'collectCostExplorer',
    });
    expect(costExplorerSource.iam).toEqual([
      expect.objectContaining({ actions: ['ce:GetCostAndUsage', 'ce:GetCostForecast'], resource: '*' }),
    ]);
    expect(costExplorerSource.operations.map((operation) => [operation.name, operation.price])).toEqual([
      ['GetCostAndUsage', { usd: 0.01, per: 1 }],
      ['GetCostForecast', { usd: 0.01, per: 1 }],
    ]);
  });
});

describe("the defaults' requests at scale", () => {
  it('makes 7 requests a run for an organization of 50 accounts and 50 services, as for one account', async () => {
    const accounts = Array.from({ length: 50 }, (_, i) => String(210_000_000_000 + i));
    const services = Array.from({ length: 50 }, (_, i) => `Service ${String(i).padStart(2, '0')}`);
    const costs: CostRowSeed[] = days('2028-02-01', 43).flatMap((date) =>
      accounts.flatMap((accountId) => services.map((service): CostRowSeed => ({ date, accountId, service, UnblendedCost: 1 }))),
    );
    const { result, calls } = await run({ now: '2028-03-15T06:00:00Z', data: { costs } });

    expect(result.errors).toBeUndefined();
    // Every answer fits a page of the fake's 1,000 groups: 2 periods × 50 groups at most.
    expect(calls).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1 });
    expect(lines(result.samples, 'costMonthToDate')).toContain('costMonthToDate billing_scope:total=35000');
  });
});

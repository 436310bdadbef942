/**
 * The Cost Explorer run through the handler: the real CostExplorerClient (and the hourly
 * sources' clients) against the project's fake AWS on loopback, with the second rule's event,
 * and the series at the loopback Datadog intake. The hourly run, on the same function, makes
 * no Cost Explorer request.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { CostRowSeed } from '../../fakes/aws/cost-explorer';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { ENV } from '../../lambda/environment';
import { costPeriods } from '../../lambda/sources/cost-periods';
import { triggerEvent } from '../../lambda/trigger';

const FUNCTION_ARN = `arn:aws:lambda:us-east-1:${FAKE_ACCOUNT_ID}:function:billing-collector`;
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:datadog-api-key-AbCdEf`;
const TEAM_A = '111122223333';
const EC2 = 'Amazon Elastic Compute Cloud - Compute';
const S3 = 'Amazon Simple Storage Service';

// The fake's today is the real UTC day of each request, so the costs are seeded around it.
const periods = costPeriods(new Date());
const DAY_MS = 86_400_000;
const daysFrom = (start: string, end: string): string[] => {
  const days: string[] = [];
  for (let at = Date.parse(`${start}T00:00:00Z`); at < Date.parse(`${end}T00:00:00Z`); at += DAY_MS)
    days.push(new Date(at).toISOString().slice(0, 10));
  return days;
};
/** Every day of last month and this month to yesterday: EC2 8 a day in the payer, S3 2 a day in team-a tagged team=data. */
const COSTS: CostRowSeed[] = daysFrom(periods.lastMonth.Start, periods.today).flatMap((date): CostRowSeed[] => [
  { date, service: EC2, UnblendedCost: 8 },
  { date, accountId: TEAM_A, service: S3, tags: { team: 'data' }, UnblendedCost: 2 },
]);
const lastMonthDays = daysFrom(periods.lastMonth.Start, periods.lastMonth.End).length;
const monthToDateDays = periods.monthToDate === undefined ? 0 : daysFrom(periods.monthToDate.Start, periods.monthToDate.End).length;
const forecastDays = daysFrom(periods.forecast.Start, periods.forecast.End).length;

let aws: FakeAws;
let intake: Intake;
const logLines: string[] = [];

beforeAll(async () => {
  [aws, intake] = await Promise.all([
    startFakeAws({
      costExplorer: { costs: COSTS, forecast: { dailyMean: 10, spread: 0.1 } },
      organization: {
        accounts: [
          { Id: FAKE_ACCOUNT_ID, Name: 'payer' },
          { Id: TEAM_A, Name: 'team-a' },
        ],
      },
      billingSeries: [{ dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 42 }],
      secrets: { [SECRET_ARN]: TEST_API_KEY },
    }),
    startIntake(),
  ]);
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  aws.take();
  intake.reset();
  logLines.length = 0;
});
afterAll(async () => {
  await Promise.all([aws.close(), intake.close()]);
});

async function invoke(event: unknown, env: Record<string, string> = {}): Promise<{ error?: Error }> {
  return invokeAt(aws, FUNCTION_ARN, event, env);
}

/** The handler of a function with this ARN, against this fake AWS. */
async function invokeAt(fake: FakeAws, functionArn: string, event: unknown, env: Record<string, string> = {}): Promise<{ error?: Error }> {
  vi.stubEnv('AWS_ENDPOINT_URL', fake.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
  vi.stubEnv(ENV.apiKeySecretArn, SECRET_ARN);
  vi.stubEnv(ENV.apiUrl, intake.url);
  vi.stubEnv(ENV.collectCostExplorer, 'true');
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    logLines.push(String(chunk).trimEnd());
    return true;
  });
  // A fresh module per run: the handler keeps its configuration for the life of an environment.
  vi.resetModules();
  const { handler } = await import('../../lambda/handler');
  try {
    await handler(event, { invokedFunctionArn: functionArn, getRemainingTimeInMillis: () => 30_000 });
    return {};
  } catch (error) {
    return { error: error as Error };
  }
}

const summary = (): Record<string, unknown> =>
  JSON.parse(logLines.find((line) => line.includes('"run summary"')) ?? '{}') as Record<string, unknown>;
/** The intake's series of one metric as `tag,tag=value`, the common tags left out. */
const seriesOf = (metric: string): string[] =>
  intake
    .series()
    .filter((series) => series.metric === `aws.billing.${metric}`)
    .map((series) => {
      const tags = (series.tags ?? []).filter((tag) => !/^(account_id|cost_metric|currency):/.test(tag)).sort();
      return `${tags.join(',')}=${Math.round((series.points[0]?.value ?? NaN) * 1e6) / 1e6}`;
    })
    .sort();

describe('a Cost Explorer run through the handler', () => {
  it("reads Cost Explorer on the second rule's event and sends every family's series, with their values and tags", async () => {
    const { error } = await invoke(triggerEvent('cost_explorer'), { [ENV.costGroupBy]: 'SERVICE,LINKED_ACCOUNT,TAG:team' });

    expect(error).toBeUndefined();
    expect(aws.take().operations).toEqual({ GetCostAndUsage: 8, GetCostForecast: 1, GetSecretValue: 1 });
    expect(summary()).toMatchObject({ status: 'success', trigger: 'cost_explorer', costExplorerRequests: 9 });
    const cost = 10 * lastMonthDays;
    expect(seriesOf('cost.last_month')).toEqual(
      [
        `billing_scope:total,estimated:false=${cost}`,
        `aws_service:${EC2.toLowerCase().replace(/ /g, '_')},billing_scope:service,estimated:false=${8 * lastMonthDays}`,
        `aws_service:${S3.toLowerCase().replace(/ /g, '_')},billing_scope:service,estimated:false=${2 * lastMonthDays}`,
        `account_name:payer,billing_scope:linked_account,estimated:false,linkedaccount:${FAKE_ACCOUNT_ID}=${8 * lastMonthDays}`,
        `account_name:team-a,billing_scope:linked_account,estimated:false,linkedaccount:${TEAM_A}=${2 * lastMonthDays}`,
        `billing_scope:tag,cost_tag:team,cost_tag_value:data,estimated:false=${2 * lastMonthDays}`,
        `billing_scope:tag,cost_tag:team,cost_tag_value:untagged,estimated:false=${8 * lastMonthDays}`,
      ].sort(),
    );
    expect(seriesOf('cost.daily')).toContain('billing_scope:total=10');
    expect(seriesOf('cost.month_to_date')).toEqual(
      monthToDateDays === 0 ? [] : expect.arrayContaining([`billing_scope:total=${10 * monthToDateDays}`]),
    );
    expect(seriesOf('cost.forecast')).toEqual([`billing_scope:total=${10 * monthToDateDays + 10 * forecastDays}`]);
    expect(seriesOf('cost.forecast_upper')).toEqual([
      `billing_scope:total=${Math.round((10 * monthToDateDays + 11 * forecastDays) * 1e6) / 1e6}`,
    ]);
    expect(seriesOf('collector.cost_explorer_requests')).toEqual(['=9']);
    expect(seriesOf('collector.run')).toEqual(['status:success,trigger:cost_explorer=1']);
    const daily = intake.series().find((series) => series.metric === 'aws.billing.cost.daily');
    expect(daily?.unit).toBe('dollar');
    expect(daily?.tags).toEqual(expect.arrayContaining([`account_id:${FAKE_ACCOUNT_ID}`, 'cost_metric:unblended_cost', 'currency:usd']));
  });

  it('makes no Cost Explorer request on the hourly run, with the source on', async () => {
    const { error } = await invoke({});

    expect(error).toBeUndefined();
    const { operations } = aws.take();
    expect(operations.GetCostAndUsage).toBeUndefined();
    expect(operations.GetCostForecast).toBeUndefined();
    expect(operations.ListMetrics).toBeGreaterThan(0);
    expect(seriesOf('collector.cost_explorer_requests')).toEqual([]);
    expect(summary()).not.toHaveProperty('costExplorerRequests');
  });

  it('fails the run, throwing, when Cost Explorer stops it at the cap, after sending what it read', async () => {
    const { error } = await invoke(triggerEvent('cost_explorer'), { [ENV.costExplorerMaxRequests]: '2' });

    expect(error?.message).toMatch(/made the 2 Cost Explorer requests it may make.*COST_EXPLORER_MAX_REQUESTS/);
    expect(summary()).toMatchObject({ status: 'partial', costExplorerRequests: 2 });
    expect(seriesOf('cost.last_month')).toContain('billing_scope:total,estimated:false=' + 10 * lastMonthDays);
    expect(seriesOf('collector.run')).toEqual(['status:partial,trigger:cost_explorer=1']);
  });

  it('fails, naming the switch, when the second rule fires with Cost Explorer off', async () => {
    const { error } = await invoke(triggerEvent('cost_explorer'), { [ENV.collectCostExplorer]: 'false' });

    expect(error?.message).toMatch(/trigger cost_explorer\) has no source to read.*COLLECT_COST_EXPLORER=true/);
    expect(aws.take().operations).toEqual({ GetSecretValue: 1 });
  });
});

describe('a Cost Explorer run in organization mode', () => {
  it('reads Cost Explorer in the management account only: no account list, no member role', async () => {
    const { error } = await invoke(triggerEvent('cost_explorer'), { [ENV.accounts]: 'organization' });

    expect(error).toBeUndefined();
    expect(aws.take().operations).toEqual({ GetCostAndUsage: 6, GetCostForecast: 1, GetSecretValue: 1 });
    expect(summary()).not.toHaveProperty('accounts');
    expect(seriesOf('collector.accounts')).toEqual([]);
    // The linked accounts are named from Cost Explorer's answer, each once.
    expect(seriesOf('cost.daily')).toContain(`account_name:team-a,billing_scope:linked_account,linkedaccount:${TEAM_A}=2`);
  });

  it('reads it through the management role when the function runs in another account, assuming that role alone', async () => {
    const TOOLING = '444455556666';
    const MANAGEMENT_ROLE = `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/billing-management-reader`;
    // The fake's own credentials are the tooling account's; Cost Explorer answers the management
    // account's role for that account's own costs (the fake's payer is the tooling account here).
    const tooling = await startFakeAws({
      accountId: TOOLING,
      costExplorer: {
        costs: COSTS.map((row) => ({ ...row, accountId: row.accountId ?? FAKE_ACCOUNT_ID })),
        memberAccess: true,
        forecast: { dailyMean: 8 },
      },
      roles: [{ arn: MANAGEMENT_ROLE }],
      secrets: { [SECRET_ARN]: TEST_API_KEY },
    });
    try {
      vi.stubEnv('AWS_ENDPOINT_URL', tooling.endpoint);
      const { error } = await invokeAt(
        tooling,
        `arn:aws:lambda:us-east-1:${TOOLING}:function:billing-collector`,
        triggerEvent('cost_explorer'),
        {
          [ENV.accounts]: 'organization',
          [ENV.managementRoleArn]: MANAGEMENT_ROLE,
        },
      );

      expect(error).toBeUndefined();
      expect(tooling.take().operations).toEqual({ AssumeRole: 1, GetCostAndUsage: 6, GetCostForecast: 1, GetSecretValue: 1 });
      expect(seriesOf('cost.daily')).toContain('billing_scope:total=8');
      const total = intake.series().find((series) => series.metric === 'aws.billing.cost.daily');
      expect(total?.tags).toContain(`account_id:${FAKE_ACCOUNT_ID}`);
    } finally {
      await tooling.close();
    }
  });
});

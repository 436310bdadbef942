/**
 * Organization mode end to end below the handler: the real collector and real SDK clients
 * (Organizations, STS, Budgets, CloudWatch) against the project's fake AWS on loopback, which
 * answers each request as the account of its credentials, and the loopback Datadog intake.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BudgetSeed } from '../../fakes/aws/budgets';
import type { AccountSeed } from '../../fakes/aws/organizations';
import { startFakeAws, type FakeAws, type FakeAwsSeed } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { AccountClients } from '../../lambda/accounts/clients';
import { RoleSessions, STS_CLIENTS } from '../../lambda/accounts/credentials';
import { AwsClientPool } from '../../lambda/aws-clients';
import { collect, type RunSummary } from '../../lambda/collect';
import { loadConfig } from '../../lambda/config';
import { ENV } from '../../lambda/environment';
import { createLogger } from '../../lambda/log';
import { CONTRACT_ACCOUNTS, MEMBER_ROLE_NAME } from '../support/organization-contract';

const MANAGEMENT = FAKE_ACCOUNT_ID;
/** The contract's organization: the management account (the fake's own), then members 2100000000NN. */
const ids = new Map(CONTRACT_ACCOUNTS.map((account, index) => [account.name, index === 0 ? MANAGEMENT : String(210_000_000_000 + index)]));
const idOf = (name: string): string => ids.get(name) as string;
const memberRole = (account: string): string => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`;
const TOKYO = 'Équipe données 東京';

function budget(name: string, spend: string): BudgetSeed {
  return {
    BudgetName: name,
    BudgetType: 'COST',
    BudgetLimit: { Amount: '100', Unit: 'USD' },
    CalculatedSpend: { ActualSpend: { Amount: spend, Unit: 'USD' } },
  };
}

/**
 * The contract's 21 accounts (two ListAccounts pages): member-07 suspended, member-06's role
 * refused, member-05 named in Japanese and French, budgets in the management account and four
 * members (member-03, the tagged one, among them); and linked-account charges for member-01 and
 * the suspended member-07.
 */
function seed(): FakeAwsSeed {
  const members = CONTRACT_ACCOUNTS.slice(1);
  const accounts: AccountSeed[] = CONTRACT_ACCOUNTS.map((account) => ({
    Id: idOf(account.name),
    Name: account.name,
    State: account.state,
    Tags: account.tags,
  }));
  return {
    budgets: [budget('org-total', '900')],
    budgetsByAccount: Object.fromEntries(
      members.map((member) => [
        idOf(member.name),
        (member.name === 'member-03' ? ['m03-data'] : (member.budgets ?? [])).map((name) => budget(name, '10')),
      ]),
    ),
    billingSeries: [
      { dimensions: [{ Name: 'Currency', Value: 'USD' }], value: 1000 },
      {
        dimensions: [
          { Name: 'Currency', Value: 'USD' },
          { Name: 'LinkedAccount', Value: idOf('member-01') },
        ],
        value: 250,
      },
      // Suspended this month, after spending: not read, but its charges still carry its name.
      {
        dimensions: [
          { Name: 'Currency', Value: 'USD' },
          { Name: 'LinkedAccount', Value: idOf('member-07') },
        ],
        value: 40,
      },
    ],
    organization: { id: 'o-collector001', accounts, emptyPagesAt: [20] },
    roles: members.map((member) => ({ arn: memberRole(idOf(member.name)), refused: member.name === 'member-06' })),
  };
}

let aws: FakeAws;
let intake: Intake;
const lines: string[] = [];

beforeAll(async () => {
  [aws, intake] = await Promise.all([startFakeAws(seed()), startIntake()]);
  vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'testing');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'testing');
});
afterEach(() => {
  aws.clearFailures();
  aws.take();
  aws.server.latencyMs = 0;
  aws.server.takeTimeline();
  intake.reset();
  lines.length = 0;
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await Promise.all([aws.close(), intake.close()]);
});

interface RunOptions {
  readonly env?: Record<string, string>;
  readonly sessions?: RoleSessions;
  readonly dryRun?: boolean;
  /**
   * Milliseconds from now to the run's deadline; an account may take a tenth of three quarters
   * of it. @default 60000, so that a loaded machine does not time accounts out
   */
  readonly deadlineMs?: number;
}

/** One organization-mode run, as the handler makes it, from the management account. */
async function run(options: RunOptions = {}): Promise<RunSummary> {
  const config = loadConfig(
    { [ENV.apiUrl]: intake.url, [ENV.accounts]: 'organization', [ENV.logLevel]: 'DEBUG', ...options.env },
    { requireApiKeySecret: false },
  );
  const clients = new AwsClientPool({ maxAttempts: 1 });
  const accountClients = new AccountClients({ maxAttempts: 1 });
  try {
    const { summary } = await collect({
      config,
      accountId: MANAGEMENT,
      clients,
      apiKey: { origin: 'the test', reads: 0, get: async () => TEST_API_KEY },
      log: createLogger('DEBUG', (line) => lines.push(line)),
      deadline: Date.now() + (options.deadlineMs ?? 60_000),
      dryRun: options.dryRun ?? false,
      organization: {
        partition: 'aws',
        sessions: options.sessions ?? new RoleSessions(clients.clientsFor(STS_CLIENTS).sts),
        clients: accountClients,
      },
    });
    return summary;
  } finally {
    clients.destroy();
    accountClients.destroy();
  }
}

const warnings = (): Record<string, unknown>[] =>
  lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((line) => line.level === 'WARN');
const seriesOf = (metric: string) => intake.series().filter((series) => series.metric === `aws.billing.${metric}`);
const tagValue = (tags: readonly string[] | undefined, key: string): string | undefined =>
  tags?.find((tag) => tag.startsWith(`${key}:`))?.slice(key.length + 1);

describe('collect in organization mode, against the fake AWS', () => {
  it("reads every active account's budgets through its role, skips the suspended one, and reports the refused one with its fix", async () => {
    const summary = await run();

    expect(summary.status).toBe('partial');
    expect(summary.accounts).toEqual({ read: 19, failed: 1, skipped: { suspended: 1 }, failedAccounts: [idOf('member-06')] });
    expect(summary.series).toMatchObject({ 'aws.billing.actual_spend': 6 });
    expect(summary.errors).toEqual([]);
    // Two pages of accounts and the empty page between them; one role per member but the suspended one.
    expect(summary.awsCalls).toMatchObject({ ListAccounts: 3, AssumeRole: 19, DescribeBudgets: 19 });
    const [refused] = warnings().filter((line) => line.accountId !== undefined);
    expect(refused).toMatchObject({ accountId: idOf('member-06'), failure: 'denied' });
    expect(refused.message).toBe(
      `Account ${idOf('member-06')} ("member-06") was not read: AWS denied sts:AssumeRole. Deploy the member role ` +
        `${MEMBER_ROLE_NAME} to the account: add its organizational unit (or the root) to context key memberRoleTargets, ` +
        "which the member role's StackSet deploys to (docs/organizations.md), " +
        'or leave the account out with ACCOUNT_DENYLIST (context key accountDenylist).',
    );

    const budgets = seriesOf('actual_spend').map((series) => [tagValue(series.tags, 'account_id'), tagValue(series.tags, 'account_name')]);
    expect(budgets.sort()).toEqual(
      [
        [MANAGEMENT, 'management'],
        [idOf('member-01'), 'member-01'],
        [idOf('member-01'), 'member-01'],
        [idOf('member-02'), 'member-02'],
        [idOf('member-03'), 'member-03'],
        // Datadog keeps letters of every script, lowercased; spaces become underscores.
        [idOf(TOKYO), 'équipe_données_東京'],
      ].sort(),
    );
    const charges = seriesOf('estimated_charges').map((series) => [
      tagValue(series.tags, 'billing_scope'),
      tagValue(series.tags, 'account_name'),
    ]);
    expect(charges).toEqual([
      ['total', 'management'],
      ['linked_account', 'member-01'],
      ['linked_account', 'member-07'],
    ]);
    expect(seriesOf('collector.accounts').map((series) => [tagValue(series.tags, 'status'), series.points[0].value])).toEqual([
      ['ok', 19],
      ['failed', 1],
      ['skipped', 1],
    ]);
    expect(seriesOf('collector.run')[0].tags).toContain('status:partial');
  });

  it('reads only the allowlisted accounts, never the denylisted ones, and counts the others as skipped with their reason', async () => {
    const summary = await run({
      env: {
        [ENV.accountAllowlist]: [MANAGEMENT, idOf('member-01'), idOf('member-02'), idOf('member-07')].join(','),
        [ENV.accountDenylist]: idOf('member-02'),
      },
    });

    expect(summary.accounts).toEqual({
      read: 2,
      failed: 0,
      skipped: { not_in_allowlist: 18 - 1, in_denylist: 1, suspended: 1 },
      failedAccounts: [],
    });
    expect(summary.status).toBe('success');
    expect(summary.awsCalls.AssumeRole).toBe(1);
    expect(new Set(seriesOf('actual_spend').map((series) => tagValue(series.tags, 'account_id')))).toEqual(
      new Set([MANAGEMENT, idOf('member-01')]),
    );
  });

  it("puts each account's Organizations tags of the configured keys on its series, one ListTagsForResource per account", async () => {
    // member-03 carries team and cost-center; only team is asked for.
    aws.take();
    const summary = await run({
      env: { [ENV.accountTagKeys]: 'team', [ENV.accountAllowlist]: `${MANAGEMENT},${idOf('member-03')},${idOf('member-01')}` },
    });

    expect(summary.awsCalls.ListTagsForResource).toBe(3);
    expect(aws.take().operations.ListTagsForResource).toBe(3);
    expect(seriesOf('actual_spend').map((series) => [tagValue(series.tags, 'account_id'), tagValue(series.tags, 'team')])).toEqual(
      expect.arrayContaining([
        [idOf('member-03'), 'data'],
        [idOf('member-01'), undefined],
      ]),
    );
    expect(intake.series().flatMap((series) => series.tags ?? [])).not.toContainEqual(expect.stringMatching(/^cost-center:/));
  });

  it('reuses a role’s credentials while 5 minutes remain, and assumes it again after', async () => {
    let now = Date.now();
    const stsClients = new AwsClientPool({ maxAttempts: 1 });
    const sessions = new RoleSessions(stsClients.clientsFor(STS_CLIENTS).sts, () => now);
    const env = { [ENV.accountAllowlist]: `${idOf('member-01')},${idOf('member-02')}`, [ENV.collectEstimatedCharges]: 'false' };
    try {
      expect((await run({ env, sessions })).awsCalls.AssumeRole).toBe(2);
      now += 54 * 60_000; // 6 minutes left of the hour: reused
      expect((await run({ env, sessions })).awsCalls.AssumeRole).toBeUndefined();
      now += 2 * 60_000; // 4 minutes left: assumed again
      expect((await run({ env, sessions })).awsCalls.AssumeRole).toBe(2);
    } finally {
      stsClients.destroy();
    }
  });

  it('never has more accounts in flight than accountConcurrency', async () => {
    aws.server.latencyMs = 15;
    aws.server.takeTimeline();
    const summary = await run({ env: { [ENV.accountConcurrency]: '3', [ENV.collectEstimatedCharges]: 'false' } });

    expect(summary.accounts?.read).toBe(19);
    const timeline = aws.server.takeTimeline().filter((entry) => entry.label === 'AssumeRole' || entry.label === 'DescribeBudgets');
    let most = 0;
    for (const { start } of timeline) {
      most = Math.max(most, timeline.filter((other) => other.start <= start && other.end > start).length);
    }
    expect(most).toBe(3);
  });

  it("reads the first page's accounts while the rest are still being listed, not after the listing", async () => {
    aws.server.latencyMs = 15;
    aws.server.takeTimeline();
    const summary = await run({ env: { [ENV.collectEstimatedCharges]: 'false' } });

    expect(summary.accounts?.read).toBe(19);
    const timeline = aws.server.takeTimeline();
    const listingEnds = Math.max(...timeline.filter((entry) => entry.label === 'ListAccounts').map((entry) => entry.end));
    const firstRead = Math.min(...timeline.filter((entry) => entry.label === 'DescribeBudgets').map((entry) => entry.start));
    expect(firstRead).toBeLessThan(listingEnds);
  });

  it('is a failure when no account could be read', async () => {
    aws.failOperation('DescribeBudgets', { type: 'AccessDeniedException', status: 403 });
    const summary = await run({ env: { [ENV.collectEstimatedCharges]: 'false' } });

    expect(summary.accounts).toMatchObject({ read: 0, failed: 20 });
    expect(summary.status).toBe('failure');
    expect(summary.errors).toEqual(['No account of the organization could be read: all 20 failed (see the warnings).']);
    expect(warnings().filter((line) => line.failure === 'denied')).toHaveLength(20);
  });

  it("reports an account read only in part (its thresholds' read denied) with one warning each and one run error, and sends its budgets", async () => {
    aws.failOperation('DescribeBudgetNotificationsForAccount', { type: 'AccessDeniedException', status: 403 });
    const summary = await run({
      env: { [ENV.accountAllowlist]: `${idOf('member-01')},${idOf('member-02')}`, [ENV.collectEstimatedCharges]: 'false' },
    });

    expect(summary.accounts).toMatchObject({ read: 2, failed: 0 });
    expect(summary.status).toBe('partial');
    expect(summary.errors).toHaveLength(1);
    expect(summary.errors[0]).toMatch(/^2 account\(s\) were read only in part \(one warning each\); the first: .*budgets:ViewBudget/);
    const partial = warnings().filter((line) => String(line.message).includes('was read in part'));
    expect(partial.map((line) => line.accountId).sort()).toEqual([idOf('member-01'), idOf('member-02')].sort());
    expect(seriesOf('actual_spend').length).toBeGreaterThan(0);
    expect(seriesOf('budget_threshold')).toEqual([]);
  });

  it('counts an account still throttled after the retries as failed, and reads the others', async () => {
    aws.failOperation('AssumeRole', { type: 'Throttling', message: 'Rate exceeded', times: 1 });
    const summary = await run({
      env: {
        [ENV.accountAllowlist]: `${idOf('member-01')},${idOf('member-02')}`,
        [ENV.accountConcurrency]: '1',
        [ENV.collectEstimatedCharges]: 'false',
      },
    });

    expect(summary.accounts).toMatchObject({ read: 1, failed: 1, failedAccounts: [idOf('member-01')] });
    expect(warnings().find((line) => line.accountId === idOf('member-01'))).toMatchObject({
      failure: 'throttled',
      message: expect.stringContaining("AWS kept throttling it after the SDK's retries. It is read again on the next run"),
    });
    expect(summary.status).toBe('partial');
  });

  it('counts an account that does not answer within a tenth of the run’s AWS time as failed, out of time', async () => {
    // 20 s to the deadline leave 15 s for AWS: 1.5 s an account. Every answer takes 1.6 s, so the
    // accounts (one or two calls each) run out of time while the run as a whole has plenty.
    aws.server.latencyMs = 1_600;
    const summary = await run({
      env: { [ENV.accountAllowlist]: `${MANAGEMENT},${idOf('member-01')}`, [ENV.collectEstimatedCharges]: 'false' },
      deadlineMs: 20_000,
    });

    expect(summary.accounts).toMatchObject({ read: 0, failed: 2 });
    expect(warnings().map((line) => [line.accountId, line.failure])).toEqual(
      expect.arrayContaining([
        [MANAGEMENT, 'timeout'],
        [idOf('member-01'), 'timeout'],
      ]),
    );
    expect(summary.status).toBe('failure');
  });

  it('turns collectLinkedAccountServices off by default, and on when set', () => {
    const base = { [ENV.accounts]: 'organization' };
    expect(loadConfig(base, { requireApiKeySecret: false }).collectLinkedAccountServices).toBe(false);
    expect(
      loadConfig({ ...base, [ENV.collectLinkedAccountServices]: 'true' }, { requireApiKeySecret: false }).collectLinkedAccountServices,
    ).toBe(true);
    expect(loadConfig({}, { requireApiKeySecret: false }).collectLinkedAccountServices).toBe(true);
  });
});

describe('the check event, through the handler', () => {
  it("answers each account's row, the refused role's with its problem and fix, and sends nothing", async () => {
    vi.stubEnv(ENV.apiKeySecretArn, `arn:aws:secretsmanager:us-east-1:${MANAGEMENT}:secret:dd-AbCdEf`);
    vi.stubEnv(ENV.accounts, 'organization');
    vi.stubEnv(ENV.apiUrl, intake.url);
    vi.resetModules();
    const { handler } = await import('../../lambda/handler');
    const { CHECK_EVENT } = await import('../../lambda/check-event');

    const answer = await handler(CHECK_EVENT, {
      invokedFunctionArn: `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:collector`,
      getRemainingTimeInMillis: () => 20_000,
    });

    expect('accounts' in answer && answer.accounts).toHaveLength(20);
    const rows = 'accounts' in answer && !('status' in answer) ? answer.accounts : [];
    expect(rows.filter((row) => !row.ok)).toEqual([
      {
        id: idOf('member-06'),
        name: 'member-06',
        ok: false,
        problem: `Account ${idOf('member-06')} ("member-06") was not read: AWS denied sts:AssumeRole.`,
        fix: expect.stringContaining(`Deploy the member role ${MEMBER_ROLE_NAME}`),
      },
    ]);
    expect(rows.find((row) => row.id === idOf(TOKYO))).toEqual({ id: idOf(TOKYO), name: TOKYO, ok: true });
    expect(intake.requests).toHaveLength(0);
    expect(aws.take().operations).toMatchObject({ AssumeRole: 19, DescribeBudgets: 19, ListMetrics: 1 });
  });
});

describe('the check event in self mode', () => {
  it('is refused with what to set, since there are no other accounts to check', async () => {
    vi.stubEnv(ENV.apiKeySecretArn, `arn:aws:secretsmanager:us-east-1:${MANAGEMENT}:secret:dd-AbCdEf`);
    vi.stubEnv(ENV.accounts, 'self');
    vi.resetModules();
    const { handler } = await import('../../lambda/handler');

    await expect(
      handler(
        { check: true },
        { invokedFunctionArn: `arn:aws:lambda:us-east-1:${MANAGEMENT}:function:collector`, getRemainingTimeInMillis: () => 5_000 },
      ),
    ).rejects.toThrow('Set ACCOUNTS=organization (context key accounts) to use it.');
    expect(aws.take().operations).toEqual({});
  });
});

describe('a collector outside the management account, through the management role', () => {
  const TOOLING = idOf('member-10');
  const MANAGEMENT_ROLE = `arn:aws:iam::${MANAGEMENT}:role/billing-management-reader`;
  let tooling: FakeAws;

  beforeAll(async () => {
    // The fake's own credentials are the tooling account's; the management account is reached through its role.
    const base = seed();
    const members = Object.entries(base.budgetsByAccount ?? {}).filter(([account]) => account !== TOOLING);
    tooling = await startFakeAws({
      ...base,
      accountId: TOOLING,
      budgets: [budget('tooling-own', '5')],
      budgetsByAccount: Object.fromEntries([...members, [MANAGEMENT, [budget('org-total', '900')]]]),
      organization: { ...base.organization, accounts: base.organization?.accounts ?? [], managementAccountId: MANAGEMENT },
      roles: [...(base.roles ?? []).filter((role) => !role.arn.includes(TOOLING)), { arn: MANAGEMENT_ROLE }],
    });
  });
  afterAll(async () => {
    await tooling.close();
  });

  it('lists and reads the management account with its role, its own account with its own credentials, and no member role for either', async () => {
    vi.stubEnv('AWS_ENDPOINT_URL', tooling.endpoint);
    const config = loadConfig(
      {
        [ENV.apiUrl]: intake.url,
        [ENV.accounts]: 'organization',
        [ENV.managementRoleArn]: MANAGEMENT_ROLE,
        [ENV.collectEstimatedCharges]: 'false',
      },
      { requireApiKeySecret: false },
    );
    const clients = new AwsClientPool({ maxAttempts: 1 });
    const accountClients = new AccountClients({ maxAttempts: 1 });
    try {
      const { summary } = await collect({
        config,
        accountId: TOOLING,
        clients,
        apiKey: { origin: 'the test', reads: 0, get: async () => TEST_API_KEY },
        log: createLogger('ERROR', () => undefined),
        deadline: Date.now() + 60_000,
        organization: { partition: 'aws', sessions: new RoleSessions(clients.clientsFor(STS_CLIENTS).sts), clients: accountClients },
      });

      expect(summary.accounts).toMatchObject({ read: 19, failed: 1, failedAccounts: [idOf('member-06')] });
      // The management role once; a member role for each member but the tooling account, the suspended one.
      expect(summary.awsCalls.AssumeRole).toBe(1 + 18);
      const spend = seriesOf('actual_spend').map((series) => [tagValue(series.tags, 'account_id'), tagValue(series.tags, 'budget_name')]);
      expect(spend).toEqual(
        expect.arrayContaining([
          [MANAGEMENT, 'org-total'],
          [TOOLING, 'tooling-own'],
        ]),
      );
    } finally {
      clients.destroy();
      accountClients.destroy();
      vi.stubEnv('AWS_ENDPOINT_URL', aws.endpoint);
    }
  });
});

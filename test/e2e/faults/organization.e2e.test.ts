/**
 * Organization mode end to end (issue 13): the bundle `cdk synth -c accounts=organization` built,
 * with the environment the stack gives it there, against moto holding an organization of 21
 * accounts (two ListAccounts pages): a member SUSPENDED, a member whose name is not ASCII,
 * budgets in the management account and in several members, and the payer's charges per linked
 * account. moto lets anyone assume any role, so one member's role is refused by the fault proxy,
 * with STS's own XML error. Run twice: from the management account, and from a member (a tooling
 * account) that reads the management account's data through `MANAGEMENT_ROLE_ARN`.
 */
import { AssumeRoleCommand, STSClient, STSServiceException } from '@aws-sdk/client-sts';
import { beforeAll, describe, expect, it } from 'vitest';
import { TEST_API_KEY } from '../../../fakes/datadog/intake';
import { DEFAULT_ALERT_SHARE } from '../../../lambda/sources/budget-thresholds';
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';
import { MEMBER_ROLE_NAME } from '../../support/organization-contract';
import { createCostBudget, putEstimatedCharges, TEST_CREDENTIALS } from '../../support/seed';
import { aMinuteAgo, putApiKeySecret } from '../support/aws-seed';
import { ORGANIZATION_CONTEXT } from '../support/bundle';
import { linesOf, type ExpectedSeries } from '../support/expected-series';
import { awsErrors, refuseAssumeRole, TARGETS } from '../support/fault-proxy';
import { requestProblems, SETUP_TIMEOUT_MS, useHarness, type Harness } from '../support/harness';
import { runSummary, type Invocation, type LogLine } from '../support/invoke';
import { accountIdOf, assumeRole, seedOrganization, type SeededOrganizationWithBudgets } from '../support/organization-seed';

/** The member whose role the proxy refuses: it has a budget, which must not arrive. */
const REFUSED = 'member-02';
const SUSPENDED = 'member-07';
/** The member the function runs in for the second scenario: a FinOps tooling account. */
const TOOLING = 'member-10';
/** The management account's name: moto names it, not the seed. */
const MANAGEMENT_NAME = 'master';
/** `account_name` as Datadog normalizes each name (lowercase, spaces to underscores), written by hand. */
const NAME_TAGS: Readonly<Record<string, string>> = {
  management: MANAGEMENT_NAME,
  'member-01': 'member-01',
  'member-02': 'member-02',
  'Équipe données 東京': 'équipe_données_東京',
  'member-10': 'member-10',
};
/** The payer's charges, per linked account (and the total), as the dollars of each. */
const LINKED_CHARGES: readonly { readonly account: string; readonly value: number }[] = [
  { account: 'member-01', value: 120.5 },
  { account: REFUSED, value: 33.25 },
  { account: 'Équipe données 東京', value: 7.75 },
];
const TOTAL_CHARGES = 1234.5;
/** The budget the tooling account holds itself, read with the function's own credentials. */
const TOOLING_BUDGET = { name: 'tooling', limit: '40', actual: '12.5' };

const warnings = (invocation: Invocation): LogLine[] => invocation.logLines.filter((line) => line.level === 'WARN');

describe('organization mode: an organization of 21 accounts, one suspended, one whose role is refused', () => {
  let h: Harness;
  let org: SeededOrganizationWithBudgets;
  const id = (name: string): string => accountIdOf(org, name);

  useHarness((started) => (h = started), { context: ORGANIZATION_CONTEXT });

  /** A fresh moto with the organization and the payer's charges. */
  async function seed(): Promise<void> {
    await h.reset();
    org = await seedOrganization(h.moto.endpoint);
    const timestamp = aMinuteAgo();
    await putEstimatedCharges(h.moto.endpoint, [
      { dimensions: { Currency: 'USD' }, value: TOTAL_CHARGES, timestamp },
      ...LINKED_CHARGES.map(({ account, value }) => ({ dimensions: { LinkedAccount: id(account), Currency: 'USD' }, value, timestamp })),
    ]);
  }

  /** What Datadog should receive from the accounts that could be read, the function running in `own`. */
  /** A budget without thresholds of its own gets the default alert levels (none are seeded here). */
  function alertLevels(tags: readonly string[], limit: number): ExpectedSeries[] {
    return [
      { metric: 'aws.billing.budget_alert_level', tags: [...tags], unit: 'dollar', value: limit * DEFAULT_ALERT_SHARE },
      { metric: 'aws.billing.budget_forecast_alert_level', tags: [...tags], unit: 'dollar', value: limit },
    ];
  }

  function expectedBilling(own: string): ExpectedSeries[] {
    const readable = org.budgets.filter((budget) => budget.account !== REFUSED);
    const budgetLines = readable.flatMap((budget): ExpectedSeries[] => {
      const tags = [
        `account_id:${id(budget.account)}`,
        `account_name:${NAME_TAGS[budget.account]}`,
        `budget_name:${budget.name}`,
        'budget_type:cost',
        'time_unit:monthly',
        'currency:usd',
      ];
      return [
        { metric: 'aws.billing.actual_spend', tags, unit: 'dollar', value: Number(budget.actual) },
        { metric: 'aws.billing.budget_limit', tags, unit: 'dollar', value: Number(budget.limit) },
        ...alertLevels(tags, Number(budget.limit)),
      ];
    });
    const payer = `account_id:${MOTO_DEFAULT_ACCOUNT_ID}`;
    const charges: ExpectedSeries[] = [
      {
        metric: 'aws.billing.estimated_charges',
        tags: [payer, `account_name:${MANAGEMENT_NAME}`, 'billing_scope:total', 'currency:usd'],
        unit: 'dollar',
        value: TOTAL_CHARGES,
      },
      ...LINKED_CHARGES.map(({ account, value }): ExpectedSeries => ({
        metric: 'aws.billing.estimated_charges',
        tags: [payer, `account_name:${NAME_TAGS[account]}`, 'billing_scope:linked_account', 'currency:usd', `linkedaccount:${id(account)}`],
        unit: 'dollar',
        value,
      })),
    ];
    const tooling: ExpectedSeries[] =
      own === TOOLING
        ? [
            { name: 'aws.billing.actual_spend', value: Number(TOOLING_BUDGET.actual) },
            { name: 'aws.billing.budget_limit', value: Number(TOOLING_BUDGET.limit) },
            { name: 'aws.billing.budget_alert_level', value: Number(TOOLING_BUDGET.limit) * DEFAULT_ALERT_SHARE },
            { name: 'aws.billing.budget_forecast_alert_level', value: Number(TOOLING_BUDGET.limit) },
          ].map(({ name, value }) => ({
            metric: name,
            tags: [
              `account_id:${id(TOOLING)}`,
              `account_name:${NAME_TAGS[TOOLING]}`,
              `budget_name:${TOOLING_BUDGET.name}`,
              'budget_type:cost',
              'time_unit:monthly',
              'currency:usd',
            ],
            unit: 'dollar',
            value,
          }))
        : [];
    return [...budgetLines, ...tooling, ...charges];
  }

  /** The collector's own series: the run (partial), its series, its accounts (read, failed, skipped). */
  function expectedHealth(own: string, billing: number, read: number): ExpectedSeries[] {
    const tag = `account_id:${id(own)}`;
    return [
      { metric: 'aws.billing.collector.run', tags: [tag, 'status:partial', 'trigger:schedule'], value: 1 },
      { metric: 'aws.billing.collector.series', tags: [tag], value: billing },
      { metric: 'aws.billing.collector.duration', tags: [tag], unit: 'second', value: 'any' },
      { metric: 'aws.billing.estimated_charges.age', tags: [tag], unit: 'hour', value: 'any' },
      { metric: 'aws.billing.collector.accounts', tags: [tag, 'status:ok'], value: read },
      { metric: 'aws.billing.collector.accounts', tags: [tag, 'status:failed'], value: 1 },
      { metric: 'aws.billing.collector.accounts', tags: [tag, 'status:skipped'], value: 1 },
    ];
  }

  function expectRefusedWarning(invocation: Invocation): void {
    expect(warnings(invocation)).toEqual([
      expect.objectContaining({
        accountId: id(REFUSED),
        failure: 'denied',
        message: expect.stringMatching(
          new RegExp(
            `^Account ${id(REFUSED)} \\("${REFUSED}"\\) was not read: AWS denied sts:AssumeRole.*Deploy the member role ${MEMBER_ROLE_NAME} to the account: add its organizational unit`,
          ),
        ),
      }),
    ]);
  }

  describe('from the management account', () => {
    let invocation: Invocation;

    beforeAll(async () => {
      await seed();
      await putApiKeySecret(h.moto.endpoint, TEST_API_KEY);
      h.proxy.inject(refuseAssumeRole(`arn:aws:iam::${id(REFUSED)}:role/${MEMBER_ROLE_NAME}`));
      invocation = await h.run();
    }, SETUP_TIMEOUT_MS);

    it("sends each readable account's budgets tagged account_id and account_name (the name not ASCII intact), and the linked accounts' charges with their account_name", () => {
      const billing = expectedBilling('management');
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...expectedHealth('management', billing.length, 19)]));
      expect(requestProblems(h.intake.requests)).toEqual([]);
    });

    it('a member role refused on AssumeRole: the account is counted as failed with one warning naming it and the fix, the run partial, the others sent', () => {
      expectRefusedWarning(invocation);
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        accounts: { read: 19, failed: 1, skipped: { suspended: 1 }, failedAccounts: [id(REFUSED)] },
        errors: [],
      });
      expect(invocation.outcome).toMatchObject({ status: 'resolved', value: { status: 'partial' } });
    });

    it('a SUSPENDED member: skipped and counted by its state, its role never assumed', () => {
      const assumed = h.proxy.requests.filter((request) => request.target === TARGETS.assumeRole).map((request) => request.body?.RoleArn);
      const members = [...org.accountIds].filter(([name]) => name !== 'management' && name !== SUSPENDED).map(([, account]) => account);

      expect(assumed.sort()).toEqual(members.map((account) => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`).sort());
      expect(runSummary(invocation).accounts).toMatchObject({ skipped: { suspended: 1 } });
      expect(h.intake.series().some((series) => series.tags?.includes(`account_id:${id(SUSPENDED)}`))).toBe(false);
    });

    it('lists the accounts in two pages of at most 20, and reads the management account with its own credentials', () => {
      expect(
        h.proxy.requests.filter((request) => request.target === TARGETS.listAccounts).map((request) => request.body?.MaxResults),
      ).toEqual([20, 20]);
      // Every active account's budgets but the refused one's, one page each.
      expect(runSummary(invocation).awsCalls).toMatchObject({ ListAccounts: 2, AssumeRole: 19, DescribeBudgets: 19 });
    });
  });

  describe('from a member account, the management data read through MANAGEMENT_ROLE_ARN', () => {
    const MANAGEMENT_ROLE = `arn:aws:iam::${MOTO_DEFAULT_ACCOUNT_ID}:role/aws-billing-to-datadog-management-reader`;
    let invocation: Invocation;

    beforeAll(async () => {
      await seed();
      // The function's own credentials: a role session in the tooling account, as Lambda gives it.
      const functionCredentials = await assumeRole(
        h.moto.endpoint,
        `arn:aws:iam::${id(TOOLING)}:role/billing-collector`,
        'billing-collector',
      );
      await createCostBudget(h.moto.endpoint, id(TOOLING), TOOLING_BUDGET, functionCredentials);
      const secretArn = await putApiKeySecret(h.moto.endpoint, TEST_API_KEY, functionCredentials);
      h.proxy.inject(refuseAssumeRole(`arn:aws:iam::${id(REFUSED)}:role/${MEMBER_ROLE_NAME}`));
      invocation = await h.run({
        accountId: id(TOOLING),
        env: {
          MANAGEMENT_ROLE_ARN: MANAGEMENT_ROLE,
          DD_API_KEY_SECRET_ARN: secretArn,
          AWS_ACCESS_KEY_ID: functionCredentials.accessKeyId,
          AWS_SECRET_ACCESS_KEY: functionCredentials.secretAccessKey,
          AWS_SESSION_TOKEN: functionCredentials.sessionToken,
        },
      });
    }, SETUP_TIMEOUT_MS);

    it("sends the same: every readable account's budgets (its own too) and the linked accounts' charges, named, and the refused one failed", () => {
      const billing = expectedBilling(TOOLING);
      expect(linesOf(h.intake.series())).toEqual(linesOf([...billing, ...expectedHealth(TOOLING, billing.length, 19)]));
      expect(requestProblems(h.intake.requests)).toEqual([]);
      expectRefusedWarning(invocation);
      expect(runSummary(invocation)).toMatchObject({
        status: 'partial',
        accountId: id(TOOLING),
        accounts: { read: 19, failed: 1, skipped: { suspended: 1 }, failedAccounts: [id(REFUSED)] },
        errors: [],
      });
    });

    it('assumes the management role once, and a member role in every other active member but its own account', () => {
      const assumed = h.proxy.requests.filter((request) => request.target === TARGETS.assumeRole).map((request) => request.body?.RoleArn);
      const members = [...org.accountIds]
        .filter(([name]) => !['management', SUSPENDED, TOOLING].includes(name))
        .map(([, account]) => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`);

      expect(assumed.sort()).toEqual([MANAGEMENT_ROLE, ...members].sort());
      // Every active account's budgets but the refused one's, one page each.
      expect(runSummary(invocation).awsCalls).toMatchObject({ ListAccounts: 2, AssumeRole: 19, DescribeBudgets: 19 });
    });
  });

  it('answers a refused AssumeRole as STS does, an XML ErrorResponse the real STSClient names AccessDenied (403)', async () => {
    const role = `arn:aws:iam::210000000042:role/${MEMBER_ROLE_NAME}`;
    h.proxy.reset();
    h.proxy.inject(refuseAssumeRole(role, 1));
    const sts = new STSClient({ endpoint: h.proxy.url, region: 'us-east-1', credentials: TEST_CREDENTIALS, maxAttempts: 1 });
    try {
      const error = await sts
        .send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'aws-billing-to-datadog' }))
        .catch((e: unknown) => e);

      expect(error).toBeInstanceOf(STSServiceException);
      expect(error).toMatchObject({
        name: 'AccessDenied',
        message: awsErrors.assumeRoleDenied(role).message,
        $metadata: { httpStatusCode: 403 },
      });
      // Spent after once, and only for that role: moto answers the next.
      await expect(sts.send(new AssumeRoleCommand({ RoleArn: role, RoleSessionName: 'again' }))).resolves.toMatchObject({
        Credentials: { AccessKeyId: expect.any(String) },
      });
    } finally {
      sts.destroy();
    }
  });
});

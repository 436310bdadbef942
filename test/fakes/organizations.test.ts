/**
 * The fake AWS's Organizations and STS, and Budgets answered per account, against the real SDK
 * clients the collector will use (OrganizationsClient, STSClient, BudgetsClient), with only
 * `endpoint` changed. The expectations moto meets too are in the shared contract; the rest
 * (what moto does not implement) are here.
 */
import { AccessDeniedException as BudgetsAccessDenied, BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import {
  AccessDeniedException,
  AWSOrganizationsNotInUseException,
  DescribeOrganizationCommand,
  ListAccountsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  TargetNotFoundException,
  type Tag,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, GetCallerIdentityCommand, GetSessionTokenCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BudgetSeed } from '../../fakes/aws/budgets';
import type { AccountSeed, WireTag } from '../../fakes/aws/organizations';
import { startFakeAws, type FakeAws, type FakeAwsSeed } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import {
  CONTRACT_ACCOUNTS,
  MEMBER_ROLE_NAME,
  assumeMemberRole,
  budgetNames,
  clientConfig,
  listAccounts,
  organizationContract,
  type Credentials,
} from '../support/organization-contract';

const OWN = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const ORGANIZATION_ID = 'o-contract0001';
/** The management account is the fake's own; members are 2100000000NN. */
const accountIds = new Map(
  CONTRACT_ACCOUNTS.map((account, index) => [account.name, index === 0 ? FAKE_ACCOUNT_ID : String(210_000_000_000 + index)]),
);
const idOf = (name: string): string => accountIds.get(name) ?? '';
const roleArn = (account: string): string => `arn:aws:iam::${account}:role/${MEMBER_ROLE_NAME}`;
/** Outside the organization, with a role the fake lets anyone assume. */
const OUTSIDER = '999999999999';
const manyTags: WireTag[] = Array.from({ length: 23 }, (_, i) => ({ Key: `k${String(i).padStart(2, '0')}`, Value: `v${i}` }));

const cost = (name: string): BudgetSeed => ({ BudgetName: name, BudgetType: 'COST', BudgetLimit: { Amount: '100', Unit: 'USD' } });

/** The contract's organization, as the fake is seeded with it: roles in every member but member-06 (refused) and member-08 (none). */
function contractSeed(): FakeAwsSeed {
  const accounts: AccountSeed[] = CONTRACT_ACCOUNTS.map((account) => ({
    Id: idOf(account.name),
    Name: account.name,
    State: account.state,
    Tags: account.name === 'member-09' ? manyTags : account.tags,
  }));
  const members = CONTRACT_ACCOUNTS.slice(1);
  return {
    budgets: (CONTRACT_ACCOUNTS[0].budgets ?? []).map(cost),
    budgetsByAccount: Object.fromEntries(members.map((member) => [idOf(member.name), (member.budgets ?? []).map(cost)])),
    organization: { id: ORGANIZATION_ID, accounts, delegatedAdministrators: [idOf('member-10')] },
    roles: [
      ...members
        .filter((member) => member.name !== 'member-08')
        .map((member) => ({ arn: roleArn(idOf(member.name)), refused: member.name === 'member-06' })),
      { arn: roleArn(OUTSIDER) },
    ],
  };
}

let aws: FakeAws;
const organizations = (credentials: Credentials = OWN) => new OrganizationsClient(clientConfig(aws.endpoint, credentials));
const sts = (credentials: Credentials = OWN) => new STSClient(clientConfig(aws.endpoint, credentials));

beforeAll(async () => {
  aws = await startFakeAws(contractSeed());
});
afterEach(() => {
  aws.clearFailures();
  aws.take();
});
afterAll(async () => {
  await aws.close();
});

/** An SDK service error: its name and the HTTP status. */
type SdkError = Error & { $metadata: { httpStatusCode?: number } };

/** The error a call fails with; the test fails if the call succeeds. */
async function rejection(call: Promise<unknown>): Promise<SdkError> {
  try {
    await call;
  } catch (error) {
    return error as SdkError;
  }
  throw new Error('the call succeeded, but it should have failed');
}

describe('the contract, against the fake AWS', () => {
  organizationContract(() => ({ endpoint: aws.endpoint, credentials: OWN, organizationId: ORGANIZATION_ID, accountIds }));
});

describe('ListAccounts paging, as AWS pages it', () => {
  it('pages 20 accounts at a time when MaxResults is not given: two calls for 21 accounts', async () => {
    const { pages } = await listAccounts(organizations());

    expect(pages.map((page) => page.length)).toEqual([20, 1]);
    expect(aws.take().operations).toEqual({ ListAccounts: 2 });
  });

  it.each([
    { pageSize: 1, pages: 21 },
    { pageSize: 7, pages: 3 },
    { pageSize: 20, pages: 2 },
  ])('pages $pageSize at a time in $pages pages, losing and repeating none', async ({ pageSize, pages }) => {
    const listed = await listAccounts(organizations(), pageSize);

    expect(listed.pages).toHaveLength(pages);
    expect(listed.accounts.map((account) => account.Name)).toEqual(CONTRACT_ACCOUNTS.map((account) => account.name));
  });

  it.each([21, 0])('refuses MaxResults %i with the ValidationException of AWS request validation', async (maxResults) => {
    const error = await rejection(organizations().send(new ListAccountsCommand({ MaxResults: maxResults })));

    expect(error.name).toBe('ValidationException');
    expect(error.message).toMatch(/^1 validation error detected: Value '\d+' at 'maxResults' failed to satisfy constraint/);
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('follows empty pages that carry a NextToken, at the start, in the middle and at the end, to every account', async () => {
    const seeded = await startFakeAws({ ...contractSeed(), organization: { ...contractSeed().organization!, emptyPagesAt: [0, 5, 21] } });
    try {
      const { pages, accounts } = await listAccounts(new OrganizationsClient(clientConfig(seeded.endpoint, OWN)), 20);

      expect(pages.map((page) => page.length)).toEqual([0, 5, 0, 16, 0, 0]);
      expect(accounts.map((account) => account.Name)).toEqual(CONTRACT_ACCOUNTS.map((account) => account.name));
    } finally {
      await seeded.close();
    }
  });

  it('sends State and never the retired Status', async () => {
    const { accounts } = await listAccounts(organizations());

    expect(accounts.every((account) => account.State !== undefined && account.Status === undefined)).toBe(true);
  });

  it('refuses a page token of another listing', async () => {
    const tags = await organizations().send(new ListTagsForResourceCommand({ ResourceId: idOf('member-09') }));
    const error = await rejection(organizations().send(new ListAccountsCommand({ NextToken: tags.NextToken })));

    expect(error.name).toBe('InvalidInputException');
  });
});

describe('ListTagsForResource', () => {
  it("pages an account's tags by NextToken, losing and repeating none", async () => {
    const client = organizations();
    const listed: Tag[] = [];
    let pages = 0;
    let NextToken: string | undefined;
    do {
      const page = await client.send(new ListTagsForResourceCommand({ ResourceId: idOf('member-09'), NextToken }));
      pages += 1;
      listed.push(...(page.Tags ?? []));
      NextToken = page.NextToken;
    } while (NextToken !== undefined);

    expect(pages).toBe(3);
    expect(listed).toEqual(manyTags);
  });

  it('answers TargetNotFoundException for an account outside the organization', async () => {
    const error = await rejection(organizations().send(new ListTagsForResourceCommand({ ResourceId: OUTSIDER })));

    expect(error).toBeInstanceOf(TargetNotFoundException);
  });
});

describe('Organizations called from other accounts', () => {
  it.each([
    { operation: 'ListAccounts', call: (client: OrganizationsClient) => client.send(new ListAccountsCommand({})) },
    {
      operation: 'ListTagsForResource',
      call: (client: OrganizationsClient) => client.send(new ListTagsForResourceCommand({ ResourceId: idOf('member-03') })),
    },
  ])('refuses $operation from a member that is not a delegated administrator with AccessDeniedException', async ({ call }) => {
    const member = await assumeMemberRole(sts(), idOf('member-02'));
    const error = await rejection(call(organizations(member)));

    expect(error).toBeInstanceOf(AccessDeniedException);
    expect(error.$metadata.httpStatusCode).toBe(403);
  });

  it('lists every account for a delegated administrator', async () => {
    const admin = await assumeMemberRole(sts(), idOf('member-10'));

    expect((await listAccounts(organizations(admin))).accounts).toHaveLength(21);
  });

  it('answers AWSOrganizationsNotInUseException to an account outside the organization, and to every caller of a fake with none', async () => {
    const outsider = await assumeMemberRole(sts(), OUTSIDER);
    const alone = await startFakeAws({});
    try {
      const errors = [
        await rejection(organizations(outsider).send(new DescribeOrganizationCommand({}))),
        await rejection(new OrganizationsClient(clientConfig(alone.endpoint, OWN)).send(new ListAccountsCommand({}))),
      ];

      for (const error of errors) {
        expect(error).toBeInstanceOf(AWSOrganizationsNotInUseException);
        expect(error.$metadata.httpStatusCode).toBe(404);
      }
    } finally {
      await alone.close();
    }
  });
});

describe('STS AssumeRole over the query protocol', () => {
  it.each([
    { role: 'refused by its trust policy', member: 'member-06' },
    { role: 'missing', member: 'member-08' },
  ])('refuses a role $role with AccessDenied, worded as AWS words it', async ({ member }) => {
    const error = await rejection(assumeMemberRole(sts(), idOf(member)));

    expect(error.name).toBe('AccessDenied');
    expect(error.message).toBe(
      `User: arn:aws:iam::${FAKE_ACCOUNT_ID}:user/fake-caller is not authorized to perform: sts:AssumeRole on resource: ${roleArn(idOf(member))}`,
    );
    expect(error.$metadata.httpStatusCode).toBe(403);
    expect(aws.take().errors).toEqual({ AccessDenied: 1 });
  });

  it('names the assumed role and session, and signs for sts', async () => {
    const { AssumedRoleUser } = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn(idOf('member-01')), RoleSessionName: 'aws-billing-to-datadog' }),
    );

    expect(AssumedRoleUser?.Arn).toBe(`arn:aws:sts::${idOf('member-01')}:assumed-role/${MEMBER_ROLE_NAME}/aws-billing-to-datadog`);
    expect(aws.take()).toMatchObject({ operations: { AssumeRole: 1 }, signing: { 'sts@us-east-1': 1 } });
  });

  it('refuses a session longer than the one hour a role allows by default', async () => {
    const error = await rejection(
      sts().send(new AssumeRoleCommand({ RoleArn: roleArn(idOf('member-01')), RoleSessionName: 'long', DurationSeconds: 7200 })),
    );

    expect(error.name).toBe('ValidationError');
    expect(error.$metadata.httpStatusCode).toBe(400);
  });

  it('answers an injected error as an XML ErrorResponse the SDK parses', async () => {
    aws.failOperation('AssumeRole', { type: 'Throttling', message: 'Rate exceeded', times: 1 });
    const error = await rejection(assumeMemberRole(sts(), idOf('member-01')));

    expect(error.name).toBe('Throttling');
    expect(error.message).toBe('Rate exceeded');
    await expect(assumeMemberRole(sts(), idOf('member-01'))).resolves.toMatchObject({ accessKeyId: expect.stringMatching(/^ASIA/) });
  });

  it("routes a query request by its Version: another service's AssumeRole is not STS's", async () => {
    const answer = await fetch(aws.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Action: 'AssumeRole', Version: '2010-05-08', RoleArn: roleArn(idOf('member-01')) }),
    });

    expect(answer.status).toBe(400);
    expect(await answer.json()).toMatchObject({ __type: 'UnknownOperationException' });
    expect(aws.take().errors).toEqual({ UnknownOperationException: 1 });
  });

  it('answers an STS action it does not serve with UnknownOperationException, in XML', async () => {
    const error = await rejection(sts().send(new GetSessionTokenCommand({})));

    expect(error.name).toBe('UnknownOperationException');
    expect(aws.take().operations).toEqual({ GetSessionToken: 1 });
  });

  it('says who the credentials act as: the own account, or the role of an AssumeRole session', async () => {
    const own = await sts().send(new GetCallerIdentityCommand({}));
    const member = await sts(await assumeMemberRole(sts(), idOf('member-01'))).send(new GetCallerIdentityCommand({}));

    expect(own).toMatchObject({ Account: FAKE_ACCOUNT_ID, Arn: `arn:aws:iam::${FAKE_ACCOUNT_ID}:user/fake-caller` });
    expect(own.UserId).toMatch(/^AIDA/);
    expect(member).toMatchObject({
      Account: idOf('member-01'),
      Arn: `arn:aws:sts::${idOf('member-01')}:assumed-role/${MEMBER_ROLE_NAME}/aws-billing-to-datadog`,
    });
  });
});

describe('Budgets answered as the account of the credentials', () => {
  it("refuses another account's AccountId with AccessDeniedException, for a member's role and for the management account alike", async () => {
    const member = await assumeMemberRole(sts(), idOf('member-01'));
    const errors = [
      await rejection(
        new BudgetsClient(clientConfig(aws.endpoint, member)).send(new DescribeBudgetsCommand({ AccountId: FAKE_ACCOUNT_ID })),
      ),
      await rejection(
        new BudgetsClient(clientConfig(aws.endpoint, OWN)).send(new DescribeBudgetsCommand({ AccountId: idOf('member-01') })),
      ),
    ];

    for (const error of errors) {
      expect(error).toBeInstanceOf(BudgetsAccessDenied);
      expect(error.message).toBe('You are not authorized to use this operation with the given parameters.');
      expect(error.$metadata.httpStatusCode).toBe(400);
    }
  });

  it("reads each member's budgets with that member's credentials only", async () => {
    const first = await assumeMemberRole(sts(), idOf('member-01'));
    const second = await assumeMemberRole(sts(), idOf('member-02'));

    expect(await budgetNames(aws.endpoint, first, idOf('member-01'))).toEqual(['m01-total', 'm01-ec2']);
    expect(await budgetNames(aws.endpoint, second, idOf('member-02'))).toEqual(['m02-total']);
  });
});

describe('startFakeAws with an organization', () => {
  it.each([
    { name: 'a management account that is not among the accounts', organization: { managementAccountId: '555555555555', accounts: [] } },
    { name: 'an empty page past the last account', organization: { accounts: [{ Id: FAKE_ACCOUNT_ID, Name: 'm' }], emptyPagesAt: [2] } },
    { name: 'an organization id AWS would not give', organization: { id: 'org-1', accounts: [{ Id: FAKE_ACCOUNT_ID, Name: 'm' }] } },
  ])('refuses $name', async ({ organization }) => {
    await expect(startFakeAws({ organization })).rejects.toThrow(RangeError);
  });

  it('refuses a role not named by an IAM role ARN', async () => {
    await expect(startFakeAws({ roles: [{ arn: 'reader' }] })).rejects.toThrow(/named by its ARN/);
  });

  it("refuses the own account's budgets seeded among the other accounts'", async () => {
    await expect(startFakeAws({ budgetsByAccount: { [FAKE_ACCOUNT_ID]: [] } })).rejects.toThrow(/not in `budgetsByAccount`/);
  });
});

describe('credentials expiry', () => {
  it("gives credentials the Expiration of the role's sessionSeconds, and refuses a request signed with them once expired as ExpiredTokenException", async () => {
    const member = '210000000099';
    const short = await startFakeAws({
      budgetsByAccount: { [member]: [cost('soon gone')] },
      roles: [{ arn: roleArn(member), sessionSeconds: 2 }],
    });
    try {
      const asked = Date.now();
      const credentials = await assumeMemberRole(new STSClient(clientConfig(short.endpoint, OWN)), member);
      // AWS gives whole seconds: within a second of two from now.
      expect(credentials.expiration!.getTime() - asked).toBeGreaterThan(1000);
      expect(credentials.expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 2000);
      expect(await budgetNames(short.endpoint, credentials, member)).toEqual(['soon gone']);

      await new Promise((resolve) => setTimeout(resolve, credentials.expiration!.getTime() - Date.now() + 50));
      const error = await rejection(budgetNames(short.endpoint, credentials, member));

      expect(error.name).toBe('ExpiredTokenException');
      expect(short.take().errors).toEqual({ ExpiredTokenException: 1 });
    } finally {
      await short.close();
    }
  });

  it('gives the Expiration DurationSeconds asks for when the role sets none, as AWS does', async () => {
    const asked = Date.now();
    const { Credentials } = await sts().send(
      new AssumeRoleCommand({ RoleArn: roleArn(idOf('member-01')), RoleSessionName: 'short', DurationSeconds: 900 }),
    );

    expect(Credentials!.Expiration!.getTime() - asked).toBeGreaterThan(899_000);
    expect(Credentials!.Expiration!.getTime()).toBeLessThanOrEqual(Date.now() + 900_000);
  });
});

describe('an organization of 10,000 generated accounts', () => {
  const COUNT = 10_000;
  const ids = Array.from({ length: COUNT }, (_, index) => (index === 0 ? FAKE_ACCOUNT_ID : String(300_000_000_000 + index)));
  const shared = [cost('team'), cost('platform')];
  let big: FakeAws;
  let made = 0;

  beforeAll(async () => {
    big = await startFakeAws({
      organization: {
        accounts: {
          count: COUNT,
          at: (index: number) => {
            made += 1;
            return { Id: ids[index], Name: `account ${index}` };
          },
          indexOf: (id: string) =>
            id === FAKE_ACCOUNT_ID ? 0 : /^3\d{11}$/.test(id) && Number(id) - 300_000_000_000 < COUNT ? Number(id) - 300_000_000_000 : -1,
        },
      },
      budgetsByAccount: (account) => (account.startsWith('3') ? shared : undefined),
      roleOf: (arn) => (arn.endsWith(`:role/${MEMBER_ROLE_NAME}`) ? { arn } : undefined),
    });
  });
  afterAll(async () => {
    await big.close();
  });

  it('makes no account before it is asked for, then lists all 10,000 in 500 pages of 20', async () => {
    expect(made).toBeLessThan(10);
    const { pages, accounts } = await listAccounts(new OrganizationsClient(clientConfig(big.endpoint, OWN)), 20);

    expect(pages).toHaveLength(COUNT / 20);
    expect(accounts.map((account) => account.Id)).toEqual(ids);
    expect(big.take().operations).toEqual({ ListAccounts: COUNT / 20 });
  });

  it("reads a generated member's budgets through a role found by roleOf", async () => {
    const member = ids[9_999];
    const credentials = await assumeMemberRole(new STSClient(clientConfig(big.endpoint, OWN)), member);

    expect(await budgetNames(big.endpoint, credentials, member)).toEqual(['team', 'platform']);
    expect(big.take().operations).toEqual({ AssumeRole: 1, DescribeBudgets: 1 });
  });
});

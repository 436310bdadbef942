/**
 * What an AWS Organization looks like through the real SDK clients (Organizations, STS,
 * Budgets), stated once and checked against two emulators: the project's fake AWS
 * (`test/fakes/organizations.test.ts`) and moto (`test/e2e/organizations-moto.test.ts`), so that
 * the fake's reading of the protocols is held to an emulator written by others. Only what both
 * implement is here; what moto lacks (AWS-FACTS.md: page size 20, refused roles, AccessDenied
 * from a member, empty pages) is tested against the fake alone.
 */
import { BudgetsClient, paginateDescribeBudgets } from '@aws-sdk/client-budgets';
import {
  DescribeOrganizationCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  paginateListAccounts,
  type Account,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';

/** Credentials as the SDK clients take them. */
export interface Credentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** The member role the collector assumes in each account (issue 13's default name). */
export const MEMBER_ROLE_NAME = 'aws-billing-to-datadog-reader';

/** One account of the organization under test. */
export interface ContractAccount {
  readonly name: string;
  /** @default ACTIVE */
  readonly state?: 'ACTIVE' | 'SUSPENDED';
  /** @default none */
  readonly tags?: readonly { readonly Key: string; readonly Value: string }[];
  /** Names of its COST budgets. @default none */
  readonly budgets?: readonly string[];
}

/**
 * The organization both emulators are seeded with: the management account and 20 members,
 * 21 accounts, two ListAccounts pages of at most 20. One member is suspended, one has a name
 * that is not ASCII, one has tags, and three have budgets.
 */
export const CONTRACT_ORGANIZATION: { readonly management: ContractAccount; readonly members: readonly ContractAccount[] } = {
  management: { name: 'management', budgets: ['org-total'] },
  members: Array.from({ length: 20 }, (_, index): ContractAccount => {
    const name = `member-${String(index + 1).padStart(2, '0')}`;
    if (index === 0) return { name, budgets: ['m01-total', 'm01-ec2'] };
    if (index === 1) return { name, budgets: ['m02-total'] };
    if (index === 2)
      return {
        name,
        tags: [
          { Key: 'team', Value: 'data' },
          { Key: 'cost-center', Value: 'cc-42' },
        ],
      };
    if (index === 4) return { name: 'Équipe données 東京', budgets: ['tokyo'] };
    if (index === 6) return { name, state: 'SUSPENDED' };
    return { name };
  }),
};

/** Every account of {@link CONTRACT_ORGANIZATION}, the management account first. */
export const CONTRACT_ACCOUNTS: readonly ContractAccount[] = [CONTRACT_ORGANIZATION.management, ...CONTRACT_ORGANIZATION.members];

/** An emulator seeded with {@link CONTRACT_ORGANIZATION}. */
export interface SeededOrganization {
  readonly endpoint: string;
  /** The management account's own credentials. */
  readonly credentials: Credentials;
  readonly organizationId: string;
  /** Account ids by {@link ContractAccount.name} (emulators choose their own ids). */
  readonly accountIds: ReadonlyMap<string, string>;
}

/** Client settings for an emulator on loopback: one attempt, so that an error shows at once. */
export function clientConfig(endpoint: string, credentials: Credentials) {
  return { endpoint, region: 'us-east-1', credentials, maxAttempts: 1 } as const;
}

/** Every account, page by page, through the SDK's paginator. */
export async function listAccounts(client: OrganizationsClient, pageSize?: number): Promise<{ pages: Account[][]; accounts: Account[] }> {
  const pages: Account[][] = [];
  for await (const page of paginateListAccounts({ client, pageSize }, {})) pages.push(page.Accounts ?? []);
  return { pages, accounts: pages.flat() };
}

/** Credentials of the member role in `accountId`, as the collector will assume it. */
export async function assumeMemberRole(sts: STSClient, accountId: string): Promise<Credentials> {
  const { Credentials } = await sts.send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${MEMBER_ROLE_NAME}`, RoleSessionName: 'aws-billing-to-datadog' }),
  );
  if (Credentials?.AccessKeyId === undefined || Credentials.SecretAccessKey === undefined)
    throw new Error('AssumeRole gave no credentials');
  return {
    accessKeyId: Credentials.AccessKeyId,
    secretAccessKey: Credentials.SecretAccessKey,
    sessionToken: Credentials.SessionToken,
    expiration: Credentials.Expiration,
  };
}

/** The names of an account's budgets, read with these credentials. */
export async function budgetNames(endpoint: string, credentials: Credentials, accountId: string): Promise<string[]> {
  const client = new BudgetsClient(clientConfig(endpoint, credentials));
  try {
    const names: string[] = [];
    for await (const page of paginateDescribeBudgets({ client }, { AccountId: accountId })) {
      for (const budget of page.Budgets ?? []) names.push(budget.BudgetName ?? '');
    }
    return names;
  } finally {
    client.destroy();
  }
}

/** The expectations both emulators must meet, as `it` blocks over the organization `seeded()` returns. */
export function organizationContract(seeded: () => SeededOrganization): void {
  const idOf = (name: string): string => {
    const id = seeded().accountIds.get(name);
    if (id === undefined) throw new Error(`no account named ${name}`);
    return id;
  };
  const organizations = () => new OrganizationsClient(clientConfig(seeded().endpoint, seeded().credentials));
  const sts = () => new STSClient(clientConfig(seeded().endpoint, seeded().credentials));

  describe('the organization, as the SDK sees it', () => {
    it('lists all 21 accounts in two pages of at most 20, each with the fields the collector reads', async () => {
      const { pages, accounts } = await listAccounts(organizations(), 20);

      expect(pages.map((page) => page.length)).toEqual([20, 1]);
      expect(accounts.map((account) => account.Id).sort()).toEqual([...seeded().accountIds.values()].sort());
      for (const account of accounts) {
        expect(account).toMatchObject({
          Arn: `arn:aws:organizations::${idOf('management')}:account/${seeded().organizationId}/${account.Id}`,
          Email: expect.stringContaining('@'),
          JoinedMethod: expect.stringMatching(/^(CREATED|INVITED)$/),
        });
        expect(account.JoinedTimestamp).toBeInstanceOf(Date);
      }
    });

    // The management account's name is the emulator's (moto names it "master"); members keep theirs.
    it("gives each member its name, non-ASCII intact, and each account its State: the suspended member's SUSPENDED", async () => {
      const { accounts } = await listAccounts(organizations(), 20);
      const byId = new Map(accounts.map((account) => [account.Id, account]));

      expect(CONTRACT_ORGANIZATION.members.map((member) => byId.get(idOf(member.name))?.Name)).toEqual(
        CONTRACT_ORGANIZATION.members.map((member) => member.name),
      );
      expect(CONTRACT_ACCOUNTS.map((account) => byId.get(idOf(account.name))?.State)).toEqual(
        CONTRACT_ACCOUNTS.map((account) => account.state ?? 'ACTIVE'),
      );
    });

    it("describes the organization: its id and the management account's id", async () => {
      const { Organization } = await organizations().send(new DescribeOrganizationCommand({}));

      expect(Organization).toMatchObject({ Id: seeded().organizationId, MasterAccountId: idOf('management'), FeatureSet: 'ALL' });
    });

    it("lists a member's tags, and none for an untagged member", async () => {
      const tagged = await organizations().send(new ListTagsForResourceCommand({ ResourceId: idOf('member-03') }));
      const untagged = await organizations().send(new ListTagsForResourceCommand({ ResourceId: idOf('member-04') }));

      expect(tagged.Tags).toEqual(CONTRACT_ORGANIZATION.members[2].tags);
      expect(untagged.Tags ?? []).toEqual([]);
    });
  });

  describe("members' budgets through their role", () => {
    it.each([
      { member: 'member-01', budgets: ['m01-total', 'm01-ec2'] },
      { member: 'Équipe données 東京', budgets: ['tokyo'] },
      { member: 'member-04', budgets: [] },
    ])('reads the budgets of $member with credentials from AssumeRole into its role', async ({ member, budgets }) => {
      const credentials = await assumeMemberRole(sts(), idOf(member));

      expect(credentials.accessKeyId).toMatch(/^ASIA/);
      expect(credentials.expiration?.getTime()).toBeGreaterThan(Date.now());
      expect((await budgetNames(seeded().endpoint, credentials, idOf(member))).sort()).toEqual([...budgets].sort());
    });

    it("reads the management account's own budgets with its own credentials", async () => {
      expect(await budgetNames(seeded().endpoint, seeded().credentials, idOf('management'))).toEqual(['org-total']);
    });

    it('describes the organization from a member, through its role', async () => {
      const credentials = await assumeMemberRole(sts(), idOf('member-02'));
      const { Organization } = await new OrganizationsClient(clientConfig(seeded().endpoint, credentials)).send(
        new DescribeOrganizationCommand({}),
      );

      expect(Organization).toMatchObject({ Id: seeded().organizationId, MasterAccountId: idOf('management') });
    });
  });
}

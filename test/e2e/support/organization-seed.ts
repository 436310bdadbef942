/**
 * An AWS Organization in moto, seeded through the real clients as the collector will read it:
 * the organization of the shared contract (test/support/organization-contract.ts: the management
 * account and 20 members, two ListAccounts pages; one member SUSPENDED, by `CloseAccount`, which
 * moto 5.2 answers by setting `State` to SUSPENDED; one member whose name is not ASCII; budgets in
 * the management account and in several members), with each budget's amounts distinct, and the
 * payer's `EstimatedCharges` for its linked accounts.
 *
 * moto keeps budgets per calling account: a member's are created with credentials from
 * `AssumeRole` into its role, as the collector will read them. moto lets anyone assume any role
 * (it does not enforce trust policies), so a refused role is the fault proxy's (`refuseAssumeRole`).
 */
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';
import {
  CONTRACT_ACCOUNTS,
  assumeMemberRole,
  type ContractAccount,
  type Credentials,
  type SeededOrganization,
} from '../../support/organization-contract';
import { TEST_CREDENTIALS, createCostBudget, motoClientConfig } from '../../support/seed';

/** One COST budget as seeded in an account: its amounts, distinct across the organization. */
export interface SeededBudget {
  readonly account: string;
  readonly name: string;
  readonly limit: string;
  readonly actual: string;
}

/** A seeded organization, with each account's budgets as created. */
export interface SeededOrganizationWithBudgets extends SeededOrganization {
  readonly budgets: readonly SeededBudget[];
}

/** The amounts of the `n`th budget seeded (from 0): exact decimals, none the same as another's. */
function amountsOf(n: number): { limit: string; actual: string } {
  return { limit: String(100 * (n + 1)), actual: `${n + 1}.25` };
}

/**
 * Creates the contract's organization in moto, in moto's default account (the management
 * account), with its members, their state and tags, and every account's budgets.
 */
export async function seedOrganization(endpoint: string): Promise<SeededOrganizationWithBudgets> {
  const client = new OrganizationsClient(motoClientConfig(endpoint));
  const sts = new STSClient(motoClientConfig(endpoint));
  try {
    const { Organization } = await client.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    const accountIds = new Map<string, string>([[CONTRACT_ACCOUNTS[0].name, MOTO_DEFAULT_ACCOUNT_ID]]);
    for (const [index, account] of CONTRACT_ACCOUNTS.slice(1).entries()) {
      const { CreateAccountStatus } = await client.send(
        new CreateAccountCommand({ AccountName: account.name, Email: `member-${index + 1}@example.com` }),
      );
      const id = CreateAccountStatus?.AccountId ?? '';
      accountIds.set(account.name, id);
      if (account.state === 'SUSPENDED') await client.send(new CloseAccountCommand({ AccountId: id }));
      if (account.tags !== undefined) await client.send(new TagResourceCommand({ ResourceId: id, Tags: [...account.tags] }));
    }
    const budgets: SeededBudget[] = [];
    for (const [index, account] of CONTRACT_ACCOUNTS.entries()) {
      const id = accountIds.get(account.name) ?? '';
      // The management account's own budgets are created with its own credentials.
      const credentials = index === 0 ? undefined : await assumeMemberRole(sts, id);
      for (const name of account.budgets ?? []) {
        const amounts = amountsOf(budgets.length);
        await createCostBudget(endpoint, id, { name, ...amounts }, credentials);
        budgets.push({ account: account.name, name, ...amounts });
      }
    }
    return { endpoint, credentials: TEST_CREDENTIALS, organizationId: Organization?.Id ?? '', accountIds, budgets };
  } finally {
    client.destroy();
    sts.destroy();
  }
}

/** Credentials of any role in moto (which lets anyone assume any role), as the function's own or the management role's. */
export async function assumeRole(endpoint: string, roleArn: string, sessionName = 'aws-billing-to-datadog'): Promise<Credentials> {
  const sts = new STSClient(motoClientConfig(endpoint));
  try {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName }));
    if (Credentials?.AccessKeyId === undefined || Credentials.SecretAccessKey === undefined)
      throw new Error(`AssumeRole into ${roleArn} gave no credentials`);
    return { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken };
  } finally {
    sts.destroy();
  }
}

/** The account of `name` in a seeded organization. */
export function accountIdOf(seeded: SeededOrganization, name: string): string {
  const id = seeded.accountIds.get(name);
  if (id === undefined) throw new Error(`the seeded organization has no account named ${name}`);
  return id;
}

/** The contract's account named `name`. */
export function contractAccount(name: string): ContractAccount {
  const account = CONTRACT_ACCOUNTS.find((candidate) => candidate.name === name);
  if (account === undefined) throw new Error(`the contract has no account named ${name}`);
  return account;
}

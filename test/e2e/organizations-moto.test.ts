/**
 * The organization contract (test/support/organization-contract.ts) against moto, the emulator
 * written by others: what the project's fake AWS answers for Organizations, STS and per-account
 * Budgets is what moto answers too, wherever moto implements it.
 */
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  OrganizationsClient,
  TagResourceCommand,
} from '@aws-sdk/client-organizations';
import { STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe } from 'vitest';
import { MOTO_DEFAULT_ACCOUNT_ID, startMoto, type MotoServer } from '../support/moto-server';
import { CONTRACT_ACCOUNTS, assumeMemberRole, organizationContract, type SeededOrganization } from '../support/organization-contract';
import { TEST_CREDENTIALS, createCostBudget, motoClientConfig } from '../support/seed';

let moto: MotoServer;
let seeded: SeededOrganization;

/** Seeds moto through the real clients: the organization, its members, their state, tags and budgets. */
async function seedOrganization(endpoint: string): Promise<SeededOrganization> {
  const client = new OrganizationsClient(motoClientConfig(endpoint));
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
    const sts = new STSClient(motoClientConfig(endpoint));
    for (const [index, account] of CONTRACT_ACCOUNTS.entries()) {
      const id = accountIds.get(account.name) ?? '';
      // moto keeps budgets per calling account: a member's are created through its role, as they will be read.
      const credentials = index === 0 ? undefined : await assumeMemberRole(sts, id);
      for (const name of account.budgets ?? []) await createCostBudget(endpoint, id, { name, limit: '100', actual: '1' }, credentials);
    }
    sts.destroy();
    return { endpoint, credentials: TEST_CREDENTIALS, organizationId: Organization?.Id ?? '', accountIds };
  } finally {
    client.destroy();
  }
}

beforeAll(async () => {
  moto = await startMoto();
  seeded = await seedOrganization(moto.endpoint);
});
afterAll(async () => {
  await moto?.stop();
});

describe('the organization contract, against moto', () => {
  organizationContract(() => seeded);
});

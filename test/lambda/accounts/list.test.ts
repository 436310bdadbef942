import {
  AccessDeniedException,
  ListAccountsCommand,
  ListTagsForResourceCommand,
  OrganizationsClient,
  type Account,
} from '@aws-sdk/client-organizations';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listAccounts, type ListAccountsOptions } from '../../../lambda/accounts/list';
import { AccessDeniedError, PagingError } from '../../../lambda/errors';
import type { CallCounter } from '../../../lambda/samples';

const organizations = mockClient(OrganizationsClient);
const client = new OrganizationsClient({ region: 'us-east-1' });

const account = (id: string, name: string, State: Account['State'] = 'ACTIVE'): Account => ({ Id: id, Name: name, State });

function options(overrides: Partial<ListAccountsOptions> = {}): ListAccountsOptions & { calls: CallCounter } {
  return { allowlist: [], denylist: [], tagKeys: [], concurrency: 2, calls: {}, ...overrides };
}

beforeEach(() => organizations.reset());

describe('listAccounts', () => {
  it('follows every page, an empty one with a NextToken included, asking for 20 a page', async () => {
    organizations
      .on(ListAccountsCommand, { NextToken: undefined })
      .resolves({ Accounts: [account('111111111111', 'a')], NextToken: 't1' })
      .on(ListAccountsCommand, { NextToken: 't1' })
      .resolves({ Accounts: [], NextToken: 't2' })
      .on(ListAccountsCommand, { NextToken: 't2' })
      .resolves({ Accounts: [account('222222222222', 'b')] });
    const given = options();

    const list = await listAccounts(client, given);

    expect(list.accounts).toEqual([
      { id: '111111111111', name: 'a', tags: [] },
      { id: '222222222222', name: 'b', tags: [] },
    ]);
    expect(given.calls).toEqual({ ListAccounts: 3 });
    expect(organizations.commandCalls(ListAccountsCommand).map((call) => call.args[0].input.MaxResults)).toEqual([20, 20, 20]);
  });

  it('keeps ACTIVE accounts by State alone, never the retired Status, and counts the others by state', async () => {
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [
        account('111111111111', 'active'),
        // The retired field says ACTIVE; State is what counts.
        { ...account('222222222222', 'suspended', 'SUSPENDED'), Status: 'ACTIVE' },
        account('333333333333', 'closing', 'PENDING_CLOSURE'),
        account('444444444444', 'closed', 'CLOSED'),
        account('555555555555', 'suspended too', 'SUSPENDED'),
      ],
    });

    const list = await listAccounts(client, options());

    expect(list.accounts.map((kept) => kept.id)).toEqual(['111111111111']);
    expect(list.skipped).toEqual({ suspended: 2, pending_closure: 1, closed: 1 });
  });

  it('reads only the allowlisted accounts and never the denylisted ones, counting each reason', async () => {
    organizations.on(ListAccountsCommand).resolves({
      Accounts: [account('111111111111', 'a'), account('222222222222', 'b'), account('333333333333', 'c')],
    });

    const list = await listAccounts(client, options({ allowlist: ['111111111111', '222222222222'], denylist: ['222222222222'] }));

    expect(list.accounts.map((kept) => kept.id)).toEqual(['111111111111']);
    expect(list.skipped).toEqual({ not_in_allowlist: 1, in_denylist: 1 });
  });

  it('reads each kept account’s tags, every page, keeping only the configured keys', async () => {
    organizations
      .on(ListAccountsCommand)
      .resolves({ Accounts: [account('111111111111', 'a'), account('222222222222', 'b', 'SUSPENDED')] })
      .on(ListTagsForResourceCommand, { ResourceId: '111111111111', NextToken: undefined })
      .resolves({
        Tags: [
          { Key: 'team', Value: 'data' },
          { Key: 'owner', Value: 'x' },
        ],
        NextToken: 'p2',
      })
      .on(ListTagsForResourceCommand, { ResourceId: '111111111111', NextToken: 'p2' })
      .resolves({ Tags: [{ Key: 'cost-center', Value: 'cc-42' }] });
    const given = options({ tagKeys: ['team', 'cost-center'] });

    const list = await listAccounts(client, given);

    expect(list.accounts).toEqual([
      {
        id: '111111111111',
        name: 'a',
        tags: [
          ['team', 'data'],
          ['cost-center', 'cc-42'],
        ],
      },
    ]);
    expect(given.calls).toEqual({ ListAccounts: 1, ListTagsForResource: 2 });
  });

  it('makes no ListTagsForResource call without tag keys', async () => {
    organizations.on(ListAccountsCommand).resolves({ Accounts: [account('111111111111', 'a')] });

    await listAccounts(client, options());

    expect(organizations.commandCalls(ListTagsForResourceCommand)).toHaveLength(0);
  });

  it('names organizations:ListAccounts when AWS denies it', async () => {
    organizations.on(ListAccountsCommand).rejects(new AccessDeniedException({ message: 'denied', $metadata: {} }));

    const error = await listAccounts(client, options()).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('organizations:ListAccounts');
  });

  it('stops a listing that hands back a token it gave before', async () => {
    organizations.on(ListAccountsCommand).resolves({ Accounts: [], NextToken: 'again' });

    await expect(listAccounts(client, options())).rejects.toBeInstanceOf(PagingError);
  });
});

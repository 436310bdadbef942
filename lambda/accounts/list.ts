/**
 * The accounts an organization-mode run reads: every page of `organizations:ListAccounts`, the
 * `ACTIVE` ones kept (by `State`: AWS has retired `Status`, which is never read), narrowed by the
 * allow and deny lists, each with its Organizations tags of the configured keys.
 */
import { ListAccountsCommand, ListTagsForResourceCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { LIST_ACCOUNTS_PAGE_SIZE, MAX_ORGANIZATION_ACCOUNTS, TAGS_PER_ACCOUNT } from '../billing-facts';
import { workQueue } from '../concurrency';
import { awsListing, followPages, pageCap } from '../paging';
import { increment, type CallCounter, type RawTag } from '../samples';
import { callNeeding } from '../sources/aws-errors';
import type { AwsClientConfig } from '../sources/source';

/** One account a run reads. */
export interface OrganizationAccount {
  readonly id: string;
  readonly name: string;
  /** Its Organizations tags whose keys are in `accountTagKeys`, raw (normalized with the series). */
  readonly tags: readonly RawTag[];
}

/** Why a listed account is not read, besides its state (`suspended`, ...): counted in the summary. */
export type AccountSkipReason = 'not_in_allowlist' | 'in_denylist';

export interface AccountList {
  /** The accounts to read, in the order AWS lists them. */
  readonly accounts: readonly OrganizationAccount[];
  /** Accounts listed but not read: by their `State` lowercased (`suspended`), or an {@link AccountSkipReason}. */
  readonly skipped: Record<string, number>;
}

/** The Organizations client, made by the pool of the account that lists (the management account's). */
export const ORGANIZATIONS_CLIENTS = { clients: { organizations: (config: AwsClientConfig) => new OrganizationsClient(config) } };

export interface ListAccountsOptions {
  /** Account ids to read; empty reads every active account. */
  readonly allowlist: readonly string[];
  readonly denylist: readonly string[];
  /** Organizations tag keys to keep; empty reads no tags (and makes no `ListTagsForResource` call). */
  readonly tagKeys: readonly string[];
  /** `ListTagsForResource` calls in flight at once. */
  readonly concurrency: number;
  readonly calls: CallCounter;
  readonly signal?: AbortSignal;
  /**
   * Given the accounts to read as each page (and their tags) arrives, so that reading them
   * overlaps the listing of the rest: at 10,000 accounts the listing alone is 500 round trips.
   */
  readonly onAccounts?: (accounts: readonly OrganizationAccount[]) => void;
  /**
   * Given the accounts listed but not read (suspended, or filtered out), by page: not read, they
   * still name their charges in the management account's data. Their tags are not read.
   */
  readonly onNotRead?: (accounts: readonly OrganizationAccount[]) => void;
}

const LIST_ACCOUNTS = 'organizations:ListAccounts';
const LIST_TAGS = 'organizations:ListTagsForResource';
const ACCOUNT_PAGES = awsListing('ListAccounts', pageCap(MAX_ORGANIZATION_ACCOUNTS, LIST_ACCOUNTS_PAGE_SIZE));
// AWS documents no page size for an account's tags: at worst one tag a page.
const TAG_PAGES = awsListing('ListTagsForResource', pageCap(TAGS_PER_ACCOUNT, 1));

/**
 * @throws AccessDeniedError naming the Organizations action the caller lacks; a run that cannot
 *   list its accounts reads none.
 */
export async function listAccounts(client: OrganizationsClient, options: ListAccountsOptions): Promise<AccountList> {
  const allowed = new Set(options.allowlist);
  const denied = new Set(options.denylist);
  const accounts: OrganizationAccount[] = [];
  const skipped: Record<string, number> = {};
  const keys = new Set(options.tagKeys);
  const listed = (page: readonly OrganizationAccount[]): void => {
    accounts.push(...page);
    options.onAccounts?.(page);
  };
  // An account's tags are read while the next pages are listed; it is handed on once they are in.
  const tagReads = workQueue<{ id: string; name: string }>(options.concurrency, async (account) => {
    const tags: RawTag[] = [];
    await followPages(TAG_PAGES, async (nextToken) => {
      increment(options.calls, 'ListTagsForResource');
      const request = new ListTagsForResourceCommand({ ResourceId: account.id, NextToken: nextToken });
      const page = await callNeeding(LIST_TAGS, () => client.send(request, { abortSignal: options.signal }));
      for (const { Key, Value } of page.Tags ?? []) if (Key !== undefined && keys.has(Key)) tags.push([Key, Value ?? '']);
      return page.NextToken;
    });
    listed([{ ...account, tags }]);
  });
  const listing = followPages(ACCOUNT_PAGES, async (nextToken) => {
    increment(options.calls, 'ListAccounts');
    const request = new ListAccountsCommand({ MaxResults: LIST_ACCOUNTS_PAGE_SIZE, NextToken: nextToken });
    const page = await callNeeding(LIST_ACCOUNTS, () => client.send(request, { abortSignal: options.signal }));
    // A page may be empty and still carry a NextToken.
    const kept: { id: string; name: string }[] = [];
    const notRead: OrganizationAccount[] = [];
    for (const account of page.Accounts ?? []) {
      const id = account.Id ?? '';
      const reason =
        account.State !== 'ACTIVE'
          ? (account.State ?? 'unknown').toLowerCase()
          : allowed.size > 0 && !allowed.has(id)
            ? 'not_in_allowlist'
            : denied.has(id)
              ? 'in_denylist'
              : undefined;
      if (reason === undefined) {
        kept.push({ id, name: account.Name ?? id });
      } else {
        increment(skipped, reason);
        notRead.push({ id, name: account.Name ?? id, tags: [] });
      }
    }
    if (notRead.length > 0) options.onNotRead?.(notRead);
    if (keys.size === 0) listed(kept.map((account) => ({ ...account, tags: [] })));
    else tagReads.add(kept);
    return page.NextToken;
  });
  // The tag reads already started finish either way; the listing's failure is the one to report.
  const listingFailure = await listing.then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const tagsFailure = await tagReads.finish().then(
    () => undefined,
    (error: unknown) => ({ error }),
  );
  const failure = listingFailure ?? tagsFailure;
  if (failure !== undefined) throw failure.error;
  return { accounts, skipped };
}

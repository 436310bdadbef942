/**
 * The account tags of organization mode: every sample gets `account_name`, naming the account
 * that owns the cost (the `linkedaccount` of a linked account's charges, otherwise the account
 * whose data was read, `account_id`), and that account's Organizations tags of the configured
 * keys. The Datadog layer normalizes them as every tag is.
 */
import { ACCOUNT_NAME_TAG_KEY } from '../metrics';
import type { RawTag, Sample } from '../samples';
import type { OrganizationAccount } from './list';

/** The accounts of the run by id, and the tags each one's samples get. */
export class AccountDirectory {
  private readonly tagsById = new Map<string, readonly RawTag[]>();

  /** Adds accounts as the listing gives them. */
  public add(accounts: Iterable<OrganizationAccount>): void {
    for (const account of accounts) this.tagsById.set(account.id, [[ACCOUNT_NAME_TAG_KEY, account.name], ...account.tags]);
  }

  /** The samples with the tags of the account that owns each one's cost; a sample of an account not listed is left as it is. */
  public tagged(samples: readonly Sample[]): Sample[] {
    return samples.map((sample) => {
      const owner = ownerOf(sample.tags);
      const added = owner === undefined ? undefined : this.tagsById.get(owner);
      return added === undefined ? sample : { ...sample, tags: [...sample.tags, ...added] };
    });
  }
}

/** The `linkedaccount` tag's account, else `account_id`'s. */
function ownerOf(tags: readonly RawTag[]): string | undefined {
  let accountId: string | undefined;
  for (const [key, value] of tags) {
    if (key === 'linkedaccount') return value;
    if (key === 'account_id') accountId = value;
  }
  return accountId;
}

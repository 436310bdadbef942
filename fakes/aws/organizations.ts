/**
 * AWS Organizations in the fake AWS: `ListAccounts`, `ListTagsForResource` (an account's tags)
 * and `DescribeOrganization`, answered as the caller's account may see them: the management
 * account and delegated administrators list accounts and tags; any member may describe the
 * organization; an account outside it gets `AWSOrganizationsNotInUseException`.
 * Wire protocol: AWS JSON 1.1, `X-Amz-Target: AWSOrganizationsV20161128.<Operation>`;
 * timestamps travel as epoch seconds. Accounts carry `State`, never the retired `Status`.
 *
 * Differences from AWS: error statuses follow the service model (`httpError`); tags are paged
 * 10 at a time (AWS documents no page size); only accounts are taggable resources.
 */
import { pageOffset, pageToken } from './paging';
import { awsJson } from './protocols';
import { AwsError, type AwsService, type FakeAccounts, type OperationContext, type OperationInput } from './service';

/** AWS's limits for Organizations: stated here on their own, so the fake checks the collector's. */
export const ORGANIZATIONS_LIMITS = {
  /** ListAccounts `MaxResults`: 1 to 20, 20 when absent. */
  maxAccountsPerPage: 20,
  /** Tags per ListTagsForResource page: the fake's choice, small enough that a tag loop pages. */
  tagsPerPage: 10,
} as const;

/** An account's `State` (the retired `Status` is not sent). */
export type AccountState = 'PENDING_ACTIVATION' | 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE' | 'CLOSED';

/** One tag, as Organizations writes it. */
export interface WireTag {
  readonly Key: string;
  readonly Value: string;
}

/** An account as the ListAccounts wire format carries it (`JoinedTimestamp` in epoch seconds). */
export interface WireAccount {
  readonly Id: string;
  readonly Arn: string;
  readonly Email: string;
  readonly Name: string;
  readonly State: AccountState;
  readonly JoinedMethod: 'INVITED' | 'CREATED';
  readonly JoinedTimestamp: number;
}

/** An account to seed: the wire format with `Arn` derived and the rest but `Id` and `Name` defaulted, plus its tags. */
export type AccountSeed = Pick<WireAccount, 'Id' | 'Name'> &
  Partial<Pick<WireAccount, 'Email' | 'State' | 'JoinedMethod' | 'JoinedTimestamp'>> & {
    /** @default none */
    readonly Tags?: readonly WireTag[];
  };

/**
 * Accounts made when asked for (the benchmark's 10,000), not held as a list: trusted as given,
 * where a seeded list is checked.
 */
export interface GeneratedAccounts {
  readonly count: number;
  /** The account at this position, from 0. */
  at(index: number): AccountSeed;
  /** The position of the account with this `Id`, or -1. */
  indexOf(id: string): number;
}

/** An organization to seed. */
export interface OrganizationSeed {
  /** `o-` and 10 to 32 lowercase letters or digits. @default `o-exampleorgid` */
  readonly id?: string;
  /** @default the fake's own account */
  readonly managementAccountId?: string;
  /**
   * Every account, the management account included, in the order ListAccounts lists them; or,
   * for an organization of thousands, accounts made when a page or a lookup asks for them.
   * Defaults: `Email` `aws+<Id>@example.com`, `State` `ACTIVE`, `JoinedMethod` `CREATED`,
   * `JoinedTimestamp` 2024-01-01 plus one day per position.
   */
  readonly accounts: readonly AccountSeed[] | GeneratedAccounts;
  /** Members that are delegated administrators: they list accounts and tags as the management account does. @default none */
  readonly delegatedAdministrators?: readonly string[];
  /**
   * Positions in `accounts` (0 to their count) where a ListAccounts page ends early and an
   * empty page carrying a `NextToken` follows, as AWS may send. At the count itself the
   * listing ends with that empty page and one more, without a token. @default none
   */
  readonly emptyPagesAt?: readonly number[];
}

/** The Organizations part of the fake's data. */
export interface OrganizationsSeed {
  /** @default none: every call answers `AWSOrganizationsNotInUseException` */
  readonly organization?: OrganizationSeed;
}

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const STATES: readonly string[] = ['PENDING_ACTIVATION', 'ACTIVE', 'SUSPENDED', 'PENDING_CLOSURE', 'CLOSED'];
const FIRST_JOINED = Date.UTC(2024, 0, 1) / 1000;
const DAY = 86_400;

// Messages as AWS words them (the service model's documentation of each error).
const NOT_IN_USE =
  "Your account isn't a member of an organization. To make this request, you must use the credentials of an account that belongs to an organization.";
const ACCESS_DENIED = "You don't have permissions to access this resource.";
const BAD_TOKEN =
  'INVALID_PAGINATION_TOKEN: You specified an invalid value for nextToken. You must get the value from the NextToken response parameter from a previous call to the operation.';

/** The Organizations service over this data. */
export function organizationsService(seed: OrganizationsSeed, accounts: FakeAccounts): AwsService {
  const org = seed.organization === undefined ? undefined : organizationOf(seed.organization, accounts.ownAccountId);

  /** The organization, when the caller belongs to it; with `admin`, only for the management account or a delegated administrator. */
  const visibleTo = ({ caller }: OperationContext, admin: boolean): Organization => {
    if (org === undefined || org.accountOf(caller.accountId) === undefined)
      throw new AwsError('AWSOrganizationsNotInUseException', NOT_IN_USE, 404);
    if (admin && !org.admins.has(caller.accountId)) throw new AwsError('AccessDeniedException', ACCESS_DENIED, 403);
    return org;
  };

  const listAccounts = (input: OperationInput, context: OperationContext): string => {
    const { count, listed, emptyAt } = visibleTo(context, true);
    const max = input.MaxResults === undefined ? ORGANIZATIONS_LIMITS.maxAccountsPerPage : Number(input.MaxResults);
    // Constraint violations are answered by AWS's request validation, before the service's own checks.
    if (!Number.isInteger(max) || max < 1 || max > ORGANIZATIONS_LIMITS.maxAccountsPerPage) {
      const bound = max < 1 ? 'greater than or equal to 1' : `less than or equal to ${ORGANIZATIONS_LIMITS.maxAccountsPerPage}`;
      throw new AwsError(
        'ValidationException',
        `1 validation error detected: Value '${String(input.MaxResults)}' at 'maxResults' failed to satisfy constraint: Member must have value ${bound}`,
      );
    }
    const { offset, resumed } = accountsPosition(input.NextToken);
    if (offset > count) throw new AwsError('InvalidInputException', BAD_TOKEN);
    if (!resumed && emptyAt.has(offset)) return JSON.stringify({ Accounts: [], NextToken: pageToken(RESUMED, offset) });
    let end = Math.min(offset + max, count);
    for (const at of emptyAt) if (at > offset && at < end) end = at;
    const more = end < count || (end > offset && emptyAt.has(end));
    return `{"Accounts":[${listed(offset, end).join(',')}]${more ? `,"NextToken":"${pageToken(ACCOUNTS, end)}"` : ''}}`;
  };

  const listTagsForResource = (input: OperationInput, context: OperationContext): string => {
    const { accountOf } = visibleTo(context, true);
    const id = input.ResourceId;
    if (typeof id !== 'string' || id === '') throw new AwsError('InvalidInputException', 'INVALID_INPUT: ResourceId is required.');
    const account = accountOf(id);
    if (account === undefined)
      throw new AwsError(
        'TargetNotFoundException',
        "We can't find a root, OU, account, or policy with the TargetId that you specified.",
        404,
      );
    let offset: number;
    try {
      offset = pageOffset(`tags${id}`, input.NextToken);
    } catch {
      throw new AwsError('InvalidInputException', BAD_TOKEN);
    }
    const tags = account.Tags ?? [];
    const next = offset + ORGANIZATIONS_LIMITS.tagsPerPage;
    return JSON.stringify({
      Tags: tags.slice(offset, next).map(({ Key, Value }) => ({ Key, Value })),
      ...(next < tags.length ? { NextToken: pageToken(`tags${id}`, next) } : {}),
    });
  };

  const describeOrganization = (_input: OperationInput, context: OperationContext): string =>
    JSON.stringify(visibleTo(context, false).described);

  return {
    protocol: awsJson({ targetPrefix: 'AWSOrganizationsV20161128', version: '1.1' }),
    operations: { ListAccounts: listAccounts, ListTagsForResource: listTagsForResource, DescribeOrganization: describeOrganization },
  };
}

/** A seeded organization, checked once. */
interface Organization {
  readonly count: number;
  /** The ListAccounts entries of positions `start` to `end` (excluded), as JSON text. */
  readonly listed: (start: number, end: number) => string[];
  readonly accountOf: (id: string) => AccountSeed | undefined;
  /** Accounts that may list: the management account and the delegated administrators. */
  readonly admins: ReadonlySet<string>;
  readonly emptyAt: ReadonlySet<number>;
  /** The DescribeOrganization answer. */
  readonly described: object;
}

const ACCOUNTS = 'accounts';
/** The token of an empty page: it resumes the listing at the same position. */
const RESUMED = 'accountsresumed';

function accountsPosition(token: unknown): { offset: number; resumed: boolean } {
  try {
    return { offset: pageOffset(ACCOUNTS, token), resumed: false };
  } catch {
    try {
      return { offset: pageOffset(RESUMED, token), resumed: true };
    } catch {
      throw new AwsError('InvalidInputException', BAD_TOKEN);
    }
  }
}

function organizationOf(seed: OrganizationSeed, ownAccountId: string): Organization {
  const id = seed.id ?? 'o-exampleorgid';
  const management = seed.managementAccountId ?? ownAccountId;
  if (!ORGANIZATION_ID.test(id)) throw new RangeError(`an organization id is o- and 10 to 32 lowercase letters or digits, got "${id}"`);
  const accounts = isGenerated(seed.accounts) ? seed.accounts : listedAccounts(seed.accounts);
  const admins = new Set([management, ...(seed.delegatedAdministrators ?? [])]);
  for (const admin of admins) {
    if (accounts.indexOf(admin) < 0)
      throw new RangeError(`account ${admin} (management or delegated administrator) is not among the organization's accounts`);
  }
  for (const at of seed.emptyPagesAt ?? []) {
    if (!Number.isInteger(at) || at < 0 || at > accounts.count)
      throw new RangeError(`emptyPagesAt holds positions 0 to ${accounts.count}, got ${at}`);
  }
  const arnOf = (account: string) => `arn:aws:organizations::${management}:account/${id}/${account}`;
  const wireAt = (index: number): WireAccount => {
    const account = accounts.at(index);
    return {
      Id: account.Id,
      Arn: arnOf(account.Id),
      Email: account.Email ?? `aws+${account.Id}@example.com`,
      Name: account.Name,
      State: account.State ?? 'ACTIVE',
      JoinedMethod: account.JoinedMethod ?? 'CREATED',
      JoinedTimestamp: account.JoinedTimestamp ?? FIRST_JOINED + index * DAY,
    };
  };
  // A seeded list is written out once; generated accounts are written when a page asks for them.
  const written = isGenerated(seed.accounts)
    ? undefined
    : Array.from({ length: accounts.count }, (_, index) => JSON.stringify(wireAt(index)));
  const listed = (start: number, end: number): string[] =>
    written?.slice(start, end) ?? Array.from({ length: end - start }, (_, offset) => JSON.stringify(wireAt(start + offset)));
  const accountOf = (account: string): AccountSeed | undefined => {
    const index = accounts.indexOf(account);
    return index < 0 ? undefined : accounts.at(index);
  };
  const managementIndex = accounts.indexOf(management);
  const managementEmail = wireAt(managementIndex).Email;
  return {
    count: accounts.count,
    listed,
    accountOf,
    admins,
    emptyAt: new Set(seed.emptyPagesAt ?? []),
    described: {
      Organization: {
        Id: id,
        Arn: `arn:aws:organizations::${management}:organization/${id}`,
        FeatureSet: 'ALL',
        MasterAccountArn: arnOf(management),
        MasterAccountId: management,
        MasterAccountEmail: managementEmail,
        AvailablePolicyTypes: [],
      },
    },
  };
}

/** The name of the seeded account `id`, looked up in a list or a generated organization alike. */
export function accountNamed(accounts: OrganizationSeed['accounts'], id: string): string | undefined {
  if (!isGenerated(accounts)) return accounts.find((account) => account.Id === id)?.Name;
  const index = accounts.indexOf(id);
  return index < 0 ? undefined : accounts.at(index).Name;
}

function isGenerated(accounts: OrganizationSeed['accounts']): accounts is GeneratedAccounts {
  return !Array.isArray(accounts);
}

/** A seeded list of accounts, checked once, as {@link GeneratedAccounts}. */
function listedAccounts(list: readonly AccountSeed[]): GeneratedAccounts {
  const positions = new Map<string, number>();
  list.forEach((account, index) => {
    if (!ACCOUNT_ID.test(account.Id)) throw new RangeError(`a seeded account's Id is 12 digits, got "${account.Id}"`);
    if (positions.has(account.Id)) throw new RangeError(`account ${account.Id} is seeded twice`);
    if (account.State !== undefined && !STATES.includes(account.State))
      throw new RangeError(`account ${account.Id} has no State "${account.State}"`);
    positions.set(account.Id, index);
  });
  return { count: list.length, at: (index) => list[index], indexOf: (account) => positions.get(account) ?? -1 };
}

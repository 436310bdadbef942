/**
 * One organization-mode read: the account list, the management account's `payer` sources, and
 * every account's `eachAccount` sources with that account's clients, at most
 * `accountConcurrency` accounts at once. Each account is isolated: one whose role is refused,
 * that stays throttled, or that does not answer within its time is counted as failed, with one
 * warning naming it and its fix, and the others are read. Samples leave as each account is read,
 * tagged with the owning account's name and tags, so nothing of an account is kept after it.
 */
import type { AwsClientSource } from '../aws-clients';
import { workQueue } from '../concurrency';
import type { Config } from '../config';
import { describeError, type SettingNamer } from '../errors';
import { shownValue } from '../secret-shape';
import { settingForStack } from '../settings';
import type { Logger } from '../log';
import { increment, type CallCounter, type Sample, type SkipReason, type SourceResult } from '../samples';
import { sourcesRunBy } from '../sources';
import type { Trigger } from '../trigger';
import type { RequestCap } from '../request-cap';
import type { RunEffects, Source } from '../sources/source';
import { AccountAccess, type OrganizationAccess } from './access';
import { AccountDirectory } from './account-tags';
import { accountError } from './failure';
import { listAccounts, ORGANIZATIONS_CLIENTS, type AccountList, type OrganizationAccount } from './list';

/** An account may hold a concurrency slot for at most this share of the run's AWS time. */
const ACCOUNT_TIME_SHARE = 10;

/**
 * The longest one account may take, from the time the run's AWS calls may take: a tenth, so
 * that a few accounts that never answer cannot hold every slot for the whole run (at least 1 s).
 */
export function accountTimeoutMs(awsMs: number): number {
  return Math.max(1_000, Math.floor(awsMs / ACCOUNT_TIME_SHARE));
}

export interface OrganizationReadInput {
  readonly config: Config;
  /** The function's own account, read with its own clients. */
  readonly ownAccountId: string;
  readonly ownClients: AwsClientSource;
  /** The rule that started the run: its sources are the ones read. */
  readonly trigger: Trigger;
  /** The run's cap on Cost Explorer's billed requests. */
  readonly costExplorerRequests: RequestCap;
  /** What the run may change besides its series (events, their state); absent in a dry run. */
  readonly effects?: RunEffects;
  readonly access: OrganizationAccess;
  readonly log: Logger;
  readonly calls: CallCounter;
  /** The run's signal: aborts every AWS call when the run must move on to sending. */
  readonly signal: AbortSignal;
  readonly now: Date;
  /** The longest one account may take, its role's credentials included. */
  readonly accountTimeoutMs: number;
  /** How the warnings name a setting. @default the function's */
  readonly nameSetting?: SettingNamer;
  /** Given the samples of each account (and of the payer sources), tagged, as soon as they are read. */
  readonly onSamples: (samples: Sample[]) => Promise<void>;
}

/** How many accounts were read, failed or skipped, for the summary and `collector.accounts`. */
export interface AccountCounts {
  readonly read: number;
  readonly failed: number;
  /** Listed but not read, by state (`suspended`) or reason (`in_denylist`). */
  readonly skipped: Record<string, number>;
  /** The ids of the accounts that failed. */
  readonly failedAccounts: string[];
}

export interface OrganizationRead {
  /** Absent when the run's sources needed no account list (`Source.namesAccounts`, all `payer`). */
  readonly accounts?: AccountCounts;
  /** Points skipped by the sources, by reason. */
  readonly skipped: Partial<Record<SkipReason, number>>;
  readonly newestDataTime?: Date;
  /** Errors of the run (a payer source that failed), described. */
  readonly errors: string[];
}

/**
 * @throws the error of the management role, or of the account list once the accounts it had
 *   already given are read (their data is sent: a later page's failure loses no earlier account).
 */
export async function readOrganization(input: OrganizationReadInput): Promise<OrganizationRead> {
  const { config, signal } = input;
  const access = new AccountAccess(config, input.ownAccountId, input.ownClients, input.access, input.calls);
  const management = await access.managementClients(signal);
  const directory = new AccountDirectory();
  const sources = sourcesRunBy(config, input.trigger);
  // The list is needed to read each account, or to name and tag the accounts of the payer sources'
  // samples; sources that name them themselves read the management account alone.
  const needsList = sources.some((source) => source.scope === 'eachAccount' || source.namesAccounts !== true);
  const run = {
    config,
    log: input.log,
    calls: input.calls,
    now: input.now,
    costExplorerRequests: input.costExplorerRequests,
    ...(input.effects === undefined ? {} : { effects: input.effects }),
  };
  const skipped: Partial<Record<SkipReason, number>> = {};
  const errors: string[] = [];
  let newestDataTime: Date | undefined;
  /** The errors of sources that sent only part of an account's data (its thresholds denied, say). */
  let partialAccounts = 0;
  let firstPartialError: string | undefined;
  const merge = (results: readonly SourceResult[], partErrors: unknown[] = []): Sample[] => {
    const samples: Sample[] = [];
    for (const result of results) {
      samples.push(...result.samples);
      partErrors.push(...(result.errors ?? []));
      for (const [reason, count] of Object.entries(result.skipped)) increment(skipped, reason as SkipReason, count);
      if (result.newestDataTime !== undefined && (newestDataTime === undefined || result.newestDataTime > newestDataTime)) {
        newestDataTime = result.newestDataTime;
      }
    }
    return samples;
  };

  const eachAccount = sources.filter((source) => source.scope === 'eachAccount');
  const counts = { read: 0, failed: 0, skipped: {} as Record<string, number>, failedAccounts: [] as string[] };
  const readAccount = async (account: OrganizationAccount): Promise<void> => {
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(input.accountTimeoutMs)]);
    let samples: Sample[];
    const partErrors: unknown[] = [];
    try {
      samples = merge(
        await readSources(eachAccount, await access.clientsOf(account.id, bounded), { ...run, accountId: account.id, signal: bounded }),
        partErrors,
      );
    } catch (error) {
      const failure = accountError(account, error, config.memberRoleName, bounded.aborted && !signal.aborted);
      const { problem, fix } = failure.namingSettings(input.nameSetting ?? settingForStack);
      counts.failed += 1;
      counts.failedAccounts.push(account.id);
      input.log.warn(fix === undefined ? problem : `${problem} ${fix}`, { accountId: account.id, failure: failure.failure });
      return;
    }
    counts.read += 1;
    // Read, but in part: one warning per error, and one line in the run's errors for them all, so
    // that thousands of accounts denied the same call do not make thousands of errors.
    for (const error of partErrors) {
      const described = describeError(error, input.nameSetting);
      firstPartialError ??= described;
      input.log.warn(`Account ${account.id} (${shownValue(account.name)}) was read in part: ${described}`, { accountId: account.id });
    }
    if (partErrors.length > 0) partialAccounts += 1;
    if (samples.length > 0) await input.onSamples(directory.tagged(samples));
  };
  // Each account is read as soon as its page is listed, while the payer sources read the
  // management account: the run takes about the longest of the three, not their sum.
  const accountReads = eachAccount.length === 0 ? undefined : workQueue(config.accountConcurrency, readAccount);
  const listing: Promise<AccountList> = !needsList
    ? Promise.resolve({ accounts: [], skipped: {} })
    : listAccounts(management.clientsFor(ORGANIZATIONS_CLIENTS).organizations, {
        allowlist: config.accountAllowlist ?? [],
        denylist: config.accountDenylist ?? [],
        tagKeys: config.accountTagKeys ?? [],
        concurrency: config.accountConcurrency,
        calls: input.calls,
        signal,
        onAccounts: (accounts) => {
          directory.add(accounts);
          accountReads?.add(accounts);
        },
        onNotRead: (accounts) => directory.add(accounts),
      });

  // The payer sources read the management account for the whole organization: their failure is
  // the run's, as in self mode, not one account's.
  const payer = Promise.allSettled(
    sources
      .filter((source) => source.scope === 'payer')
      .map((source) => source.collect(management.clientsFor(source), { ...run, accountId: access.managementAccountId, signal })),
  ).then(async (settled) => {
    for (const result of settled) if (result.status === 'rejected') errors.push(describeError(result.reason, input.nameSetting));
    const partErrors: unknown[] = [];
    const samples = merge(
      settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : [])),
      partErrors,
    );
    for (const error of partErrors) errors.push(describeError(error, input.nameSetting));
    // A linked account's name may be on the listing's last page.
    await listing.catch(() => undefined);
    if (samples.length > 0) await input.onSamples(directory.tagged(samples));
  });

  // The accounts already listed are read, and the payer's data sent, even when a later page fails.
  const listed = listing.catch((error: unknown) => ({ error }));
  const [list] = await Promise.all([listed, payer, listed.then(() => accountReads?.finish())]);
  if ('error' in list) throw list.error;
  counts.skipped = list.skipped;
  if (eachAccount.length === 0) counts.read = list.accounts.length;
  if (firstPartialError !== undefined) {
    errors.push(`${partialAccounts} account(s) were read only in part (one warning each); the first: ${firstPartialError}`);
  }
  return { ...(needsList ? { accounts: counts } : {}), skipped, ...(newestDataTime === undefined ? {} : { newestDataTime }), errors };
}

/** The sources of one account; the first failure is the account's, once every source has settled. */
async function readSources(
  sources: readonly Source[],
  clients: AwsClientSource,
  run: Parameters<Source['collect']>[1],
): Promise<SourceResult[]> {
  const settled = await Promise.allSettled(sources.map((source) => source.collect(clients.clientsFor(source), run)));
  const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return settled.map((result) => (result as PromiseFulfilledResult<SourceResult>).value);
}

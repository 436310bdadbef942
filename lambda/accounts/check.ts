/**
 * The check event: `{ "check": true }` makes the function try every account's role and read
 * one page of each source's data (each source's `probe`), with the run's concurrency bound, and
 * send nothing. A workstation cannot assume the member roles, which trust only the collector's
 * role, so the command-line tool's `check --function` invokes the function with this event and
 * prints its answer. A failing account is a row of the answer, never a thrown error; a function
 * that cannot list the accounts (misconfigured) throws.
 */
import type { AwsClientSource } from '../aws-clients';
import { runWithConcurrency } from '../concurrency';
import type { Config } from '../config';
import { textOf } from '../errors';
import { settingForStack } from '../settings';
import { enabledSources } from '../sources';
import { AccountAccess, type OrganizationAccess } from './access';
import { accountError } from './failure';
import { listAccounts, ORGANIZATIONS_CLIENTS } from './list';

/** The event that asks for a check instead of a run: its one home, for the handler and the tool. */
export const CHECK_EVENT = { check: true } as const;

/** Whether an invocation's event is {@link CHECK_EVENT}. */
export function isCheckEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { check?: unknown }).check === true;
}

/** One account's row: whether every enabled source could read it, else the problem and its fix. */
export interface AccountCheck {
  readonly id: string;
  readonly name: string;
  readonly ok: boolean;
  readonly problem?: string;
  readonly fix?: string;
}

/** The function's answer to the check event. */
export interface CheckAnswer {
  readonly accounts: readonly AccountCheck[];
}

export interface CheckInput {
  readonly config: Config;
  readonly ownAccountId: string;
  readonly ownClients: AwsClientSource;
  readonly access: OrganizationAccess;
  /** Aborts the AWS calls still running when the invocation must answer. */
  readonly signal: AbortSignal;
  /** The longest one account may take (`accountTimeoutMs`), as in a run. */
  readonly accountTimeoutMs: number;
}

/**
 * Every account's check, in the order AWS lists them. The management account probes every
 * enabled source; the others the sources read in each account.
 * @throws the error of the account list or the management role.
 */
export async function checkAccounts(input: CheckInput): Promise<CheckAnswer> {
  const { config, signal } = input;
  const calls = {};
  const access = new AccountAccess(config, input.ownAccountId, input.ownClients, input.access, calls);
  const management = await access.managementClients(signal);
  const list = await listAccounts(management.clientsFor(ORGANIZATIONS_CLIENTS).organizations, {
    allowlist: config.accountAllowlist ?? [],
    denylist: config.accountDenylist ?? [],
    tagKeys: [],
    concurrency: config.accountConcurrency,
    calls,
    signal,
  });
  const sources = enabledSources(config);
  const rows: AccountCheck[] = list.accounts.map((account) => ({ id: account.id, name: account.name, ok: true }));
  await runWithConcurrency([...rows.keys()], config.accountConcurrency, async (index) => {
    const row = rows[index];
    const probed = row.id === access.managementAccountId ? sources : sources.filter((source) => source.scope === 'eachAccount');
    let answer: AccountCheck = row;
    const bounded = AbortSignal.any([signal, AbortSignal.timeout(input.accountTimeoutMs)]);
    try {
      const clients = await access.clientsOf(row.id, bounded);
      for (const source of probed) {
        const probe = await source.probe(clients.clientsFor(source), row.id);
        if (!probe.ok) {
          answer = {
            ...row,
            ok: false,
            problem: probe.detail,
            ...(probe.fix === undefined ? {} : { fix: textOf(probe.fix, settingForStack) }),
          };
          break;
        }
      }
    } catch (error) {
      const failure = accountError({ ...row, tags: [] }, error, config.memberRoleName, bounded.aborted && !signal.aborted);
      answer = { ...row, ok: false, problem: failure.problem, ...(failure.fix === undefined ? {} : { fix: failure.fix }) };
    }
    rows[index] = answer;
  });
  return { accounts: rows };
}

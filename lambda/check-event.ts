/**
 * The check event and its answer, shared by the function and the command-line tool. A
 * workstation cannot assume the member roles, which trust only the collector's role, so
 * `check --function <name>` invokes the deployed function with {@link CHECK_EVENT}: the function
 * tries every account's role and budgets, sends nothing, and answers one row per account.
 */

/** The event that asks the function for a check instead of a run. */
export const CHECK_EVENT = { check: true } as const;

/** Whether an invocation's event is {@link CHECK_EVENT}. */
export function isCheckEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && (event as { check?: unknown }).check === true;
}

/** One account's row: readable, or the problem and its fix. */
export interface AccountCheck {
  readonly id: string;
  readonly name: string;
  readonly ok: boolean;
  readonly problem?: string;
  readonly fix?: string;
}

/** The function's answer to {@link CHECK_EVENT}. */
export interface CheckAnswer {
  readonly accounts: readonly AccountCheck[];
}

/**
 * The command-line tool's own errors, each tied to an exit code. Like the collector's errors,
 * which they extend, they carry what is wrong and what to do apart, and never carry a key.
 */
import { ActionableError, type ActionableErrorOptions } from '../lambda/errors';

/** Exit codes of every command. */
export const EXIT = {
  /** Everything the command set out to do succeeded. */
  ok: 0,
  /** Something failed while running: some or all of the work (a failed check, a refused request). */
  failure: 1,
  /** The command line or the configuration is wrong; nothing was attempted. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * A bad flag, a bad value or a missing setting, found before any AWS or Datadog call: exit code
 * 2. Several problems are listed one a line under one heading, so all can be fixed at once.
 */
export class UsageError extends ActionableError {
  public override readonly name = 'UsageError';
  constructor(
    /** One line per problem, each naming the flag or variable at fault. */
    public readonly problems: readonly string[],
    options?: ActionableErrorOptions,
  ) {
    super(
      problems.length === 1 ? problems[0] : `the configuration is not valid:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
      options,
    );
  }
}

/** A failure while running that stops the command (the account cannot be resolved, say): exit code 1. */
export class RunError extends ActionableError {
  public override readonly name = 'RunError';
}

/**
 * The command-line tool's own errors, each tied to an exit code. Like the collector's errors,
 * their messages say what is wrong and what to do, and never carry the API key.
 */

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

/** A bad flag, a bad value or a missing setting, found before any AWS or Datadog call. */
export class UsageError extends Error {
  public override readonly name = 'UsageError';
  constructor(
    /** One line per problem. */
    public readonly problems: readonly string[],
  ) {
    super(problems.join('; '));
  }
}

/** A failure while running that stops the command (the account cannot be resolved, say). */
export class RunError extends Error {
  public override readonly name = 'RunError';
  constructor(
    message: string,
    /** What to do about it. */
    public readonly fix?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * Runs one command line in-process, the way `cli/main.ts` does, and captures what it writes:
 * the fast path for tests that need no real process.
 */
import type { Io } from '../../cli/io';
import { runCli } from '../../cli/program';

export interface InProcessRun {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** @param env the whole environment the command sees; nothing of the test's own leaks in. */
export async function runInProcess(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<InProcessRun> {
  let out = '';
  let err = '';
  const io: Io = {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    errIsTty: false,
    env,
  };
  const code = await runCli(argv, io, '9.9.9');
  return { code, out, err };
}

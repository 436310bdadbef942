/**
 * The docs' runnable shell blocks, run as a newcomer runs them: in a fresh copy of the
 * repository (the files `git ls-files` lists, with `node_modules` linked rather than installed
 * again), each command in its own shell, each exit code and the output the marker expects
 * checked. A documented command whose behaviour changes fails here. The markers and what a
 * block may hold: `test/docs/runnable-blocks.ts`.
 *
 * Nothing can leave loopback: AWS is moto on 127.0.0.1, seeded with the demo's sample account
 * (as `npm run sandbox:moto` seeds it), with dummy credentials and no shared config; Datadog is
 * the loopback intake, with the key it accepts in DD_API_KEY, as a user would have exported them.
 * The demo starts its own fakes.
 */
import { execFile, spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, REFUSED_API_KEY } from '../../cli/demo/scenarios';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { sampleBudgets } from '../../cli/demo/sample-account';
import { startMotoGaps, type MotoWithGaps } from '../support/moto-gaps';
import { startMoto, type MotoServer } from '../support/moto-server';
import { seedSampleAccount } from '../support/sample-account-seed';
import { allRunnableBlocks } from '../docs/runnable-blocks';

const ROOT = resolve(__dirname, '..', '..');
/** The demo's four runs under load take about a minute. */
const BLOCK_TIMEOUT_MS = 240_000;

interface CommandRun {
  readonly code: number | null;
  readonly output: string;
}

/** One command line in bash, in `cwd`, stdout and stderr interleaved as a terminal shows them. */
function runCommand(command: string, cwd: string, env: NodeJS.ProcessEnv): Promise<CommandRun> {
  return new Promise((resolveRun, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolveRun({ code, output }));
  });
}

describe('the docs’ runnable shell blocks, in a fresh copy of the repository', () => {
  let copy: string;
  let env: NodeJS.ProcessEnv;
  let moto: MotoServer | undefined;
  let filled: MotoWithGaps | undefined;
  let intake: Intake | undefined;

  beforeAll(async () => {
    copy = await mkdtemp(join(tmpdir(), 'doc-blocks-'));
    const { stdout } = await promisify(execFile)('git', ['ls-files', '-z'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
    for (const file of stdout.split('\0').filter((name) => name !== '')) {
      await mkdir(dirname(join(copy, file)), { recursive: true });
      // A file deleted in the working tree but not yet from the index is not part of the copy.
      await copyFile(join(ROOT, file), join(copy, file)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    }
    await symlink(join(ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    moto = await startMoto();
    const now = new Date();
    await seedSampleAccount(moto.endpoint, now);
    // The sample budgets' notifications, for the operation moto lacks.
    filled = await startMotoGaps(moto.endpoint, { budgets: sampleBudgets(now) });
    intake = await startIntake({ apiKey: DEMO_API_KEY });
    env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TERM: 'dumb',
      NO_COLOR: '1',
      AWS_ENDPOINT_URL: filled.endpoint,
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_REGION: 'us-east-1',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
      AWS_EC2_METADATA_DISABLED: 'true',
      DD_API_URL: intake.url,
      DD_API_KEY: DEMO_API_KEY,
    };
  });
  afterAll(async () => {
    await Promise.all([moto?.stop(), intake?.close(), filled?.close()]);
    if (copy !== undefined) await rm(copy, { recursive: true, force: true });
  });

  it.each(allRunnableBlocks(ROOT).map((block) => [block.where, block] as const))(
    '%s runs as documented',
    async (_, block) => {
      let output = '';
      for (const [index, command] of block.commands.entries()) {
        const run = await runCommand(command, copy, env);
        output += run.output;
        expect({ command, code: run.code }, run.output).toEqual({ command, code: block.exits[index] });
      }
      for (const text of block.expects) expect(output, `${block.where}: the output holds ${JSON.stringify(text)}`).toContain(text);
      // What a newcomer sees never holds a key, not even the fakes' own.
      for (const key of [DEMO_API_KEY, REFUSED_API_KEY, TEST_API_KEY]) expect(output).not.toContain(key);
    },
    BLOCK_TIMEOUT_MS,
  );
});

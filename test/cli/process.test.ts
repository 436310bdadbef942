/**
 * The tool as a process, without any server: stdout holds only the command's output, exit
 * codes reach the shell, the SDK's Node-version notice stays silent, and the bin shim works.
 */
import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, baseEnv, closedPort, runCli } from './run-cli';

describe('the process', () => {
  it('prints help on stdout only and exits 0', async () => {
    const run = await runCli(['check', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: aws-billing-to-datadog check');
    expect(run.stderr).toBe('');
  });

  it('exits 2 on a bad flag, with the error on stderr and nothing on stdout', async () => {
    const run = await runCli(['estimate', '--schedule-minutes', 'often']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('--schedule-minutes');
  });

  it('exits 1 with the fix when AWS cannot be reached, and keeps the SDK’s Node-version notice off stderr', async () => {
    const port = await closedPort();
    const run = await runCli(['collect', '--dry-run'], {
      env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('Cannot resolve the AWS account with STS GetCallerIdentity');
    expect(run.stderr).toContain('fix: Give the tool AWS credentials');
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|Warning:/);
  });

  it('runs through the bin shim from any directory', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'cli/bin.js'), '--version'], {
      cwd: tmpdir(),
      env: baseEnv(),
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

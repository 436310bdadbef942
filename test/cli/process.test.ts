/**
 * The tool as a process: stdout holds only the command's output, exit codes reach the shell,
 * the SDK's Node-version notice stays silent, and the bin shim and the npm aliases work. The
 * only server is the loopback fake of Datadog's dashboard and monitor API.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TEST_APP_KEY, startFakeDatadogApi } from '../../fakes/datadog/api';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
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
    // AWS not answering is not a credentials problem: the fix names the endpoint.
    expect(run.stderr).toContain(`fix: Nothing answered at 127.0.0.1:${port} (ECONNREFUSED): check AWS_ENDPOINT_URL if it is set, DNS`);
    expect(run.stderr).not.toContain('Give the tool AWS credentials');
    expect(run.stderr).not.toMatch(/NodeVersionSupportWarning|Warning:/);
  });

  it('exits 1 saying the host does not resolve when AWS_ENDPOINT_URL names an unknown host', async () => {
    const run = await runCli(['collect', '--dry-run'], {
      env: { AWS_ENDPOINT_URL: 'http://aws.example.invalid', AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('fix: Nothing answered at aws.example.invalid (ENOTFOUND)');
  });

  it('exits 1 saying how to give the tool credentials when there are none', async () => {
    const port = await closedPort();
    // The endpoint is never reached: the credential chain fails first.
    const run = await runCli(['check'], { env: { AWS_ENDPOINT_URL: `http://127.0.0.1:${port}` } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ AWS credentials: Cannot resolve the AWS account with STS GetCallerIdentity: CredentialsProviderError');
    expect(run.stdout).toContain('fix: Give the tool AWS credentials: run "aws configure" or "aws sso login" for the default profile');
  });

  it('runs through the bin shim from any directory', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [join(REPO_ROOT, 'cli/bin.js'), '--version'], {
      cwd: tmpdir(),
      env: baseEnv(),
    });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('datadog apply --dry-run --json prints the plan as JSON against the loopback Datadog API, keys only in the environment', async () => {
    const datadog = await startFakeDatadogApi();
    try {
      const run = await runCli(['datadog', 'apply', '--dry-run', '--json', '--api-url', datadog.origin], {
        env: { DD_API_KEY: TEST_API_KEY, DD_APP_KEY: TEST_APP_KEY },
      });
      expect(run.code).toBe(0);
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toMatchObject({ apiOrigin: datadog.origin, dryRun: true, warnings: [] });
      expect(datadog.requests.length).toBeGreaterThan(0);
      expect(datadog.writes()).toEqual([]);
    } finally {
      await datadog.close();
    }
  });

  it('datadog apply exits 2 with error: and fix: when no key is set, and asks nothing of Datadog', async () => {
    const datadog = await startFakeDatadogApi();
    try {
      const run = await runCli(['datadog', 'apply', '--dry-run', '--json', '--api-url', datadog.origin]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(/^error: DD_API_KEY .* and DD_APP_KEY .* are not set\n {2}fix: Set both in the environment/);
      expect(datadog.requests).toEqual([]);
    } finally {
      await datadog.close();
    }
  });

  it('npm run datadog:generate is the datadog generate command', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'datadog-generate-'));
    try {
      await promisify(execFile)('npm', ['run', '-s', 'datadog:generate', '--', '--metric-prefix', 'acme.cost', '--out-dir', directory], {
        cwd: REPO_ROOT,
        env: baseEnv(),
      });
      expect(await readFile(join(directory, 'dashboard.json'), 'utf8')).toContain('AWS billing and budgets (acme.cost)');
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});

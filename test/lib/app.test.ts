/**
 * The app as the CDK CLI runs it: a bad context value, or a key that is no setting, stops it
 * with the message alone, and a way to fix it, rather than a stack trace.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const API_KEY = '0123456789abcdef0123456789abcdef';

describe('bin/app.ts', () => {
  it('exits 1 with the setting, the problem and the fix on stderr, and no stack trace, on a bad context value', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
      cwd: ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ datadogSite: 'datadog.com', schedule: 'rate(1 hour)' }) },
    });
    const failure = await run.then(
      () => undefined,
      (error: { code?: number; stderr?: string }) => error,
    );
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain('`datadogSite` "datadog.com" is not a Datadog site');
    expect(failure?.stderr).toContain('-c <key>=<value>');
    expect(failure?.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it.each([
    ['a context value', { apiKeySecretArn: API_KEY }],
    ['a context key', { [API_KEY]: 'x' }],
  ])(
    'exits 1 describing, never echoing, an API key pasted as %s',
    async (_case, context) => {
      const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'bin/app.ts'], {
        cwd: ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context) },
      });
      const failure = await run.then(
        () => undefined,
        (error: { code?: number; stderr?: string }) => error,
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain('a 32-character hex string, which looks like a Datadog API key');
      expect(failure?.stderr).not.toContain(API_KEY);
      expect(failure?.stderr).not.toMatch(/\n\s+at /);
    },
    60_000,
  );
});

/** `cdk synth` itself, as a user runs it: the CDK CLI adds context keys of its own. */
async function cdkSynth(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  const outDir = await mkdtemp(join(tmpdir(), 'app-test-synth-'));
  try {
    const run = promisify(execFile)(
      join(ROOT, 'node_modules', '.bin', 'cdk'),
      ['synth', '--no-notices', '--quiet', '-o', outDir, ...args],
      {
        cwd: ROOT,
        env: { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' },
      },
    );
    return await run.then(
      ({ stderr }) => ({ code: 0, stderr }),
      (error: { code?: number; stderr?: string }) => ({ code: error.code ?? -1, stderr: error.stderr ?? '' }),
    );
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

describe('cdk synth and the context keys', () => {
  it('refuses a misspelled key with exit 1, naming it and the setting meant', async () => {
    const { code, stderr } = await cdkSynth(['-c', 'metricprefix=custom.billing']);
    expect(code).toBe(1);
    expect(stderr).toContain('`metricprefix` is not a setting of this app; did you mean `metricPrefix`?');
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 120_000);

  it('synthesizes every stack of organization mode with no cdk-nag finding', async () => {
    const { code, stderr } = await cdkSynth([
      '-c',
      'accounts=organization',
      '-c',
      'accountTagKeys=team',
      '-c',
      'managementRoleArn=arn:aws:iam::111122223333:role/billing-reader',
      '-c',
      'memberRoleTargets=r-ab12',
      '-c',
      'collectorAccountId=444455556666',
    ]);
    expect(stderr).not.toContain('AwsSolutions');
    expect(code).toBe(0);
  }, 120_000);

  it("still synthesizes with the CDK's own keys (a feature flag and a cached lookup) beside real settings", async () => {
    const { code, stderr } = await cdkSynth([
      '-c',
      '@aws-cdk/core:newStyleStackSynthesis=true',
      '-c',
      'availability-zones:account=123456789012:region=us-east-1=["us-east-1a"]',
      '-c',
      'metricPrefix=custom.billing',
    ]);
    expect(stderr).not.toContain('is not a setting');
    expect(code).toBe(0);
  }, 120_000);
});

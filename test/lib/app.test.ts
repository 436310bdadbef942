/**
 * The app as the CDK CLI runs it: a bad context value stops it with the message alone, and a
 * way to fix it, rather than a stack trace.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

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
});

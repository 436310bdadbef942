import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runApply, runGenerate, type CliIo } from '../../tools/datadog/cli';
import { renderDatadogAssets } from '../../tools/datadog/render';
import { DASHBOARD_MARKER } from '../../tools/datadog/settings';
import { TEST_APP_KEY, startFakeDatadogApi, type FakeDatadogApi } from '../../fakes/datadog/api';
import { TEST_API_KEY } from '../../fakes/datadog/intake';

const repositoryRoot = join(__dirname, '..', '..');
const tsx = join(repositoryRoot, 'node_modules', '.bin', 'tsx');

interface Captured {
  readonly io: CliIo;
  readonly stdout: () => string;
  readonly stderr: () => string;
}

function capture(env: Record<string, string | undefined>, cwd?: string): Captured {
  let out = '';
  let err = '';
  return {
    io: { env, cwd, stdout: (text) => (out += text), stderr: (text) => (err += text) },
    stdout: () => out,
    stderr: () => err,
  };
}

let datadog: FakeDatadogApi;
let directory: string;

beforeEach(async () => {
  datadog = await startFakeDatadogApi();
  directory = await mkdtemp(join(tmpdir(), 'datadog-assets-'));
});

afterEach(async () => {
  await datadog.close();
  await rm(directory, { recursive: true, force: true });
});

const keys = { DD_API_KEY: TEST_API_KEY, DD_APP_KEY: TEST_APP_KEY };

describe('datadog:apply', () => {
  it('--dry-run prints the create plan, writes nothing and never prints a key', async () => {
    const run = capture({ ...keys, DD_API_URL: datadog.origin });

    const code = await runApply(['--dry-run'], run.io);

    expect(code).toBe(0);
    expect(run.stdout()).toMatch(/^Plan for http:\/\/127\.0\.0\.1:\d+:\n/);
    expect(run.stdout()).toContain('  would create dashboard "AWS billing and budgets (aws.billing)"\n');
    expect(run.stdout().match(/ {2}would create monitor {3}"\[aws\.billing\] [^"]+"\n/g)).toHaveLength(4);
    expect(run.stdout()).toContain('Dry run: 5 to create, 0 to update, nothing written.');
    expect(datadog.writes()).toEqual([]);
    for (const key of [TEST_API_KEY, TEST_APP_KEY]) expect(run.stdout() + run.stderr()).not.toContain(key);
  });

  it('applies, then --dry-run prints the update plan with the ids', async () => {
    const apply = capture({ ...keys, DD_API_URL: datadog.origin });
    expect(await runApply([], apply.io)).toBe(0);
    expect(apply.stdout()).toContain('Done: 5 created, 0 updated.');

    const plan = capture({ ...keys, DD_API_URL: datadog.origin });
    expect(await runApply(['--dry-run'], plan.io)).toBe(0);
    expect(plan.stdout()).toMatch(/would update dashboard "AWS billing and budgets \(aws\.billing\)" \(id \d{3}-\d{3}-\d{3}\)\n/);
    expect(plan.stdout().match(/would update monitor {3}"\[aws\.billing\] [^"]+" \(id \d+\)\n/g)).toHaveLength(4);
  });

  it('applies the settings it is given: prefix, schedule and notification handles', async () => {
    const run = capture({ ...keys, DD_API_URL: datadog.origin });

    const code = await runApply(['--prefix', 'acme.cost', '--schedule-minutes', '30', '--actual-share', '0.9', '--notify', '@slack-billing'], run.io);

    expect(code).toBe(0);
    const monitors = [...datadog.monitors.values()];
    expect(monitors.map((monitor) => monitor.name).every((name) => name.startsWith('[acme.cost] '))).toBe(true);
    expect(monitors.map((monitor) => monitor.query)).toContain('sum(last_90m):sum:acme.cost.collector.run{*} by {account_id} < 1');
    expect(monitors.every((monitor) => String(monitor.message).endsWith('@slack-billing'))).toBe(true);
  });

  it('names both missing keys in one message and calls nothing', async () => {
    const run = capture({ DD_API_URL: datadog.origin });

    expect(await runApply(['--dry-run'], run.io)).toBe(2);
    expect(run.stderr()).toContain('Set DD_API_KEY (a Datadog API key) and DD_APP_KEY');
    expect(datadog.requests).toEqual([]);
  });

  it('refuses a site Datadog does not have, and plain http to a host that is not loopback', async () => {
    const site = capture({ ...keys });
    expect(await runApply(['--site', 'datadoghq.org'], site.io)).toBe(2);
    expect(site.stderr()).toContain('"datadoghq.org" is not a Datadog site; use one of datadoghq.com');

    const url = capture({ ...keys, DD_API_URL: 'http://proxy.example:8080' });
    expect(await runApply([], url.io)).toBe(2);
    expect(url.stderr()).toContain('must use https');
  });

  it("reports Datadog's refusal of a key with what to check, and exit code 1", async () => {
    const run = capture({ DD_API_KEY: TEST_API_KEY, DD_APP_KEY: 'b'.repeat(40), DD_API_URL: datadog.origin });

    expect(await runApply(['--dry-run'], run.io)).toBe(1);
    expect(run.stderr()).toContain('answered 403');
    expect(run.stderr()).not.toContain('b'.repeat(40));
  });

  it('rejects a schedule that is not a whole number of minutes before doing anything', async () => {
    const run = capture({ ...keys, DD_API_URL: datadog.origin });

    expect(await runApply(['--schedule-minutes', '7.5'], run.io)).toBe(2);
    expect(run.stderr()).toContain('--schedule-minutes');
    expect(datadog.requests).toEqual([]);
  });
});

describe('datadog:generate', () => {
  it('writes the default files into the directory it is given', async () => {
    const run = capture({}, directory);

    expect(await runGenerate(['--out-dir', 'out'], run.io)).toBe(0);

    const expected = renderDatadogAssets({ metricPrefix: 'aws.billing', scheduleMinutes: 60, actualShareOfLimit: 0.8 });
    expect(await readFile(join(directory, 'out', 'dashboard.json'), 'utf8')).toBe(expected['dashboard.json']);
    expect(await readFile(join(directory, 'out', 'monitors.json'), 'utf8')).toBe(expected['monitors.json']);
    expect(run.stdout()).toBe(`Wrote ${join('out', 'dashboard.json')}\nWrote ${join('out', 'monitors.json')}\n`);
  });

  it('refuses a prefix the collector would refuse, naming the setting, with exit code 2', async () => {
    const run = capture({}, directory);

    expect(await runGenerate(['--prefix', '9lives'], run.io)).toBe(2);
    expect(run.stderr()).toContain('`metricPrefix` "9lives" must start with a letter');
  });
});

describe('the npm script entry points', () => {
  const exec = promisify(execFile);

  it('tools/datadog/generate.ts writes files for a custom prefix and schedule', async () => {
    await exec(tsx, [join(repositoryRoot, 'tools/datadog/generate.ts'), '--prefix', 'acme.cost', '--schedule-minutes', '15', '--out-dir', directory], {
      cwd: repositoryRoot,
    });

    const dashboard = JSON.parse(await readFile(join(directory, 'dashboard.json'), 'utf8')) as { title: string; description: string };
    expect(dashboard.title).toBe('AWS billing and budgets (acme.cost)');
    expect(dashboard.description).toContain(DASHBOARD_MARKER);
    expect(await readFile(join(directory, 'monitors.json'), 'utf8')).toContain('sum(last_45m):sum:acme.cost.collector.run{*}');
  });

  it('tools/datadog/apply-cli.ts --dry-run prints the plan and exits 0, keys only in the environment', async () => {
    const { stdout, stderr } = await exec(tsx, [join(repositoryRoot, 'tools/datadog/apply-cli.ts'), '--dry-run'], {
      cwd: repositoryRoot,
      env: { ...process.env, ...keys, DD_API_URL: datadog.origin },
    });

    expect(stdout).toContain('Dry run: 5 to create, 0 to update, nothing written.');
    for (const key of [TEST_API_KEY, TEST_APP_KEY]) expect(stdout + stderr).not.toContain(key);
    expect(datadog.writes()).toEqual([]);
  });

  it('tools/datadog/apply-cli.ts exits 2 without keys', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DD_API_URL: datadog.origin };
    delete env.DD_API_KEY;
    delete env.DD_APP_KEY;

    await expect(exec(tsx, [join(repositoryRoot, 'tools/datadog/apply-cli.ts')], { cwd: repositoryRoot, env })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('Set DD_API_KEY'),
    });
  });
});

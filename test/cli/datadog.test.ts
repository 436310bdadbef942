/**
 * `datadog generate` and `datadog apply` in-process, against the loopback fake of Datadog's
 * dashboard and monitor API: flags, exit codes, the `error:`/`fix:` format, and errors that
 * name the flag the user typed.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderDatadogAssets } from '../../tools/datadog/render';
import { monitorNames } from '../../tools/datadog/monitors';
import { DEFAULT_ASSET_SETTINGS } from '../../tools/datadog/settings';

/** Every monitor the project ships. */
const MONITOR_COUNT = Object.keys(monitorNames(DEFAULT_ASSET_SETTINGS.metricPrefix)).length;
import { TEST_APP_KEY, startFakeDatadogApi, type FakeDatadogApi } from '../../fakes/datadog/api';
import { TEST_API_KEY } from '../../fakes/datadog/intake';
import { runInProcess as run } from './in-process';

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
const apply = (...flags: string[]): string[] => ['datadog', 'apply', '--api-url', datadog.origin, ...flags];

describe('datadog apply', () => {
  it('--dry-run prints the create plan, writes nothing and never prints a key', async () => {
    const { code, out, err } = await run(apply('--dry-run'), keys);

    expect(code).toBe(0);
    expect(out).toMatch(/^Plan for http:\/\/127\.0\.0\.1:\d+:\n/);
    expect(out).toContain('  would create dashboard "AWS billing and budgets (aws.billing)"\n');
    expect(out.match(/ {2}would create monitor {3}"\[aws\.billing\] [^"]+"\n/g)).toHaveLength(MONITOR_COUNT);
    expect(out).toContain(`Dry run: ${1 + MONITOR_COUNT} to create, 0 to update, nothing written.`);
    expect(datadog.writes()).toEqual([]);
    for (const key of [TEST_API_KEY, TEST_APP_KEY]) expect(out + err).not.toContain(key);
  });

  it('applies, then --dry-run prints the update plan with the ids', async () => {
    const first = await run(apply(), keys);
    expect(first.code).toBe(0);
    expect(first.out).toContain(`Done: ${1 + MONITOR_COUNT} created, 0 updated.`);

    const plan = await run(apply('--dry-run'), keys);
    expect(plan.code).toBe(0);
    expect(plan.out).toMatch(/would update dashboard "AWS billing and budgets \(aws\.billing\)" \(id \d{3}-\d{3}-\d{3}\)\n/);
    expect(plan.out.match(/would update monitor {3}"\[aws\.billing\] [^"]+" \(id \d+\)\n/g)).toHaveLength(MONITOR_COUNT);
  });

  it('--json prints the plan as one JSON document on stdout', async () => {
    const { code, out } = await run(apply('--dry-run', '--json'), keys);

    expect(code).toBe(0);
    const plan = JSON.parse(out) as {
      apiOrigin: string;
      dryRun: boolean;
      steps: { kind: string; action: string; name: string }[];
      warnings: string[];
    };
    expect(plan.apiOrigin).toBe(datadog.origin);
    expect(plan.dryRun).toBe(true);
    expect(plan.steps.map((step) => `${step.action} ${step.kind}`)).toEqual([
      'create dashboard',
      ...Array<string>(MONITOR_COUNT).fill('create monitor'),
    ]);
    expect(plan.warnings).toEqual([]);
  });

  it('applies the settings it is given: prefix, schedules, share and notification handles', async () => {
    const { code } = await run(
      apply(
        '--metric-prefix',
        'acme.cost',
        '--schedule-minutes',
        '30',
        '--cost-explorer-schedule-minutes',
        '360',
        '--actual-share',
        '0.9',
        '--notify',
        '@slack-billing',
      ),
      keys,
    );

    expect(code).toBe(0);
    const monitors = [...datadog.monitors.values()];
    expect(monitors.map((monitor) => monitor.name).every((name) => name.startsWith('[acme.cost] '))).toBe(true);
    expect(monitors.map((monitor) => monitor.query)).toContain(
      'sum(last_90m):sum:acme.cost.collector.run{trigger:schedule} by {account_id} < 1',
    );
    expect(monitors.map((monitor) => monitor.query)).toContain(
      'sum(last_12h):sum:acme.cost.collector.run{trigger:cost_explorer,status:success} by {account_id} < 1',
    );
    expect(monitors.every((monitor) => String(monitor.message).endsWith('@slack-billing'))).toBe(true);
    // The share colours the dashboard; the monitors compare with each budget's own alert level.
    expect(JSON.stringify([...datadog.dashboards.values()])).toContain('"value":90,"palette":"white_on_yellow"');
  });

  it('still takes the deprecated --prefix, with a one-line warning on stderr', async () => {
    const { code, out, err } = await run(apply('--dry-run', '--prefix', 'acme.cost'), keys);

    expect(code).toBe(0);
    expect(out).toContain('"AWS billing and budgets (acme.cost)"');
    expect(err).toBe('warning: --prefix is deprecated; use --metric-prefix, which means the same\n');
  });

  it('refuses --prefix together with --metric-prefix', async () => {
    const { code, err } = await run(apply('--dry-run', '--prefix', 'a.b', '--metric-prefix', 'c.d'), keys);

    expect(code).toBe(2);
    expect(err).toContain("option '--prefix <prefix>' cannot be used with option '--metric-prefix <prefix>'");
  });

  it('exits 2 with error: and fix: naming both missing keys, before any request', async () => {
    const { code, out, err } = await run(apply('--dry-run'));

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toMatch(/^error: DD_API_KEY \(a Datadog API key\) and DD_APP_KEY \(.*\) are not set\n {2}fix: Set both in the environment/);
    expect(datadog.requests).toEqual([]);
  });

  it('names the one missing key when the other is set', async () => {
    const { code, err } = await run(apply('--dry-run'), { DD_API_KEY: TEST_API_KEY });

    expect(code).toBe(2);
    expect(err).toMatch(/^error: DD_APP_KEY \(.*\) is not set\n/);
    expect(err).not.toContain(TEST_API_KEY);
  });

  it('refuses a DD_API_KEY that is not a Datadog API key, without printing it', async () => {
    const wrongKey = TEST_APP_KEY;
    const { code, err } = await run(apply('--dry-run'), { DD_API_KEY: wrongKey, DD_APP_KEY: TEST_APP_KEY });

    expect(code).toBe(2);
    expect(err).toContain('error: DD_API_KEY does not hold a Datadog API key');
    expect(err).not.toContain(wrongKey);
    expect(datadog.requests).toEqual([]);
  });

  it.each([
    ['a share given as a percentage', ['--actual-share', '80'], '--actual-share must be a fraction above 0 and at most 1'],
    ['a share that is not a number', ['--actual-share', 'most'], "option '--actual-share <fraction>' argument 'most' is invalid"],
    ['a fractional schedule', ['--schedule-minutes', '7.5'], "option '--schedule-minutes <minutes>' argument '7.5' is invalid"],
    ['a prefix starting with a digit', ['--metric-prefix', '9lives'], '--metric-prefix "9lives" must start with a letter'],
    ['the same prefix through the deprecated flag', ['--prefix', '9lives'], '--prefix "9lives" must start with a letter'],
    ['a handle without @', ['--notify', 'slack-billing'], '--notify "slack-billing" is not a Datadog notification handle'],
    [
      'a site Datadog does not have',
      ['--site', 'datadoghq.org'],
      '--site (DD_SITE) "datadoghq.org" is not a Datadog site; use one of datadoghq.com',
    ],
  ])('refuses %s, naming the flag typed, with exit code 2 and no request', async (_case, flags, message) => {
    const { code, out, err } = await run(['datadog', 'apply', '--dry-run', ...flags], keys);

    expect(code).toBe(2);
    expect(out).toBe('');
    expect(err).toContain(message);
    expect(err).not.toMatch(/actualShareOfLimit|scheduleMinutes|metricPrefix/);
    expect(datadog.requests).toEqual([]);
  });

  it('refuses plain http to a host that is not loopback, from DD_API_URL', async () => {
    const { code, err } = await run(['datadog', 'apply'], { ...keys, DD_API_URL: 'http://proxy.example:8080' });

    expect(code).toBe(2);
    expect(err).toContain('error: --api-url (DD_API_URL) must use https');
  });

  it("reports Datadog's refusal of a key with error: and fix:, exit code 1, and no key", async () => {
    const wrongAppKey = 'b'.repeat(40);
    const { code, out, err } = await run(apply('--dry-run'), { DD_API_KEY: TEST_API_KEY, DD_APP_KEY: wrongAppKey });

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toMatch(/^error: GET \/api\/v1\/dashboard answered 403/);
    expect(err).toMatch(/\n {2}fix: Check that DD_API_KEY and DD_APP_KEY are keys of the same organization/);
    expect(err).not.toContain(wrongAppKey);
  });

  it('--verbose says each request and its answer on stderr, without the keys', async () => {
    const { code, err } = await run(apply('--dry-run', '--verbose'), keys);

    expect(code).toBe(0);
    expect(err).toMatch(/^info: metric prefix aws\.billing, a collector run every 60 minutes/);
    expect(err).toMatch(/^info: Datadog GET \/api\/v1\/dashboard\?count=100&start=0 answered 200 in \d+ ms$/m);
    expect(err).toMatch(/^info: Datadog GET \/api\/v1\/monitor\?.* answered 200 in \d+ ms$/m);
    for (const key of [TEST_API_KEY, TEST_APP_KEY]) expect(err).not.toContain(key);
  });

  it('--help lists the global flags and the keys, and hides the deprecated --prefix', async () => {
    const { code, out } = await run(['datadog', 'apply', '--help']);

    expect(code).toBe(0);
    for (const text of [
      '--dry-run',
      '--json',
      '--verbose',
      '--metric-prefix',
      '--site',
      '--api-url',
      '--actual-share',
      'DD_API_KEY',
      'DD_APP_KEY',
    ]) {
      expect(out).toContain(text);
    }
    expect(out).not.toContain('--prefix ');
    expect(out).not.toContain('--profile');
  });
});

describe('datadog generate', () => {
  it('writes the default files into the directory it is given', async () => {
    const { code, out } = await run(['datadog', 'generate', '--out-dir', directory]);

    expect(code).toBe(0);
    const expected = renderDatadogAssets(DEFAULT_ASSET_SETTINGS);
    expect(await readFile(join(directory, 'dashboard.json'), 'utf8')).toBe(expected['dashboard.json']);
    expect(await readFile(join(directory, 'monitors.json'), 'utf8')).toBe(expected['monitors.json']);
    const written = ['dashboard.json', 'monitors.json'].map((file) => relative(process.cwd(), join(directory, file)));
    expect(out).toBe(written.map((path) => `Wrote ${path}\n`).join(''));
  });

  it('--json lists the files written', async () => {
    const { code, out } = await run(['datadog', 'generate', '--json', '--metric-prefix', 'acme.cost', '--out-dir', directory]);

    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({
      files: ['dashboard.json', 'monitors.json'].map((file) => relative(process.cwd(), join(directory, file))),
    });
    expect(await readFile(join(directory, 'dashboard.json'), 'utf8')).toContain('AWS billing and budgets (acme.cost)');
  });

  it('refuses a prefix the collector would refuse, naming the flag, with exit code 2 and no file', async () => {
    const { code, err } = await run(['datadog', 'generate', '--metric-prefix', 'aws.billing.', '--out-dir', directory]);

    expect(code).toBe(2);
    expect(err).toContain('error: --metric-prefix "aws.billing." ends with "."');
    await expect(readFile(join(directory, 'dashboard.json'))).rejects.toThrow();
  });
});

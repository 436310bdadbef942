/**
 * `demo` as a user runs it: the real bundle against the fakes, as a process. Each scenario runs
 * once, before the tests that read its output.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DEMO_API_KEY, REFUSED_API_KEY } from '../../cli/demo/scenarios';
import { sampleBillingSeries, sampleBudgets } from '../../cli/demo/sample-account';
import { DEFAULTS } from '../../lambda/environment';
import { NoBillingMetricsError } from '../../lambda/errors';
import { metricName, type MetricKey } from '../../lambda/metrics';
import { monitorNames } from '../../tools/datadog/monitors';
import { CLI_ENTRY, REPO_ROOT, baseEnv, runCli, type CliRun } from './run-cli';

interface DemoDocument {
  readonly scenario: string;
  readonly datadog: {
    readonly requests: number;
    readonly accepted: number;
    readonly received: Record<string, { value: number; tags: string[] }[]>;
  };
  readonly summary: { readonly status: string; readonly errors: string[] };
  readonly errors: { readonly error: string; readonly fix?: string }[];
  readonly monitors: { readonly name: string; readonly judgement: { verdict: string; groups?: { group: string[]; alerts: boolean }[] } }[];
  readonly exitCode: number;
  readonly elapsedMs: number;
}

const name = (key: MetricKey): string => metricName(DEFAULTS.metricPrefix, key);
const monitors = monitorNames(DEFAULTS.metricPrefix);
const DEMO_TIMEOUT_MS = 90_000;

function demo(...args: string[]): Promise<CliRun> {
  return runCli(['demo', ...args], { timeoutMs: DEMO_TIMEOUT_MS });
}

function parse(run: CliRun): DemoDocument {
  return JSON.parse(run.stdout) as DemoDocument;
}

function expectNoKey(run: CliRun): void {
  for (const key of [DEMO_API_KEY, REFUSED_API_KEY]) {
    expect(run.stdout).not.toContain(key);
    expect(run.stderr).not.toContain(key);
  }
}

describe('demo, the sample account', () => {
  let run: CliRun;
  let document: DemoDocument;
  let foldersBefore: Set<string>;
  beforeAll(async () => {
    foldersBefore = new Set(demoFolders());
    run = await demo('--json');
    document = parse(run);
  }, DEMO_TIMEOUT_MS);

  it('exits 0 with a successful run, every series accepted by the intake', () => {
    expect(run.code).toBe(0);
    expect(document.exitCode).toBe(0);
    expect(document.summary.status).toBe('success');
    expect(document.datadog.accepted).toBe(document.datadog.requests);
  });

  it('shows the series Datadog received grouped by metric, as many as the sample data gives', () => {
    const costBudgets = sampleBudgets(new Date()).filter((budget) => budget.BudgetType === 'COST');
    const counts = Object.fromEntries(Object.entries(document.datadog.received).map(([metric, list]) => [metric, list.length]));
    expect(counts).toEqual({
      [name('estimatedCharges')]: sampleBillingSeries().length,
      [name('actualSpend')]: costBudgets.length,
      [name('forecastedSpend')]: costBudgets.filter((budget) => budget.CalculatedSpend?.ForecastedSpend !== undefined).length,
      [name('budgetLimit')]: costBudgets.length,
      // Each notification of a cost budget is a threshold and its alarm; every cost budget has both alert levels.
      [name('budgetThreshold')]: costBudgets.flatMap((budget) => budget.Notifications ?? []).length,
      [name('budgetAlert')]: costBudgets.flatMap((budget) => budget.Notifications ?? []).length,
      [name('budgetAlertLevel')]: costBudgets.length,
      [name('budgetForecastAlertLevel')]: costBudgets.length,
      [name('collectorRun')]: 1,
      [name('collectorSeries')]: 1,
      [name('collectorDuration')]: 1,
      [name('estimatedChargesAge')]: 1,
    });
  });

  it('says which shipped monitors would alert on these numbers, and which need history', () => {
    const verdicts = Object.fromEntries(document.monitors.map((monitor) => [monitor.name, monitor.judgement.verdict]));
    expect(verdicts).toEqual({
      [monitors.forecastAboveLimit]: 'alert',
      [monitors.actualNearLimit]: 'alert',
      [monitors.budgetAlertInAlarm]: 'alert',
      [monitors.collectorSilent]: 'needs history',
      [monitors.billingDataStale]: 'ok',
      // Organization mode's monitor: a collector of one account never sends collector.accounts.
      [monitors.accountsFailed]: 'no data',
      // A count of runs over two of the second rule's periods: one run cannot tell.
      [monitors.costExplorerRunMissing]: 'needs history',
      // The Cost Explorer source is off in the demo: no cost series.
      [monitors.forecastAboveLastMonth]: 'no data',
      [monitors.dailyCostSpike]: 'needs history',
    });
    const forecast = document.monitors.find((monitor) => monitor.name === monitors.forecastAboveLimit);
    expect(forecast?.judgement.groups?.filter((group) => group.alerts).map((group) => group.group)).toEqual([
      ['account_id:123456789012', 'budget_name:data_platform_planned'],
    ]);
  });

  it('prints no API key, and leaves no temporary folder behind', () => {
    expectNoKey(run);
    expect(demoFolders().filter((entry) => !foldersBefore.has(entry))).toEqual([]);
  });
});

describe('demo scenarios', () => {
  it(
    'billing-alerts-off: exits 1 as the run fails, with the no-billing-metrics error and its fix',
    async () => {
      const run = await demo('--scenario', 'billing-alerts-off', '--json');
      const document = parse(run);
      expect(run.code).toBe(1);
      expect(document.summary.status).not.toBe('success');
      expect(document.errors).toEqual([
        { error: `NoBillingMetricsError: ${new NoBillingMetricsError().problem}`, fix: new NoBillingMetricsError().fix },
      ]);
      // The health metrics still reach Datadog, so its monitors see the failed run.
      expect(document.datadog.received[name('collectorRun')]?.[0]?.tags).toContain('status:failure');
      expectNoKey(run);
    },
    DEMO_TIMEOUT_MS,
  );

  it(
    'key-refused: exits 1 as the run fails, with the 403, the fix, and no key in the text',
    async () => {
      const run = await demo('--scenario', 'key-refused');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain("The function's run failed");
      expect(run.stdout).toMatch(/^error: .*Datadog refused the API key \(403 Forbidden\)/m);
      expect(run.stdout).toMatch(/^ {2}fix: .*aws secretsmanager put-secret-value/m);
      expect(run.stdout).toMatch(/Demo ran in \d+\.\d s/);
      expectNoKey(run);
    },
    DEMO_TIMEOUT_MS,
  );

  it('refuses an unknown scenario with exit 2, naming the scenarios there are', async () => {
    const run = await demo('--scenario', 'organisation');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('sample, billing-alerts-off, key-refused');
  });
});

/** The demo's temporary folders in the system's temp directory. */
function demoFolders(): string[] {
  return readdirSync(tmpdir()).filter((entry) => entry.startsWith('billing-demo-') && !entry.startsWith('billing-demo-bundle-'));
}

/** Processes whose command line names `text` (esbuild writing into the folder, the function reading its bundle). */
function processesNaming(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(join('/proc', pid, 'cmdline'), 'utf8').replaceAll('\0', ' ');
      if (command.includes(text)) found.push(`${pid}: ${command}`);
    } catch {
      // Ended meanwhile.
    }
  }
  return found;
}

describe('demo on Ctrl-C', () => {
  it(
    'stops what it started, removes its folder and exits 130',
    async () => {
      const before = new Set(demoFolders());
      const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'demo'], { cwd: REPO_ROOT, env: baseEnv(), stdio: 'ignore' });
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      // Its folder appears once the demo has started its work (bundling, the fakes).
      let folder: string | undefined;
      const deadline = Date.now() + 30_000;
      while (folder === undefined && Date.now() < deadline) {
        folder = demoFolders().find((entry) => !before.has(entry) && entry.startsWith(`billing-demo-${child.pid}-`));
        if (folder === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(folder).toBeDefined();
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const path = join(tmpdir(), folder ?? '');
      expect(existsSync(path)).toBe(false);
      expect(processesNaming(path)).toEqual([]);
    },
    DEMO_TIMEOUT_MS,
  );
});

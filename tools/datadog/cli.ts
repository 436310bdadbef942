/**
 * The two small commands behind `npm run datadog:generate` and `npm run datadog:apply`. They
 * take their arguments, environment and output as parameters and return an exit code, so the
 * entry files stay one line long and the tests run the commands in-process.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError } from 'commander';
import { DEFAULTS } from '../../lambda/environment';
import { DATADOG_SITES, isDatadogSite, parseApiOrigin, siteApiOrigin } from '../../lambda/datadog/site';
import { DatadogSubmitError, InvalidSettingError } from '../../lambda/errors';
import { applyDatadogAssets, UnfindableAssetError, type ApplyResult, type ApplyStep } from './apply';
import { buildDashboard } from './dashboard';
import { buildMonitors } from './monitors';
import { ASSET_DIRECTORY, renderDatadogAssets } from './render';
import { DEFAULT_ASSET_SETTINGS, MAX_SCHEDULE_MINUTES, type MonitorSettings } from './settings';

/** Where a command reads its environment and writes its output. */
export interface CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Relative paths are resolved from here. @default process.cwd() */
  readonly cwd?: string;
  /** The HTTP client of `apply`. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/** The environment variables `apply` reads; Datadog's own names. */
export const APPLY_ENV = {
  apiKey: 'DD_API_KEY',
  appKey: 'DD_APP_KEY',
  site: 'DD_SITE',
  apiUrl: 'DD_API_URL',
} as const;

interface AssetFlags {
  readonly prefix: string;
  readonly scheduleMinutes: number;
  readonly actualShare: number;
  readonly notify?: string[];
}

/** `datadog:generate [--prefix p] [--schedule-minutes n] [--actual-share f] [--notify @h...] [--out-dir d]` */
export async function runGenerate(argv: readonly string[], io: CliIo): Promise<number> {
  const command = assetCommand('datadog:generate', io)
    .description('Write the Datadog dashboard and monitors JSON generated from the collector metric definitions.')
    .option('--out-dir <directory>', 'directory to write dashboard.json and monitors.json to', ASSET_DIRECTORY)
    .action(async (flags: AssetFlags & { outDir: string }) => {
      const directory = resolve(io.cwd ?? process.cwd(), flags.outDir);
      await mkdir(directory, { recursive: true });
      for (const [file, content] of Object.entries(renderDatadogAssets(settingsFrom(flags)))) {
        const path = join(directory, file);
        await writeFile(path, content);
        io.stdout(`Wrote ${relative(io.cwd ?? process.cwd(), path)}\n`);
      }
    });
  return run(command, argv, io);
}

/** `datadog:apply [--dry-run] [--site s] [--api-url u] [--prefix p] [--schedule-minutes n] ...` */
export async function runApply(argv: readonly string[], io: CliIo): Promise<number> {
  const command = assetCommand('datadog:apply', io)
    .description(
      'Create or update the dashboard and monitors in Datadog. Keys come from the environment: ' +
        `${APPLY_ENV.apiKey} and ${APPLY_ENV.appKey} (an application key that may write dashboards and monitors).`,
    )
    .option('--dry-run', 'print what would be created and updated, and change nothing')
    .option('--site <site>', `Datadog site (default: $${APPLY_ENV.site}, else ${DEFAULTS.site})`)
    .option('--api-url <origin>', `API origin overriding the site, for a proxy (default: $${APPLY_ENV.apiUrl})`)
    .action(async (flags: AssetFlags & { dryRun?: boolean; site?: string; apiUrl?: string }) => {
      const settings = settingsFrom(flags);
      const dashboard = buildDashboard(settings);
      const monitors = buildMonitors(settings);
      const apiOrigin = resolveApiOrigin(flags, io.env);
      const keys = readKeys(io.env);
      const result = await applyDatadogAssets({ apiOrigin, ...keys, dashboard, monitors, dryRun: flags.dryRun ?? false, fetch: io.fetch });
      io.stdout(formatResult(result, apiOrigin));
      for (const warning of result.warnings) io.stderr(`Warning: ${warning}\n`);
    });
  return run(command, argv, io);
}

/** Renders a plan or its outcome, one line per dashboard or monitor. */
export function formatResult(result: ApplyResult, apiOrigin: string): string {
  const verb = (step: ApplyStep): string =>
    result.dryRun ? `would ${step.action}` : step.action === 'create' ? 'created' : 'updated';
  const lines = result.steps.map(
    (step) => `  ${verb(step).padEnd(12)} ${step.kind.padEnd(9)} "${step.name}"${step.id === undefined ? '' : ` (id ${step.id})`}`,
  );
  const count = (action: ApplyStep['action']): number => result.steps.filter((step) => step.action === action).length;
  const summary = result.dryRun
    ? `Dry run: ${count('create')} to create, ${count('update')} to update, nothing written. Run again without --dry-run to apply.`
    : `Done: ${count('create')} created, ${count('update')} updated.`;
  const heading = result.dryRun ? `Plan for ${apiOrigin}:` : `Applied to ${apiOrigin}:`;
  return `${[heading, ...lines, summary].join('\n')}\n`;
}

/** The options both commands share: the settings the JSON is generated from. */
function assetCommand(name: string, io: CliIo): Command {
  return new Command(name)
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .option('--prefix <prefix>', 'metric prefix the collector sends under (its METRIC_PREFIX)', DEFAULT_ASSET_SETTINGS.metricPrefix)
    .option(
      '--schedule-minutes <minutes>',
      "minutes between two collector runs (the stack's schedule)",
      wholeMinutes,
      DEFAULT_ASSET_SETTINGS.scheduleMinutes,
    )
    .option(
      '--actual-share <fraction>',
      'share of a budget limit that actual spend may reach before a monitor alerts',
      fraction,
      DEFAULT_ASSET_SETTINGS.actualShareOfLimit,
    )
    .option('--notify <handles...>', 'notification handles added to every monitor message, such as @slack-billing');
}

async function run(command: Command, argv: readonly string[], io: CliIo): Promise<number> {
  try {
    await command.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (error) {
    // The exit codes of the command-line tool: 2 for usage or configuration, 1 for a failure
    // while running. Commander has already printed its own usage errors and help.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    if (error instanceof InvalidSettingError || error instanceof UsageError) {
      io.stderr(`${error.message}\n`);
      return 2;
    }
    if (error instanceof DatadogSubmitError || error instanceof UnfindableAssetError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** A missing key or a bad site: said once, with the fix. */
class UsageError extends Error {
  public override readonly name = 'UsageError';
}

function settingsFrom(flags: AssetFlags): MonitorSettings {
  return {
    metricPrefix: flags.prefix.trim(),
    scheduleMinutes: flags.scheduleMinutes,
    actualShareOfLimit: flags.actualShare,
    notify: flags.notify ?? [],
  };
}

function resolveApiOrigin(flags: { site?: string; apiUrl?: string }, env: CliIo['env']): string {
  const apiUrl = flags.apiUrl ?? nonEmpty(env[APPLY_ENV.apiUrl]);
  if (apiUrl !== undefined) {
    const parsed = parseApiOrigin(apiUrl);
    if ('problem' in parsed) throw new UsageError(`The API URL ${parsed.problem}`);
    return parsed.origin;
  }
  const site = flags.site ?? nonEmpty(env[APPLY_ENV.site]) ?? DEFAULTS.site;
  if (!isDatadogSite(site)) throw new UsageError(`"${site}" is not a Datadog site; use one of ${DATADOG_SITES.join(', ')}`);
  return siteApiOrigin(site);
}

function readKeys(env: CliIo['env']): { apiKey: string; appKey: string } {
  const apiKey = nonEmpty(env[APPLY_ENV.apiKey]);
  const appKey = nonEmpty(env[APPLY_ENV.appKey]);
  const missing = [
    ...(apiKey === undefined ? [`${APPLY_ENV.apiKey} (a Datadog API key)`] : []),
    ...(appKey === undefined ? [`${APPLY_ENV.appKey} (an application key that may write dashboards and monitors)`] : []),
  ];
  if (apiKey === undefined || appKey === undefined) {
    throw new UsageError(`Set ${missing.join(' and ')} in the environment; Organization Settings in Datadog lists both kinds of key`);
  }
  return { apiKey, appKey };
}

function nonEmpty(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function wholeMinutes(value: string): number {
  const minutes = Number(value);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SCHEDULE_MINUTES) {
    throw new InvalidArgumentError(`give a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES}`);
  }
  return minutes;
}

function fraction(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !Number.isFinite(share)) throw new InvalidArgumentError('give a fraction such as 0.8 for 80 %');
  return share;
}

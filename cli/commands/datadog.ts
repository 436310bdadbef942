/**
 * `datadog generate` and `datadog apply`: the dashboard and monitors of `tools/datadog`, with
 * the tool's global flags, exit codes and error format. The settings come from flags, checked
 * by `tools/datadog/settings.ts` and reported under the flag the user typed; the keys come from
 * the environment only, as for `collect`, so they stay out of shell history.
 */
import { shownValue } from '../../lambda/secret-shape';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { HttpExchange } from '../../lambda/datadog/http';
import { DATADOG_SITES, isDatadogSite, parseApiOrigin, siteApiOrigin } from '../../lambda/datadog/site';
import { DEFAULTS } from '../../lambda/environment';
import { ApiKeyError, InvalidSettingError } from '../../lambda/errors';
import { applyDatadogAssets, type ApplyResult, type ApplyStep } from '../../tools/datadog/apply';
import { buildDashboard } from '../../tools/datadog/dashboard';
import { buildMonitors } from '../../tools/datadog/monitors';
import { ASSET_DIRECTORY, renderDatadogAssets } from '../../tools/datadog/render';
import { checkMonitorSettings, DEFAULT_ASSET_SETTINGS, MAX_SCHEDULE_MINUTES, type MonitorSettings } from '../../tools/datadog/settings';
import { checkEnvironmentKey } from '../api-key';
import { EXIT, UsageError, type ExitCode } from '../errors';
import type { Io } from '../io';
import { datadogRequestLine } from '../network';
import { refusingKeyFlags, settingOption, withSettingFlags } from '../setting-flags';
import { CLI_ENV } from '../settings';

/** The application key `apply` needs besides the API key ({@link CLI_ENV}`.apiKey`); Datadog's own name. */
export const APP_KEY_ENV = 'DD_APP_KEY';

/** The flag of each asset setting, to name it in errors: a setting left out here fails to compile. */
const FLAG_OF_SETTING: Readonly<Record<keyof MonitorSettings, string>> = {
  metricPrefix: '--metric-prefix',
  scheduleMinutes: '--schedule-minutes',
  costExplorerScheduleMinutes: '--cost-explorer-schedule-minutes',
  actualShareOfLimit: '--actual-share',
  notify: '--notify',
};

/** The old name of `--metric-prefix`, still accepted with a warning. */
const DEPRECATED_PREFIX_FLAG = '--prefix';

/** The options both commands take, as commander parses them. */
interface AssetOptions {
  readonly json?: boolean;
  readonly verbose?: boolean;
  readonly metricPrefix: string;
  /** `--prefix`, the deprecated alias. */
  readonly prefix?: string;
  readonly scheduleMinutes: number;
  readonly costExplorerScheduleMinutes: number;
  readonly actualShare: number;
  readonly notify?: string[];
}

interface GenerateOptions extends AssetOptions {
  readonly outDir: string;
}

interface ApplyOptions extends AssetOptions {
  readonly dryRun?: boolean;
  readonly site?: string;
  readonly apiUrl?: string;
}

/**
 * Adds `datadog generate` and `datadog apply` to the program.
 * @param setExitCode receives the exit code of a command that ran to its end; errors are thrown
 *   to the program, which prints them and picks their exit code.
 */
export function addDatadogCommands(program: Command, io: Io, setExitCode: (code: ExitCode) => void): void {
  const datadog = program
    .command('datadog')
    .description("Generate or apply the Datadog dashboard and monitors built from the collector's metric definitions.");

  withAssetOptions(
    datadog
      .command('generate')
      .description('Write the dashboard and monitors JSON for these settings (the committed files are the defaults).')
      .option('--out-dir <directory>', 'directory to write dashboard.json and monitors.json to', ASSET_DIRECTORY),
  )
    .addHelpText('after', GENERATE_HELP)
    .action(async (_options: unknown, command: Command) => {
      setExitCode(await runGenerate(command, io));
    });

  withAssetOptions(
    withSettingFlags(
      datadog
        .command('apply')
        .description('Create or update the dashboard and monitors in Datadog; --dry-run only shows the plan.')
        .option('--dry-run', 'read what exists and print the plan; create and update nothing'),
      ['datadogSite', 'apiUrl'],
    ),
  )
    .addHelpText('after', APPLY_HELP)
    .action(async (_options: unknown, command: Command) => {
      setExitCode(await runApply(command, io));
    });
}

function withAssetOptions(command: Command): Command {
  return refusingKeyFlags(command)
    .option('--json', 'print one JSON document on stdout instead of text')
    .option('--verbose', 'also say on stderr what the command does (the settings, each request and its answer)')
    .addOption(settingOption('metricPrefix').default(DEFAULT_ASSET_SETTINGS.metricPrefix))
    .addOption(new Option(`${DEPRECATED_PREFIX_FLAG} <prefix>`, 'deprecated: use --metric-prefix').hideHelp().conflicts('metricPrefix'))
    .option(
      '--schedule-minutes <minutes>',
      "minutes between two collector runs (the stack's schedule)",
      wholeMinutes,
      DEFAULT_ASSET_SETTINGS.scheduleMinutes,
    )
    .option(
      '--cost-explorer-schedule-minutes <minutes>',
      "minutes between two Cost Explorer runs (the period of the stack's costExplorerSchedule)",
      wholeMinutes,
      DEFAULT_ASSET_SETTINGS.costExplorerScheduleMinutes,
    )
    .option(
      '--actual-share <fraction>',
      "share of a budget limit at which the dashboard's utilization turns yellow (the monitors compare with each budget's own alert level)",
      fraction,
      DEFAULT_ASSET_SETTINGS.actualShareOfLimit,
    )
    .option('--notify <handles...>', 'notification handles added to every monitor message, such as @slack-billing');
}

async function runGenerate(command: Command, io: Io): Promise<ExitCode> {
  const options = command.opts<GenerateOptions>();
  const settings = assetSettings(command, io);
  const directory = resolve(options.outDir);
  await mkdir(directory, { recursive: true });
  const written: string[] = [];
  for (const [file, content] of Object.entries(renderDatadogAssets(settings))) {
    const path = join(directory, file);
    await writeFile(path, content);
    written.push(relative(process.cwd(), path));
  }
  io.out(options.json ? `${JSON.stringify({ files: written }, null, 2)}\n` : written.map((path) => `Wrote ${path}\n`).join(''));
  return EXIT.ok;
}

async function runApply(command: Command, io: Io): Promise<ExitCode> {
  const options = command.opts<ApplyOptions>();
  // Everything the user can get wrong is checked before the first request.
  const settings = assetSettings(command, io);
  const apiOrigin = resolveApiOrigin(options, io.env);
  const keys = readKeys(io.env);
  const result = await applyDatadogAssets({
    apiOrigin,
    ...keys,
    dashboard: buildDashboard(settings),
    monitors: buildMonitors(settings),
    dryRun: options.dryRun === true,
    ...(options.verbose === true ? { observe: (exchange: HttpExchange) => io.err(`info: ${datadogRequestLine(exchange)}\n`) } : {}),
  });
  for (const warning of result.warnings) io.err(`warning: ${warning}\n`);
  io.out(options.json ? `${JSON.stringify({ apiOrigin, ...result }, null, 2)}\n` : formatResult(result, apiOrigin));
  return EXIT.ok;
}

/**
 * The settings of both commands, checked by the generator's own rules.
 * @throws UsageError naming the flag the user typed, never the setting's name in code.
 */
function assetSettings(command: Command, io: Io): MonitorSettings {
  const options = command.opts<AssetOptions>();
  const typedPrefix = command.getOptionValueSource('prefix') === 'cli';
  if (typedPrefix) io.err(`warning: ${DEPRECATED_PREFIX_FLAG} is deprecated; use --metric-prefix, which means the same\n`);
  const settings: MonitorSettings = {
    metricPrefix: (options.prefix ?? options.metricPrefix).trim(),
    scheduleMinutes: options.scheduleMinutes,
    costExplorerScheduleMinutes: options.costExplorerScheduleMinutes,
    actualShareOfLimit: options.actualShare,
    notify: options.notify ?? [],
  };
  try {
    checkMonitorSettings(settings);
  } catch (error) {
    if (!(error instanceof InvalidSettingError)) throw error;
    const setting = error.setting as keyof MonitorSettings;
    const flag = setting === 'metricPrefix' && typedPrefix ? DEPRECATED_PREFIX_FLAG : (FLAG_OF_SETTING[setting] ?? error.setting);
    throw new UsageError([`${flag} ${error.detail}`], { cause: error });
  }
  if (options.verbose === true) {
    io.err(
      `info: metric prefix ${settings.metricPrefix}, a collector run every ${settings.scheduleMinutes} minutes ` +
        `(Cost Explorer's every ${settings.costExplorerScheduleMinutes} minutes), ` +
        `utilization yellow from ${settings.actualShareOfLimit} of a limit, notify ${settings.notify?.join(' ') || 'nobody'}\n`,
    );
  }
  return settings;
}

/**
 * `--api-url` (or DD_API_URL) when given, else the API of `--site` (or DD_SITE).
 * @throws UsageError naming the flag and its variable, as `collect` and `check` do.
 */
function resolveApiOrigin(options: ApplyOptions, env: NodeJS.ProcessEnv): string {
  const apiUrl = options.apiUrl ?? nonBlank(env[CLI_ENV.apiUrl]);
  if (apiUrl !== undefined) {
    const parsed = parseApiOrigin(apiUrl);
    if ('problem' in parsed) throw new UsageError([`--api-url (${CLI_ENV.apiUrl}) ${parsed.problem}`]);
    return parsed.origin;
  }
  const site = options.site ?? nonBlank(env[CLI_ENV.site]) ?? DEFAULTS.datadogSite;
  if (!isDatadogSite(site)) {
    throw new UsageError([`--site (${CLI_ENV.site}) ${shownValue(site)} is not a Datadog site; use one of ${DATADOG_SITES.join(', ')}`]);
  }
  return siteApiOrigin(site);
}

/**
 * Both keys, from the environment.
 * @throws UsageError naming each missing variable, never a value.
 */
function readKeys(env: NodeJS.ProcessEnv): { apiKey: string; appKey: string } {
  const apiKey = nonBlank(env[CLI_ENV.apiKey]);
  const appKey = nonBlank(env[APP_KEY_ENV]);
  if (apiKey !== undefined && appKey !== undefined) return { apiKey: checkedApiKey(apiKey), appKey };
  const missing = [
    ...(apiKey === undefined ? [`${CLI_ENV.apiKey} (a Datadog API key)`] : []),
    ...(appKey === undefined ? [`${APP_KEY_ENV} (an application key that may write dashboards and monitors)`] : []),
  ];
  throw new UsageError([`${missing.join(' and ')} ${missing.length === 1 ? 'is' : 'are'} not set`], {
    fix:
      `Set ${missing.length === 1 ? 'it' : 'both'} in the environment (there is no flag: keys stay out of shell history); ` +
      'Organization Settings in Datadog lists both kinds of key. Even --dry-run needs both: it reads what exists.',
  });
}

/**
 * The API key, checked with the collector's rule before Datadog is asked.
 * @throws UsageError naming the variable and what is wrong, never the value.
 */
function checkedApiKey(value: string): string {
  try {
    return checkEnvironmentKey(CLI_ENV.apiKey, value);
  } catch (error) {
    if (error instanceof ApiKeyError) throw new UsageError([error.problem], { fix: error.fix, cause: error });
    throw error;
  }
}

/** The plan or its outcome, one line per dashboard or monitor. */
export function formatResult(result: ApplyResult, apiOrigin: string): string {
  const verb = (step: ApplyStep): string => (result.dryRun ? `would ${step.action}` : step.action === 'create' ? 'created' : 'updated');
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

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

function wholeMinutes(value: string): number {
  const minutes = Number(value);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SCHEDULE_MINUTES) {
    throw new InvalidArgumentError(`Give a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES}.`);
  }
  return minutes;
}

function fraction(value: string): number {
  const share = Number(value);
  if (value.trim() === '' || !Number.isFinite(share)) throw new InvalidArgumentError('Give a fraction such as 0.8 for 80 %.');
  return share;
}

const GENERATE_HELP = `
Examples:
  $ aws-billing-to-datadog datadog generate
  $ aws-billing-to-datadog datadog generate --metric-prefix acme.billing --schedule-minutes 30 --out-dir my-datadog

--json prints {"files": [...]}: the paths written.
`;

const APPLY_HELP = `
Environment:
  ${CLI_ENV.apiKey.padEnd(12)}  a Datadog API key (there is no flag: keys stay out of shell history)
  ${APP_KEY_ENV.padEnd(12)}  an application key that may read and write dashboards and monitors
  ${CLI_ENV.site.padEnd(12)}  same as --site
  ${CLI_ENV.apiUrl.padEnd(12)}  same as --api-url

Monitors are found by their managed-by tag and the dashboard by the marker in its description,
matched by name and title: what matches is updated, the rest created, nothing deleted.

Examples:
  $ DD_API_KEY=... DD_APP_KEY=... aws-billing-to-datadog datadog apply --dry-run
  $ DD_API_KEY=... DD_APP_KEY=... aws-billing-to-datadog datadog apply --site datadoghq.eu --notify @slack-billing

--json prints {"apiOrigin": ..., "dryRun": ..., "steps": [...], "warnings": [...]}.
`;

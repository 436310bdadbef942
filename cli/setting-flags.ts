/**
 * The command line's setting flags, made from the settings table: each flag's name, argument,
 * help and environment variable come from the setting's row, so a flag cannot drift from the
 * setting it sets.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { shownValue } from '../lambda/secret-shape';
import { ENV } from '../lambda/environment';
import { settingDoc } from '../lambda/setting-docs';
import { COLLECTOR_SETTING_NAMES, DEFAULTS, settingSpec, type CollectorSettingName } from '../lambda/settings';
import { UsageError } from './errors';
import { OFF_IN_ORGANIZATION_MODE } from '../lambda/config';
import { CLI_ENV, flagOf, OPT_IN_SWITCHES, type CollectorFlags } from './settings';

/** The flags that say where to send: every command that talks to Datadog has them. */
export const DATADOG_FLAG_SETTINGS = ['apiKeySecretArn', 'datadogSite', 'apiUrl'] as const satisfies readonly CollectorSettingName[];

/**
 * The collector's switches, filters and naming: every command that runs a collection has them.
 * They are every collector setting with a flag in the table (but where to send), in the table's
 * order: a row given a `flag` is a flag of these commands, with nothing to list here.
 */
export const COLLECTOR_FLAG_SETTINGS: readonly CollectorSettingName[] = COLLECTOR_SETTING_NAMES.filter(
  (name) => settingSpec(name).flag !== undefined && !(DATADOG_FLAG_SETTINGS as readonly string[]).includes(name),
);

/**
 * The switches off by default that a command line turned on, read from commander's options by
 * each flag's own attribute (`--cost-anomalies` is `costAnomalies`).
 */
export function switchedOnBy(options: object): CollectorFlags['switchedOn'] {
  const given = options as Readonly<Record<string, unknown>>;
  return Object.fromEntries(OPT_IN_SWITCHES.map((name) => [name, given[settingOption(name).attributeName()] === true]));
}

/** Adds one option per setting, in the order given. */
export function withSettingFlags(command: Command, names: readonly CollectorSettingName[]): Command {
  for (const name of names) for (const option of settingOptions(name)) command.addOption(option);
  return command;
}

/**
 * The options of one setting: its own, and for a switch whose default is off in organization
 * mode (on in self mode) the flag that turns it on too, so neither mode's default is out of reach.
 */
export function settingOptions(name: CollectorSettingName): Option[] {
  const option = settingOption(name);
  if (!(OFF_IN_ORGANIZATION_MODE as readonly string[]).includes(name)) return [option];
  const spec = settingSpec(name);
  const doc = settingDoc(name).replace(/`/g, '');
  const on = new Option(`--${spec.flag ?? name}`, `${doc} (default: on in self mode, off with --accounts organization; ${ENV[name]}=true)`);
  return [on, option];
}

/** The option of one setting, as its row in the settings table gives it. */
export function settingOption(name: CollectorSettingName): Option {
  const spec = settingSpec(name);
  const flag = flagOf(name);
  if (flag === undefined) throw new Error(`The setting ${name} has no flag in the settings table`);
  const variable = ENV[name];
  // The doc is Markdown for the docs' table; a terminal shows it plain.
  const doc = settingDoc(name).replace(/`/g, '');
  const fallback = name in DEFAULTS ? DEFAULTS[name as keyof typeof DEFAULTS] : undefined;
  switch (spec.type) {
    case 'boolean':
      // A switch that is on by default is turned off by its flag (`--no-budgets`), one that is off turned on.
      return fallback === true
        ? new Option(flag, `leave out: ${lowerFirst(doc)} (${variable}=false)`)
        : new Option(flag, `${doc} (${variable}=true)`);
    case 'stringList':
      return new Option(`${flag} <items>`, `${doc} Comma-separated, repeatable (${variable})`).argParser(appendList);
    case 'wholeNumber':
      return new Option(
        `${flag} <${spec.unit ?? 'count'}>`,
        `${doc} (${fallback === undefined ? '' : `default: ${String(fallback)}; `}env: ${variable})`,
      ).argParser(wholeNumberArgument);
    default:
      // The flag's last word names its value: --site <site>, --api-key-secret-arn <arn>.
      return new Option(
        `${flag} <${flag.split('-').pop() ?? 'value'}>`,
        `${doc} (${fallback === undefined ? '' : `default: ${String(fallback)}; `}env: ${variable})`,
      );
  }
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A whole number, or commander's usage error naming the flag. */
function wholeNumberArgument(value: string): number {
  if (!/^\d+$/.test(value.trim())) throw new InvalidArgumentError(`must be a whole number, got ${shownValue(value)}`);
  return Number(value.trim());
}

/** `--tags a:1,b:2 --tags c:3` gives `['a:1', 'b:2', 'c:3']`. */
export function appendList(value: string, previous: readonly string[] = []): string[] {
  return [
    ...previous,
    ...value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  ];
}

/** Flags a user may reach for to pass a key, which the tool refuses: keys never go on a command line. */
const KEY_FLAGS = [
  ['api-key', 'apiKey', `the API key comes from ${CLI_ENV.apiKey} in the environment, or from a secret with --api-key-secret-arn`],
  ['app-key', 'appKey', 'the application key comes from DD_APP_KEY in the environment'],
] as const;

/**
 * Refuses `--api-key` and `--app-key` with where keys come from instead, and never echoes the
 * value. Without this, commander would answer "did you mean --api-url?", inviting a key pasted
 * into a URL flag. The flags are hidden from the help.
 */
export function refusingKeyFlags(command: Command): Command {
  for (const [flag] of KEY_FLAGS) command.addOption(new Option(`--${flag} <key>`).hideHelp());
  return command.hook('preAction', (thisCommand) => {
    const options = thisCommand.opts<Record<string, unknown>>();
    for (const [flag, attribute, source] of KEY_FLAGS) {
      if (options[attribute] !== undefined) {
        throw new UsageError([`there is no --${flag} flag: keys stay out of shell history and the process list`], {
          fix: `${source.charAt(0).toUpperCase()}${source.slice(1)}.`,
        });
      }
    }
  });
}

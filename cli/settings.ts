/**
 * Flags to the collector's Config. The flags are written into the environment variables the
 * Lambda reads (`ENV`), and `loadConfig` validates them: one set of rules and messages for the
 * function and the command-line tool. This module and `main.ts` are the only ones that look at
 * the process environment, and only through the `env` they are given.
 */
import { loadConfig, type Config } from '../lambda/config';
import { collectorEnvironmentFor, ENV } from '../lambda/environment';
import {
  COLLECTOR_SETTING_NAMES,
  settingForStack,
  settingSpec,
  type CollectorSettingName,
  type EveryCollectorSetting,
  type SettingName,
  type SETTINGS,
} from '../lambda/settings';
import { ConfigError } from '../lambda/errors';
import type { LogLevel } from '../lambda/log';
import { UsageError } from './errors';

/** The environment the tool reads: Datadog's names, as Datadog's own tools accept them. */
export const CLI_ENV = {
  apiKey: 'DD_API_KEY',
  apiKeySecretArn: ENV.apiKeySecretArn,
  site: ENV.datadogSite,
  apiUrl: ENV.apiUrl,
} as const;

/**
 * The switches that are off by default and that a flag turns on (`--cost-explorer`,
 * `--cost-anomalies`): the sources AWS bills per request. Each one's flag, its place in
 * {@link CollectorFlags} and its variable come from its row alone, so the next such source needs
 * no wiring in the tool.
 */
export type OptInSwitchName = {
  [K in CollectorSettingName]: (typeof SETTINGS)[K] extends { readonly type: 'boolean'; readonly default: false; readonly flag: string }
    ? K
    : never;
}[CollectorSettingName];

/** The {@link OptInSwitchName}s, in the table's order. */
export const OPT_IN_SWITCHES = COLLECTOR_SETTING_NAMES.filter((name): name is OptInSwitchName => {
  const spec = settingSpec(name);
  return spec.type === 'boolean' && spec.default === false && spec.flag !== undefined;
});

/** The collector's switches, as commander parses them (every command has them). */
export interface CollectorFlags {
  readonly metricPrefix?: string;
  /** `--no-budgets` sets it to false. */
  readonly budgets: boolean;
  /** `--no-budget-thresholds` sets it to false. */
  readonly budgetThresholds: boolean;
  /** `--no-estimated-charges` sets it to false. */
  readonly estimatedCharges: boolean;
  /** `--no-linked-account-services` sets it to false. */
  /** Unset: the mode's default (on in self mode, off in organization mode). */
  readonly linkedAccountServices?: boolean;
  /** `--no-health-metrics` sets it to false. */
  readonly healthMetrics: boolean;
  readonly serviceAllow: readonly string[];
  readonly serviceDeny: readonly string[];
  /** The organization settings: which accounts a run reads, and through which roles. */
  readonly accounts?: string;
  readonly managementRoleArn?: string;
  readonly memberRoleName?: string;
  readonly accountAllow: readonly string[];
  readonly accountDeny: readonly string[];
  readonly accountTagKeys: readonly string[];
  readonly accountConcurrency?: number;
  /** The switches off by default that their flags turned on, such as `--cost-explorer`. */
  readonly switchedOn: { readonly [K in OptInSwitchName]?: boolean };
  readonly costMetrics: readonly string[];
  readonly costGroupBy: readonly string[];
  readonly costMaxGroups?: number;
  readonly costExplorerMaxRequests?: number;
  readonly tags: readonly string[];
  /** The `env` and `service` tags, as DD_ENV and DD_SERVICE give them to the function. */
  readonly env?: string;
  readonly service?: string;
  readonly verbose: boolean;
}

/** Where to send, for the commands that talk to Datadog. */
export interface DatadogFlags {
  readonly apiKeySecretArn?: string;
  readonly site?: string;
  readonly apiUrl?: string;
}

/** Where the API key comes from; the key itself is read only when needed. */
export type KeySetting =
  | { readonly kind: 'secret'; readonly secretArn: string; readonly secretRegion: string }
  | { readonly kind: 'environment'; readonly variable: string; readonly value: string }
  | { readonly kind: 'none' };

export interface Settings {
  readonly config: Config;
  readonly key: KeySetting;
}

/**
 * A setting's flag as the user types it: a switch that is on by default is turned off with
 * `--no-<flag>`; undefined for a setting without a flag.
 */
export function flagOf(name: SettingName): string | undefined {
  const spec = settingSpec(name);
  if (spec.flag === undefined) return undefined;
  return spec.type === 'boolean' && spec.default === true ? `--no-${spec.flag}` : `--${spec.flag}`;
}

/**
 * A setting as the tool's messages name it: by its flag, as the user would type it
 * (`--no-estimated-charges`, `--site (DD_SITE)`), and as the function names it for a setting the
 * tool has no flag for (a stack setting such as `apiKeySecretKmsKeyArn`). Errors that name a
 * setting are printed through this (see `MessageText` in `lambda/errors.ts`).
 */
export function settingAsFlag(name: SettingName, value?: string): string {
  const spec = settingSpec(name);
  const flag = flagOf(name);
  if (flag === undefined || spec.env === undefined) return settingForStack(name, value);
  // A switch is named by the flag that sets it the way the message means.
  if (spec.type === 'boolean') return value === undefined || value !== String(spec.default) ? flag : `leaving out ${flag}`;
  return `${flag}${value === undefined ? '' : ` ${value}`} (${spec.env})`;
}

/** The flag behind each environment variable, to name it in messages. */
const FLAG_OF: Readonly<Record<string, string>> = Object.fromEntries(
  COLLECTOR_SETTING_NAMES.flatMap((name) => {
    const flag = flagOf(name);
    return flag === undefined ? [] : [[ENV[name], flag]];
  }),
);

/**
 * The environment variables the Lambda would receive for these flags. Only the variables a
 * flag sets are present, so the collector applies its own defaults to the rest, as in the stack.
 */
export function collectorEnvironment(flags: CollectorFlags, datadog: DatadogFlags, env: NodeJS.ProcessEnv): Record<string, string> {
  // Switches are sent only when turned off, so the collector's defaults apply as in the stack.
  const off = (enabled: boolean): false | undefined => (enabled ? undefined : false);
  const settings: EveryCollectorSetting = {
    apiKeySecretArn: datadog.apiKeySecretArn ?? nonBlank(env[CLI_ENV.apiKeySecretArn]),
    datadogSite: datadog.site ?? nonBlank(env[CLI_ENV.site]),
    apiUrl: datadog.apiUrl ?? nonBlank(env[CLI_ENV.apiUrl]),
    // Datadog's own variables, as its tools read them; a flag wins over its variable.
    tags: flags.tags.length > 0 ? flags.tags : listOf(env[ENV.tags]),
    env: flags.env ?? nonBlank(env[ENV.env]),
    service: flags.service ?? nonBlank(env[ENV.service]),
    metricPrefix: flags.metricPrefix,
    collectBudgets: off(flags.budgets),
    collectBudgetThresholds: off(flags.budgetThresholds),
    collectEstimatedCharges: off(flags.estimatedCharges),
    collectLinkedAccountServices: flags.linkedAccountServices,
    serviceAllowlist: flags.serviceAllow,
    serviceDenylist: flags.serviceDeny,
    accounts: flags.accounts,
    managementRoleArn: flags.managementRoleArn,
    memberRoleName: flags.memberRoleName,
    accountAllowlist: flags.accountAllow,
    accountDenylist: flags.accountDeny,
    accountTagKeys: flags.accountTagKeys,
    accountConcurrency: flags.accountConcurrency,
    // Sent only when turned on, so the collector's default (off) applies as in the stack.
    ...optInSettings(flags.switchedOn),
    costMetrics: flags.costMetrics,
    costGroupBy: flags.costGroupBy,
    costMaxGroups: flags.costMaxGroups,
    costExplorerMaxRequests: flags.costExplorerMaxRequests,
    // How the anomalies are posted: the tool never posts them (it reads the second rule's sources
    // in dry runs only, `cli/run.ts`), so these are the deployed function's alone.
    anomalyRepostGrowthPercent: undefined,
    anomalyErrorImpactUsd: undefined,
    anomalyStateTable: undefined,
    // The tool reads the key once per command.
    apiKeyMaxAgeSeconds: undefined,
    sendHealthMetrics: off(flags.healthMetrics),
    logLevel: cliLogLevel(flags.verbose),
  };
  return collectorEnvironmentFor(settings);
}

/** Each opt-in switch: on when its flag was given, else unset (the collector's default, off). */
function optInSettings(switchedOn: CollectorFlags['switchedOn']): { readonly [K in OptInSwitchName]: true | undefined } {
  return Object.fromEntries(OPT_IN_SWITCHES.map((name) => [name, switchedOn[name] === true ? true : undefined])) as {
    readonly [K in OptInSwitchName]: true | undefined;
  };
}

/** Warnings and errors by default: stderr is for what needs attention. */
export function cliLogLevel(verbose: boolean): LogLevel {
  return verbose ? 'INFO' : 'WARN';
}

/**
 * Validates the flags with the collector's own rules and says where the key comes from.
 * @throws UsageError naming each bad flag (and its environment variable).
 */
export function resolveSettings(flags: CollectorFlags, datadog: DatadogFlags, env: NodeJS.ProcessEnv): Settings {
  const environment = collectorEnvironment(flags, datadog, env);
  const secretGiven = environment[ENV.apiKeySecretArn] !== undefined;
  let config: Config;
  try {
    // A dry run needs no key, and DD_API_KEY may give one: the secret is optional here.
    config = loadConfig(environment, { requireApiKeySecret: false });
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.problems.map(nameFlags));
    throw error;
  }

  let key: KeySetting = { kind: 'none' };
  const envKey = nonBlank(env[CLI_ENV.apiKey]);
  if (secretGiven) key = { kind: 'secret', secretArn: config.apiKeySecretArn, secretRegion: config.apiKeySecretRegion };
  else if (envKey !== undefined) key = { kind: 'environment', variable: CLI_ENV.apiKey, value: envKey };
  return { config, key };
}

/** `DD_SITE "x" is not...` becomes `--site (DD_SITE) "x" is not...`. */
export function nameFlags(problem: string): string {
  return problem.replace(/\b[A-Z][A-Z0-9_]+\b/g, (name) => (FLAG_OF[name] === undefined ? name : `${FLAG_OF[name]} (${name})`));
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

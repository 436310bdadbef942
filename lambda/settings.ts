/**
 * Every setting of the collector and of its stack, declared once: its name (which is also its
 * context key and, where it has one, its construct prop), the environment variable that carries
 * it to the function, the command-line flag, its type, default and value check. Its one-line
 * doc is in `setting-docs.ts`, keyed by the same names: the function bundles this table, and
 * prose it never shows would only weigh on its cold start.
 *
 * Every layer derives from this table or is checked against it:
 * - `environment.ts` derives the variable names, the defaults and the mapping from settings to
 *   the function's environment; `config.ts` reads that environment through it;
 * - `lib/context.ts` reads the context keys through it and refuses a key that is not here;
 * - `lib/billing-collector-props.ts` checks the props with the same value checks, and a type
 *   test holds the props against the table;
 * - `cli/settings.ts` builds the collector flags from it;
 * - a test holds the docs' configuration table against it.
 *
 * CDK-free and I/O-free: the function, the stack and the command-line tool all import it.
 */
import { shownValue } from './secret-shape';
import { DATADOG_SITES, isDatadogSite } from './datadog/site';
import { DEPLOYMENT_DEFAULTS } from './deployment';
import { metricPrefixProblem } from './metric-prefix';
import { RESERVED_TAG_KEYS } from './metrics';
import { normalizeTag } from './datadog/tags';

/** How a setting's value is written in the context, in the environment and on the command line. */
export type SettingType = 'string' | 'boolean' | 'wholeNumber' | 'stringList' | 'stringMap';

/** The value a setting of each type holds once read. */
export interface SettingValueOf {
  readonly string: string;
  readonly boolean: boolean;
  readonly wholeNumber: number;
  readonly stringList: readonly string[];
  readonly stringMap: Readonly<Record<string, string>>;
}

/** One row of the table. */
export interface SettingSpec<T extends SettingType = SettingType> {
  readonly type: T;
  /** The environment variable that carries it to the function; absent for stack-only settings. */
  readonly env?: string;
  /** The context key (`cdk.json` or `-c key=value`); absent for settings the stack cannot set. */
  readonly context?: string;
  /** The command-line flag; a boolean that defaults to true is turned off with `--no-<flag>`. */
  readonly flag?: string;
  /** The unit of a number, in words (`seconds`), for messages and the docs. */
  readonly unit?: string;
  /** The default, as the docs show it; absent when unset means "none". */
  readonly default?: SettingValueOf[T];
  /**
   * What is wrong with a value, or undefined when it is usable. The message follows the
   * setting's name in each layer (`METRIC_PREFIX "x." ends with...`) and says how to fix it.
   */
  readonly check?: (value: SettingValueOf[T]) => string | undefined;
}

/** A row maker for one type: the row keeps its literal names, so the layers' types derive from them. */
function rowsOf<T extends SettingType>(type: T) {
  return <const S extends Omit<SettingSpec<T>, 'type'>>(spec: S): S & { readonly type: T } => ({ ...spec, type });
}
/** A row of any type. */
export type AnySettingSpec = { [T in SettingType]: SettingSpec<T> }[SettingType];

const text = rowsOf('string');
const toggle = rowsOf('boolean');
const wholeNumber = rowsOf('wholeNumber');
const list = rowsOf('stringList');
const map = rowsOf('stringMap');

/** Datadog keeps at most this many characters of a tag. */
export const MAX_TAG_LENGTH = 200;

/**
 * A tag value such as `env` or `service` may not be blank. (Datadog cuts a tag at 200
 * characters, and so does the collector; the construct refuses a longer one at synth, where the
 * user can still fix it.)
 */
function tagValueProblem(value: string): string | undefined {
  return value.trim() === '' ? `must not be blank, got ${shownValue(value)}` : undefined;
}

/**
 * Items travel comma-separated in one environment variable, so an item may not hold a comma and
 * may not be blank.
 */
function listItemsProblem(items: readonly string[]): string | undefined {
  const bad = items.find((item) => item.trim() === '' || item.includes(','));
  return bad === undefined ? undefined : `has the item ${shownValue(bad)}; items may not be blank or hold a comma`;
}

/** The settings whose value is sent as a tag of their own name on every series (`env:prod`). */
export const TAG_SETTINGS = ['env', 'service'] as const;

/**
 * Tags added to every series: list items, none with a key the collector sets itself, as Datadog
 * will store it (`Account_ID:1` is `account_id:1`).
 */
function globalTagsProblem(items: readonly string[]): string | undefined {
  const listProblem = listItemsProblem(items);
  if (listProblem !== undefined) return listProblem;
  for (const item of items) {
    const key = normalizeTag(item).split(':')[0];
    if ((TAG_SETTINGS as readonly string[]).includes(key)) {
      // Both would be sent, and every series would carry two values of the key.
      return `has the item ${shownValue(item)}, whose key ${key} has a setting of its own (${key}): set it there instead`;
    }
    if (RESERVED_TAG_KEYS.includes(key)) {
      return `has the item ${shownValue(item)}, whose key ${key} the collector sets itself; give the tag another key, such as my_${key}`;
    }
  }
  return undefined;
}

/** How many accounts a run reads: the function's own, or every account of its AWS Organization. */
export const ACCOUNT_MODES = ['self', 'organization'] as const;
export type AccountMode = (typeof ACCOUNT_MODES)[number];

/** An AWS account id: 12 digits. */
function accountIdsProblem(items: readonly string[]): string | undefined {
  const bad = items.find((item) => !/^\d{12}$/.test(item));
  return bad === undefined ? undefined : `has the item ${shownValue(bad)}; give 12-digit AWS account ids`;
}

/** IAM's rule for a role name: 1 to 64 of letters, digits and `+=,.@_-`. */
function roleNameProblem(name: string): string | undefined {
  return /^[\w+=,.@-]{1,64}$/.test(name)
    ? undefined
    : `is not an IAM role name, got ${shownValue(name)}; use 1 to 64 letters, digits and +=,.@_-`;
}

/** A role's ARN in any partition, such as `arn:aws:iam::111122223333:role/billing-reader`. */
function roleArnProblem(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:iam::\d{12}:role\/([\w+=,.@-]+\/)*[\w+=,.@-]{1,64}$/.test(arn)
    ? undefined
    : `is not an IAM role ARN, got ${shownValue(arn)}; give one such as arn:aws:iam::111122223333:role/billing-reader`;
}

/**
 * Organizations tag keys sent as Datadog tag keys: list items, none that Datadog would read as
 * another key (a colon) or that the collector or a setting already sends.
 */
function accountTagKeysProblem(items: readonly string[]): string | undefined {
  const listProblem = listItemsProblem(items);
  if (listProblem !== undefined) return listProblem;
  for (const item of items) {
    if (item.includes(':')) {
      return `has the item ${shownValue(item)}; a Datadog tag key cannot hold a colon, so that tag cannot be sent`;
    }
    const key = normalizeTag(item);
    if ((TAG_SETTINGS as readonly string[]).includes(key) || RESERVED_TAG_KEYS.includes(key)) {
      return `has the item ${shownValue(item)}, which is Datadog's ${key} tag, set by the collector or a setting of its own; leave it out`;
    }
  }
  return undefined;
}

/** CloudFormation StackSets take at most this many OUs in one operation. */
const MAX_STACK_SET_TARGETS = 50;

/** The targets of the member role's StackSet: the organization's root (`r-...`) or OU ids (`ou-...`). */
function organizationTargetsProblem(items: readonly string[]): string | undefined {
  const bad = items.find((item) => !/^(r-[0-9a-z]{4,32}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(item));
  if (bad !== undefined) {
    return `has the item ${shownValue(bad)}; give the root id (r-...) or OU ids (ou-...)`;
  }
  return items.length > MAX_STACK_SET_TARGETS
    ? `has ${items.length} items; a StackSet operation takes at most ${MAX_STACK_SET_TARGETS} OUs, so target their parent OU or the root`
    : undefined;
}

/** The cost metrics Cost Explorer sums, as `costMetrics` names them (its `cost_metric` tag). */
export const COST_METRICS = ['unblended_cost', 'amortized_cost', 'net_unblended_cost', 'net_amortized_cost'] as const;

/** One or more of {@link COST_METRICS}, each once. */
function costMetricsProblem(items: readonly string[]): string | undefined {
  const bad = items.find((item) => !(COST_METRICS as readonly string[]).includes(item));
  if (bad !== undefined) return `has the item ${shownValue(bad)}; use one or more of ${COST_METRICS.join(', ')}`;
  return uniqueItemsProblem(items) ?? (items.length === 0 ? `is empty; use one or more of ${COST_METRICS.join(', ')}` : undefined);
}

/** The Cost Explorer group-bys `costGroupBy` takes besides `TAG:<key>`. */
export const COST_DIMENSION_GROUPS = ['SERVICE', 'LINKED_ACCOUNT', 'LINKED_ACCOUNT+SERVICE'] as const;

/** Cost Explorer's limit on a cost-allocation tag key (AWS's tag key limit). */
const MAX_COST_TAG_KEY_LENGTH = 128;

/** Each item a dimension group or `TAG:<key>` (a key of 1 to 128 characters), each once. */
function costGroupByProblem(items: readonly string[]): string | undefined {
  const listProblem = listItemsProblem(items);
  if (listProblem !== undefined) return listProblem;
  const bad = items.find(
    (item) =>
      !(COST_DIMENSION_GROUPS as readonly string[]).includes(item) &&
      !(item.startsWith('TAG:') && item.length > 4 && item.length <= 4 + MAX_COST_TAG_KEY_LENGTH),
  );
  if (bad !== undefined) {
    return `has the item ${shownValue(bad)}; use ${COST_DIMENSION_GROUPS.join(', ')} or TAG:<cost-allocation tag key>`;
  }
  return uniqueItemsProblem(items);
}

/** A list whose items are each given once: a second one would ask (and pay) twice for the same data. */
function uniqueItemsProblem(items: readonly string[]): string | undefined {
  const twice = items.find((item, index) => items.indexOf(item) !== index);
  return twice === undefined ? undefined : `has the item ${shownValue(twice)} twice; give each once`;
}

/** The table. The order is the order of the docs' configuration table. */
export const SETTINGS = {
  datadogSite: text({
    env: 'DD_SITE',
    context: 'datadogSite',
    flag: 'site',
    default: 'datadoghq.com',
    check: (site) =>
      isDatadogSite(site) ? undefined : `${shownValue(site)} is not a Datadog site; use one of ${DATADOG_SITES.join(', ')}`,
  }),
  apiKeySecretArn: text({
    env: 'DD_API_KEY_SECRET_ARN',
    context: 'apiKeySecretArn',
    flag: 'api-key-secret-arn',
  }),
  apiKeySecretKmsKeyArn: text({
    context: 'apiKeySecretKmsKeyArn',
  }),
  apiUrl: text({
    env: 'DD_API_URL',
    flag: 'api-url',
  }),
  schedule: text({
    context: 'schedule',
    default: DEPLOYMENT_DEFAULTS.scheduleExpression,
  }),
  schedulePeriodMinutes: wholeNumber({
    context: 'schedulePeriodMinutes',
    unit: 'minutes',
  }),
  costExplorerSchedule: text({
    context: 'costExplorerSchedule',
    default: DEPLOYMENT_DEFAULTS.costExplorerScheduleExpression,
  }),
  costExplorerSchedulePeriodMinutes: wholeNumber({
    context: 'costExplorerSchedulePeriodMinutes',
    unit: 'minutes',
  }),
  tags: list({
    env: 'DD_TAGS',
    context: 'tags',
    flag: 'tags',
    check: globalTagsProblem,
  }),
  env: text({
    env: 'DD_ENV',
    context: 'env',
    flag: 'env',
    check: tagValueProblem,
  }),
  service: text({
    env: 'DD_SERVICE',
    context: 'service',
    flag: 'service',
    check: tagValueProblem,
  }),
  metricPrefix: text({
    env: 'METRIC_PREFIX',
    context: 'metricPrefix',
    flag: 'metric-prefix',
    default: 'aws.billing',
    check: metricPrefixProblem,
  }),
  collectBudgets: toggle({
    env: 'COLLECT_BUDGETS',
    context: 'collectBudgets',
    flag: 'budgets',
    default: true,
  }),
  collectBudgetThresholds: toggle({
    env: 'COLLECT_BUDGET_THRESHOLDS',
    context: 'collectBudgetThresholds',
    flag: 'budget-thresholds',
    default: true,
  }),
  collectEstimatedCharges: toggle({
    env: 'COLLECT_ESTIMATED_CHARGES',
    context: 'collectEstimatedCharges',
    flag: 'estimated-charges',
    default: true,
  }),
  collectLinkedAccountServices: toggle({
    env: 'COLLECT_LINKED_ACCOUNT_SERVICES',
    context: 'collectLinkedAccountServices',
    flag: 'linked-account-services',
    default: true,
  }),
  serviceAllowlist: list({
    env: 'SERVICE_ALLOWLIST',
    context: 'serviceAllowlist',
    flag: 'service-allow',
    check: listItemsProblem,
  }),
  serviceDenylist: list({
    env: 'SERVICE_DENYLIST',
    context: 'serviceDenylist',
    flag: 'service-deny',
    check: listItemsProblem,
  }),
  accounts: text({
    env: 'ACCOUNTS',
    context: 'accounts',
    flag: 'accounts',
    default: 'self',
    check: (mode) =>
      (ACCOUNT_MODES as readonly string[]).includes(mode)
        ? undefined
        : `must be one of ${ACCOUNT_MODES.join(', ')}, got ${shownValue(mode)}`,
  }),
  managementRoleArn: text({
    env: 'MANAGEMENT_ROLE_ARN',
    context: 'managementRoleArn',
    flag: 'management-role-arn',
    check: roleArnProblem,
  }),
  memberRoleName: text({
    env: 'MEMBER_ROLE_NAME',
    context: 'memberRoleName',
    flag: 'member-role-name',
    default: 'aws-billing-to-datadog-reader',
    check: roleNameProblem,
  }),
  accountAllowlist: list({
    env: 'ACCOUNT_ALLOWLIST',
    context: 'accountAllowlist',
    flag: 'account-allow',
    check: accountIdsProblem,
  }),
  accountDenylist: list({
    env: 'ACCOUNT_DENYLIST',
    context: 'accountDenylist',
    flag: 'account-deny',
    check: accountIdsProblem,
  }),
  accountTagKeys: list({
    env: 'ACCOUNT_TAG_KEYS',
    context: 'accountTagKeys',
    flag: 'account-tag-keys',
    check: accountTagKeysProblem,
  }),
  accountConcurrency: wholeNumber({
    env: 'ACCOUNT_CONCURRENCY',
    context: 'accountConcurrency',
    flag: 'account-concurrency',
    unit: 'accounts',
    // Why 10. Each account read is one sts:AssumeRole, made with the function's credentials and
    // so counted in its own account, then ceil(budgets/1000) DescribeBudgets made with the
    // member's credentials and so counted in the member's account (AWS applies a rate to the
    // account the calling credentials belong to). The shared rate is therefore STS's in the
    // function's account. AWS documents no number for it: the IAM and STS quotas page
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html) gives object
    // sizes and the one-hour chained session, the AWS Budgets API reference only a
    // ThrottlingException, and AWS's advice on "Rate exceeded" from STS
    // (https://repost.aws/knowledge-center/iam-sts-throttling-error) is to cache credentials
    // (done, RoleSessions) and spread calls, since STS rates cannot be raised. So the bound is
    // set by the time goal rather than by a quota: an account takes two round trips, about
    // 0.25 s, so 10 in flight make about 40 AssumeRole a second and read 10,000 accounts in
    // 10,000 x 0.25 / 10 = 250 s, under issue 13's 5 minutes; the SDK's retries with backoff
    // (5 attempts) absorb a throttled burst, and an account still throttled is counted as failed.
    default: 10,
    check: (count) => (count < 1 || count > 100 ? `must be between 1 and 100, got ${count}` : undefined),
  }),
  collectCostExplorer: toggle({
    env: 'COLLECT_COST_EXPLORER',
    context: 'collectCostExplorer',
    flag: 'cost-explorer',
    // Off: Cost Explorer bills each request, so it is the user's choice to pay for it.
    default: false,
  }),
  costMetrics: list({
    env: 'COST_METRICS',
    context: 'costMetrics',
    flag: 'cost-metrics',
    default: ['unblended_cost'],
    check: costMetricsProblem,
  }),
  costGroupBy: list({
    env: 'COST_GROUP_BY',
    context: 'costGroupBy',
    flag: 'cost-group-by',
    default: ['SERVICE', 'LINKED_ACCOUNT'],
    check: costGroupByProblem,
  }),
  costMaxGroups: wholeNumber({
    env: 'COST_MAX_GROUPS',
    context: 'costMaxGroups',
    flag: 'cost-max-groups',
    unit: 'groups',
    // 50 services or accounts cover most organizations' spend; the rest is one `other` series.
    default: 50,
    check: (count) => (count < 1 || count > 1000 ? `must be between 1 and 1000, got ${count}` : undefined),
  }),
  costExplorerMaxRequests: wholeNumber({
    env: 'COST_EXPLORER_MAX_REQUESTS',
    context: 'costExplorerMaxRequests',
    flag: 'cost-explorer-max-requests',
    unit: 'requests',
    // Cost Explorer bills $0.01 a request, each page included: the defaults need fewer than 10 a
    // run for an organization of up to 50 accounts and 50 services (docs/cost-explorer.md).
    default: 10,
    check: (count) => (count < 1 || count > 1000 ? `must be between 1 and 1000, got ${count}` : undefined),
  }),
  collectCostAnomalies: toggle({
    env: 'COLLECT_COST_ANOMALIES',
    context: 'collectCostAnomalies',
    flag: 'cost-anomalies',
    // Off: each GetAnomalies and GetAnomalyMonitors request is billed, as Cost Explorer's are.
    default: false,
  }),
  anomalyRepostGrowthPercent: wholeNumber({
    env: 'ANOMALY_REPOST_GROWTH_PERCENT',
    context: 'anomalyRepostGrowthPercent',
    unit: 'percent',
    default: 20,
    check: (percent) => (percent < 1 || percent > 1000 ? `must be between 1 and 1000, got ${percent}` : undefined),
  }),
  anomalyErrorImpactUsd: wholeNumber({
    env: 'ANOMALY_ERROR_IMPACT_USD',
    context: 'anomalyErrorImpactUsd',
    unit: 'dollars',
    default: 1000,
  }),
  anomalyStateTable: text({
    env: 'ANOMALY_STATE_TABLE_ARN',
    check: (arn) =>
      /^arn:aws[a-z-]*:dynamodb:[a-z0-9-]+:\d{12}:table\/[\w.-]{3,255}$/.test(arn)
        ? undefined
        : `is not a DynamoDB table ARN, got ${shownValue(arn)}; give one such as arn:aws:dynamodb:us-east-1:111122223333:table/anomalies`,
  }),
  memberRoleTargets: list({
    context: 'memberRoleTargets',
    check: organizationTargetsProblem,
  }),
  collectorAccountId: text({
    context: 'collectorAccountId',
    check: (id) => (/^\d{12}$/.test(id) ? undefined : `must be a 12-digit AWS account id, got ${shownValue(id)}`),
  }),
  callAsDelegatedAdmin: toggle({
    context: 'callAsDelegatedAdmin',
    default: false,
  }),
  apiKeyMaxAgeSeconds: wholeNumber({
    env: 'API_KEY_MAX_AGE_SECONDS',
    context: 'apiKeyMaxAgeSeconds',
    unit: 'seconds',
    // Six hours: a rotated key is picked up within that time, or at once on a 403.
    default: 6 * 60 * 60,
    // A run reads the key once whatever the age; under a minute (the shortest schedule) would only add reads.
    check: (seconds) =>
      seconds < 60 ? `must be at least 60 seconds, got ${seconds}; use 60 or more, such as the default 21600 (6 hours)` : undefined,
  }),
  sendHealthMetrics: toggle({
    env: 'SEND_HEALTH_METRICS',
    context: 'sendHealthMetrics',
    flag: 'health-metrics',
    default: true,
  }),
  logRetentionDays: wholeNumber({
    context: 'logRetentionDays',
    unit: 'days',
    default: DEPLOYMENT_DEFAULTS.logRetentionDays,
  }),
  logLevel: text({
    env: 'AWS_LAMBDA_LOG_LEVEL',
    context: 'logLevel',
    default: DEPLOYMENT_DEFAULTS.logLevel,
  }),
  alarmEmail: text({
    context: 'alarmEmail',
  }),
  alarmTopicArn: text({
    context: 'alarmTopicArn',
  }),
  resourceTags: map({
    context: 'resourceTags',
  }),
  permissionsBoundaryArn: text({
    context: 'permissionsBoundaryArn',
  }),
} as const satisfies Record<string, AnySettingSpec>;

export type SettingName = keyof typeof SETTINGS;

/** The settings the function reads: those with an environment variable. */
export type CollectorSettingName = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { readonly env: string } ? K : never;
}[SettingName];

/** The settings with a context key. */
export type ContextSettingName = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { readonly context: string } ? K : never;
}[SettingName];

/** The settings with a default. */
type DefaultedSettingName = {
  [K in SettingName]: (typeof SETTINGS)[K] extends { readonly default: unknown } ? K : never;
}[SettingName];

/** The value type of one setting. */
export type SettingValue<K extends SettingName> = SettingValueOf[(typeof SETTINGS)[K]['type']];

/** The collector's settings as the stack and the command-line tool hold them; undefined means "the default". */
export type CollectorSettings = { readonly [K in CollectorSettingName]?: SettingValue<K> };

/**
 * Every collector setting, each one spelt out (undefined for "the default"). A layer that maps
 * its own inputs to the collector's settings builds one of these as an object literal, so a
 * setting added to the table and forgotten there fails to compile.
 */
export type EveryCollectorSetting = { readonly [K in CollectorSettingName]-?: SettingValue<K> | undefined };

/** The collector's settings once read: the defaulted ones always hold a value. */
export type CollectorValues = { readonly [K in CollectorSettingName & DefaultedSettingName]: SettingValue<K> } & {
  readonly [K in Exclude<CollectorSettingName, DefaultedSettingName>]?: SettingValue<K>;
};

/** The names of the table, in its order, typed. */
export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The table as plain rows, for the layers that loop over it. */
export function settingSpec(name: SettingName): AnySettingSpec {
  return SETTINGS[name];
}

/** The collector settings (those with an environment variable), in the table's order. */
export const COLLECTOR_SETTING_NAMES = SETTING_NAMES.filter((name): name is CollectorSettingName => settingSpec(name).env !== undefined);

/** Every context key the app reads. */
export const CONTEXT_KEYS: readonly string[] = SETTING_NAMES.flatMap((name) => settingSpec(name).context ?? []);

/** The default of every setting that has one, by name. */
export const DEFAULTS = Object.fromEntries(
  SETTING_NAMES.flatMap((name) => {
    const value = settingSpec(name).default;
    return value === undefined ? [] : [[name, value]];
  }),
) as { readonly [K in DefaultedSettingName]: SettingValue<K> & (typeof SETTINGS)[K]['default'] };

/** The environment variable of every collector setting, by name. */
export const ENV = Object.fromEntries(COLLECTOR_SETTING_NAMES.map((name) => [name, settingSpec(name).env])) as {
  readonly [K in CollectorSettingName]: (typeof SETTINGS)[K]['env'];
};

/** A value's problem under the table's check for it, if the setting has one. */
export function settingProblem<K extends SettingName>(name: K, value: SettingValue<K>): string | undefined {
  // The table ties each row's check to its own type; TypeScript cannot follow that through K.
  const check = settingSpec(name).check as ((value: SettingValue<K>) => string | undefined) | undefined;
  return check?.(value);
}

/**
 * A setting as the function's messages name it, for whoever deploys it: its variable (with the
 * value, when one is meant) and its context key, `COLLECT_ESTIMATED_CHARGES=false (context key
 * collectEstimatedCharges)`. The command-line tool names the same setting by its flag instead
 * (`cli/settings.ts`); an error names a setting through whichever namer prints it.
 */
export function settingForStack(name: SettingName, value?: string): string {
  const spec = settingSpec(name);
  const assigned = value === undefined ? '' : `=${value}`;
  if (spec.env === undefined) return `context key ${spec.context}${assigned}`;
  return spec.context === undefined ? `${spec.env}${assigned}` : `${spec.env}${assigned} (context key ${spec.context})`;
}

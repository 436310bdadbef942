/**
 * Reads the app's context keys (`cdk.json`, overridden with `-c key=value`) into stack props.
 *
 * This module checks what only the context knows: the shape of each value, the ARNs the stack
 * imports, and the keys that go together. What a value means to the collector (a Datadog site,
 * a metric prefix, the alarm limits) is checked by the construct, under the same name, so a
 * user of the construct gets the same checks. Pure: no construct, no I/O.
 */
import { Duration, StackProps } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { BillingCollectorStackProps } from './billing-collector-stack';
import { ActionableError, InvalidSettingError } from '../lambda/errors';
import { secretShape } from '../lambda/secret-shape';
import {
  COLLECTOR_SETTING_NAMES,
  CONTEXT_KEYS,
  settingProblem,
  settingSpec,
  type CollectorSettingName,
  type ContextSettingName,
  type SettingValue,
} from '../lambda/settings';
import { ContextLookup, readSetting, shown } from './context-values';
import { CollectorSchedule, parseScheduleExpression } from './schedule';

export type { ContextLookup } from './context-values';

/** The settings of the organization mode's other stacks (`lib/app-stacks.ts`). */
export interface OrganizationStackSettings {
  /** The root or OU ids the member role's StackSet deploys to; without them, no StackSet. */
  readonly memberRoleTargets?: readonly string[];
  /** The account the collector runs in, which the member and reader roles trust. */
  readonly collectorAccountId?: string;
  /** Whether the StackSet is deployed from a StackSets delegated administrator. */
  readonly callAsDelegatedAdmin?: boolean;
}

/** Everything the context sets; the app adds nothing but the stacks' names. */
export type AppSettings = Omit<BillingCollectorStackProps, keyof StackProps> & OrganizationStackSettings;

const PARTITION = 'aws(?:-[a-z]+)*';
const REGION = '[a-z]{2}(?:-[a-z]+)+-\\d+';
const ACCOUNT = '\\d{12}';

/** Secrets Manager appends `-` and six characters to a secret's name to make its complete ARN. */
const SECRET_ARN = new RegExp(`^arn:${PARTITION}:secretsmanager:(${REGION}):${ACCOUNT}:secret:.+-[A-Za-z0-9]{6}$`);
const KMS_KEY_ARN = new RegExp(`^arn:${PARTITION}:kms:(${REGION}):${ACCOUNT}:key/[A-Za-z0-9-]+$`);
const SNS_TOPIC_ARN = new RegExp(`^arn:${PARTITION}:sns:${REGION}:${ACCOUNT}:[A-Za-z0-9_-]{1,256}$`);
const IAM_POLICY_ARN = new RegExp(`^arn:${PARTITION}:iam::(?:${ACCOUNT}|aws):policy/[\\w+=,.@/-]+$`);
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** CloudWatch Logs' retention values; the CDK's INFINITE is not one (it means "no retention"). */
const LOG_RETENTION_DAYS = Object.values(logs.RetentionDays).filter(
  (days): days is logs.RetentionDays => typeof days === 'number' && days !== logs.RetentionDays.INFINITE,
);
/** Lambda's application log levels, from the most to the least verbose. */
const LOG_LEVELS: readonly lambda.ApplicationLogLevel[] = [
  lambda.ApplicationLogLevel.TRACE,
  lambda.ApplicationLogLevel.DEBUG,
  lambda.ApplicationLogLevel.INFO,
  lambda.ApplicationLogLevel.WARN,
  lambda.ApplicationLogLevel.ERROR,
  lambda.ApplicationLogLevel.FATAL,
];

/** AWS tag rules: key 1 to 128 characters, value up to 256, from this set; `aws:` is reserved. */
const AWS_TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_RESOURCE_TAGS = 50;

/**
 * Reads and checks every context key.
 * @param lookup reads one key, such as `(key) => app.node.tryGetContext(key)`.
 * @throws InvalidSettingError naming the first key at fault.
 */
export function readAppSettings(lookup: ContextLookup): AppSettings {
  const apiKeyMaxAgeSeconds = readSetting(lookup, 'apiKeyMaxAgeSeconds');
  // Checked here too, so the error names the context key rather than the construct's prop.
  const maxAgeProblem = apiKeyMaxAgeSeconds === undefined ? undefined : settingProblem('apiKeyMaxAgeSeconds', apiKeyMaxAgeSeconds);
  if (maxAgeProblem !== undefined) throw new InvalidSettingError('apiKeyMaxAgeSeconds', maxAgeProblem);
  const collector = readPlainCollectorProps(lookup);
  return {
    ...readOrganizationStackSettings(lookup, collector),
    ...readApiKeySecret(lookup),
    ...readAlarmTarget(lookup),
    resourceTags: readResourceTags(lookup),
    permissionsBoundaryArn: readMatching(lookup, 'permissionsBoundaryArn', IAM_POLICY_ARN, 'an IAM managed policy ARN'),
    collector: {
      ...collector,
      schedule: readSchedule(lookup, 'schedule'),
      costExplorerSchedule: readSchedule(lookup, 'costExplorerSchedule'),
      apiKeyMaxAge: apiKeyMaxAgeSeconds === undefined ? undefined : Duration.seconds(apiKeyMaxAgeSeconds),
      logRetention: readLogRetention(lookup),
      logLevel: readLogLevel(lookup),
    },
  };
}

/** The collector settings whose context value is, as it is, the construct prop of the same name. */
type PlainCollectorProp = Exclude<CollectorSettingName & ContextSettingName, 'apiKeySecretArn' | 'apiKeyMaxAgeSeconds' | 'logLevel'>;

/**
 * Reads every plain collector setting of the table into its prop: a setting added to the table
 * reaches the construct with no change here. The three others are read above (the secret is the
 * stack's, the key age a Duration, the log level Lambda's enum).
 */
function readPlainCollectorProps(lookup: ContextLookup): { [K in PlainCollectorProp]?: SettingValue<K> } {
  const special: readonly string[] = ['apiKeySecretArn', 'apiKeyMaxAgeSeconds', 'logLevel'];
  const props: Record<string, unknown> = {};
  for (const name of COLLECTOR_SETTING_NAMES) {
    if (settingSpec(name).context === undefined || special.includes(name)) continue;
    props[name] = readSetting(lookup, name as PlainCollectorProp);
  }
  return props;
}

/** The organization stacks' settings: only in organization mode, and the collector's account wherever it cannot be derived. */
function readOrganizationStackSettings(
  lookup: ContextLookup,
  collector: { readonly accounts?: string; readonly managementRoleArn?: string },
): OrganizationStackSettings {
  const settings: OrganizationStackSettings = {
    memberRoleTargets: readChecked(lookup, 'memberRoleTargets'),
    collectorAccountId: readChecked(lookup, 'collectorAccountId'),
    callAsDelegatedAdmin: readSetting(lookup, 'callAsDelegatedAdmin'),
  };
  if (collector.accounts !== 'organization') {
    const given = (Object.keys(settings) as (keyof OrganizationStackSettings)[]).find((key) => settings[key] !== undefined);
    if (given !== undefined) {
      throw new InvalidSettingError(given, 'applies only with `accounts` set to organization; set accounts=organization or remove it');
    }
  }
  // The StackSet defaults the collector's account to its own, which is the collector's only
  // when both are in the management account.
  const elsewhere = collector.managementRoleArn !== undefined || settings.callAsDelegatedAdmin === true;
  if (settings.memberRoleTargets !== undefined && elsewhere && settings.collectorAccountId === undefined) {
    throw new InvalidSettingError(
      'collectorAccountId',
      'is required with `memberRoleTargets` when the StackSet is deployed from another account than the collector ' +
        '(`managementRoleArn` or `callAsDelegatedAdmin` is set): give the 12-digit id of the account the collector runs in',
    );
  }
  return settings;
}

/** A setting read and held to the table's check, the error naming its context key. */
function readChecked<K extends 'memberRoleTargets' | 'collectorAccountId'>(lookup: ContextLookup, name: K): SettingValue<K> | undefined {
  const value = readSetting(lookup, name);
  const problem = value === undefined ? undefined : settingProblem(name, value);
  if (problem !== undefined) throw new InvalidSettingError(name, problem);
  return value;
}

/** A string that must match `pattern`; `what` says in words what it must be. */
function readMatching(
  lookup: ContextLookup,
  key: 'apiKeySecretArn' | 'apiKeySecretKmsKeyArn' | 'alarmEmail' | 'alarmTopicArn' | 'permissionsBoundaryArn',
  pattern: RegExp,
  what: string,
): string | undefined {
  const arn = readSetting(lookup, key);
  if (arn !== undefined && !pattern.test(arn)) {
    throw new InvalidSettingError(key, `must be ${what}, got ${shown(arn)}`);
  }
  return arn;
}

function readApiKeySecret(lookup: ContextLookup): Pick<AppSettings, 'apiKeySecretArn' | 'apiKeySecretKmsKeyArn'> {
  const apiKeySecretArn = readMatching(
    lookup,
    'apiKeySecretArn',
    SECRET_ARN,
    'the complete ARN of a Secrets Manager secret, with the 6 characters Secrets Manager adds to ' +
      'the name (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf); ' +
      '`aws secretsmanager describe-secret --secret-id <name> --query ARN` prints it',
  );
  const apiKeySecretKmsKeyArn = readMatching(
    lookup,
    'apiKeySecretKmsKeyArn',
    KMS_KEY_ARN,
    'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias',
  );
  if (apiKeySecretKmsKeyArn !== undefined) {
    if (apiKeySecretArn === undefined) {
      throw new InvalidSettingError(
        'apiKeySecretKmsKeyArn',
        'is set without `apiKeySecretArn`; a secret the stack creates uses the AWS managed key, so ' +
          'give the KMS key only with the existing secret it encrypts',
      );
    }
    const secretRegion = SECRET_ARN.exec(apiKeySecretArn)?.[1];
    const keyRegion = KMS_KEY_ARN.exec(apiKeySecretKmsKeyArn)?.[1];
    if (secretRegion !== keyRegion) {
      throw new InvalidSettingError(
        'apiKeySecretKmsKeyArn',
        `is in ${keyRegion} but the secret of \`apiKeySecretArn\` is in ${secretRegion}; ` +
          'a secret is encrypted with a key of its own region',
      );
    }
  }
  return { apiKeySecretArn, apiKeySecretKmsKeyArn };
}

function readAlarmTarget(lookup: ContextLookup): Pick<AppSettings, 'alarmEmail' | 'alarmTopicArn'> {
  const alarmEmail = readMatching(lookup, 'alarmEmail', EMAIL, 'an e-mail address');
  const alarmTopicArn = readMatching(
    lookup,
    'alarmTopicArn',
    SNS_TOPIC_ARN,
    'a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)',
  );
  if (alarmEmail !== undefined && alarmTopicArn !== undefined) {
    throw new InvalidSettingError(
      'alarmEmail',
      'and `alarmTopicArn` are both set; give one: the e-mail gets a new topic, or subscribe it to your topic',
    );
  }
  return { alarmEmail, alarmTopicArn };
}

/**
 * A rule's schedule and its period setting: the hourly rule's (`schedule`), whose period the
 * "no successful run" alarm counts in, or the second rule's (`costExplorerSchedule`), whose period
 * its Datadog monitor counts in.
 */
const SCHEDULE_SETTINGS = {
  schedule: { period: 'schedulePeriodMinutes', countedBy: 'the "no successful run" alarm' },
  costExplorerSchedule: { period: 'costExplorerSchedulePeriodMinutes', countedBy: 'its Datadog monitor' },
} as const;

function readSchedule(lookup: ContextLookup, name: keyof typeof SCHEDULE_SETTINGS): CollectorSchedule | undefined {
  const { period, countedBy } = SCHEDULE_SETTINGS[name];
  const expression = readSetting(lookup, name);
  const periodMinutes = readSetting(lookup, period);
  if (periodMinutes === 0) {
    throw new InvalidSettingError(period, 'must be at least 1');
  }
  if (expression === undefined) {
    if (periodMinutes !== undefined) {
      throw new InvalidSettingError(period, `is set without a cron \`${name}\``);
    }
    return undefined;
  }
  const parsed = parseScheduleExpression(expression);
  switch (parsed.kind) {
    case 'invalid':
      throw new InvalidSettingError(name, `${parsed.problem}, got ${shown(expression)}`);
    case 'rate':
      if (periodMinutes !== undefined) {
        throw new InvalidSettingError(period, `applies only to a cron \`${name}\`; a rate schedule is its own period, so remove it`);
      }
      return CollectorSchedule.rate(parsed.interval);
    case 'cron':
      if (periodMinutes === undefined) {
        throw new InvalidSettingError(
          period,
          `is required with a cron \`${name}\`: the longest time in minutes between two runs, ` + `which ${countedBy} counts in`,
        );
      }
      return CollectorSchedule.cron(parsed.options, Duration.minutes(periodMinutes));
  }
}

function readLogRetention(lookup: ContextLookup): logs.RetentionDays | undefined {
  const days = readSetting(lookup, 'logRetentionDays');
  if (days === undefined) return undefined;
  const retention = LOG_RETENTION_DAYS.find((allowed) => allowed === days);
  if (retention === undefined) {
    throw new InvalidSettingError(
      'logRetentionDays',
      `must be one of CloudWatch Logs' values: ${LOG_RETENTION_DAYS.join(', ')}; got ${days}`,
    );
  }
  return retention;
}

function readLogLevel(lookup: ContextLookup): lambda.ApplicationLogLevel | undefined {
  const text = readSetting(lookup, 'logLevel')?.toUpperCase();
  if (text === undefined) return undefined;
  const level = LOG_LEVELS.find((allowed) => allowed === text);
  if (level === undefined) {
    throw new InvalidSettingError('logLevel', `must be one of ${LOG_LEVELS.join(', ')}; got ${shown(text)}`);
  }
  return level;
}

function readResourceTags(lookup: ContextLookup): Record<string, string> | undefined {
  const tags = readSetting(lookup, 'resourceTags');
  if (tags === undefined) return undefined;
  const entries = Object.entries(tags);
  if (entries.length > MAX_RESOURCE_TAGS) {
    throw new InvalidSettingError('resourceTags', `has ${entries.length} tags; AWS allows ${MAX_RESOURCE_TAGS}`);
  }
  for (const [key, value] of entries) {
    const keyOk = key.length >= 1 && key.length <= 128 && AWS_TAG_TEXT.test(key) && !/^aws:/i.test(key);
    const valueOk = value.length <= 256 && AWS_TAG_TEXT.test(value);
    if (!keyOk || !valueOk) {
      throw new InvalidSettingError(
        'resourceTags',
        `has the tag ${shown(`${key}=${value}`)}; AWS tag keys are 1 to 128 characters and may not ` +
          'start with "aws:", values at most 256, both only letters, digits, spaces and _ . : / = + - @',
      );
    }
  }
  return tags;
}

/**
 * Refuses a context key that is not a setting, naming the nearest one: a misspelled key would
 * otherwise be ignored and its default used (`-c metricprefix=x` would keep `aws.billing`).
 * The CDK's own keys stay allowed: those holding `:` (`aws:cdk:...`, cached lookups) or
 * starting with `@` (feature flags).
 * @param keys every context key the app was given.
 * @throws InvalidSettingError naming the first unknown key; ActionableError describing one shaped like a secret.
 */
export function checkContextKeys(keys: Iterable<string>): void {
  for (const key of keys) {
    if (key.includes(':') || key.startsWith('@') || CONTEXT_KEYS.includes(key)) continue;
    const secret = secretShape(key);
    if (secret !== undefined) {
      // A key pasted where `-c` wants a setting's name (`-c <key>=x`): described, never echoed.
      throw new ActionableError(`A context key is not a setting of this app: the key is ${secret}.`, {
        fix: `Give settings as -c <setting>=<value>; the settings are: ${CONTEXT_KEYS.join(', ')}`,
      });
    }
    const nearest = nearestKey(key);
    throw new InvalidSettingError(
      key,
      `is not a setting of this app${nearest === undefined ? '' : `; did you mean \`${nearest}\``}? ` +
        `The settings are: ${CONTEXT_KEYS.join(', ')}`,
    );
  }
}

/** The setting closest in spelling to `key`, when one is close enough to be what was meant. */
function nearestKey(key: string): ContextSettingName | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of CONTEXT_KEYS) {
    const distance = editDistance(key.toLowerCase(), name.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name, distance };
  }
  // A third of the key's length is a typo; more is another word.
  return best !== undefined && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? (best.name as ContextSettingName) : undefined;
}

/** Levenshtein distance: insertions, deletions and substitutions. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../lambda/environment';
import { BILLING_COLLECTOR_DEFAULTS } from '../../lib/billing-collector-props';
import { checkContextKeys, readAppSettings, type AppSettings } from '../../lib/context';
import { CONTEXT_KEYS, DEFAULTS as SETTING_DEFAULTS, type ContextSettingName } from '../../lambda/settings';
import { DEPLOYMENT_DEFAULTS } from '../../lambda/deployment';
import { CollectorSchedule } from '../../lib/schedule';
import { readBoolean, readStringList, readStringMap, readWholeNumber } from '../../lib/context-values';
import { InvalidSettingError } from '../../lambda/errors';
import { buildApp, CDK_JSON } from './app-fixture';

const lookupOf =
  (context: Record<string, unknown>) =>
  (key: string): unknown =>
    context[key];

describe('context values given in cdk.json or with -c', () => {
  it.each([
    [true, true],
    ['true', true],
    [' FALSE ', false],
    [false, false],
    ['', undefined],
    [null, undefined],
    [undefined, undefined],
  ])('reads the boolean %j as %j', (raw, expected) => {
    expect(readBoolean(lookupOf({ k: raw }), 'k')).toBe(expected);
  });

  it.each([
    [90, 90],
    ['90', 90],
    [' 0 ', 0],
  ])('reads the whole number %j as %j', (raw, expected) => {
    expect(readWholeNumber(lookupOf({ k: raw }), 'k')).toBe(expected);
  });

  it.each([
    [
      ['a:b', 'c'],
      ['a:b', 'c'],
    ],
    ['a:b, c', ['a:b', 'c']],
    ['["a:b", "c"]', ['a:b', 'c']],
    ['a:b,,', ['a:b']],
    ['[]', []],
    ['{"team":"finops", "cost_center": "42"}', ['team:finops', 'cost_center:42']],
    [{ team: 'finops' }, ['team:finops']],
  ])('reads the list %j as %j', (raw, expected) => {
    expect(readStringList(lookupOf({ k: raw }), 'k')).toEqual(expected);
  });

  it.each([
    [{ team: 'finops' }, { team: 'finops' }],
    ['{"team":"finops","retain":true,"n":42}', { team: 'finops', retain: 'true', n: '42' }],
  ])('reads the map %j as %j', (raw, expected) => {
    expect(readStringMap(lookupOf({ k: raw }), 'k')).toEqual(expected);
  });
});

describe('cdk.json', () => {
  it('runs the app with tsx', () => {
    expect(CDK_JSON.app).toBe('npx tsx bin/app.ts');
  });

  it('holds the same defaults as the construct, so leaving a key out changes nothing', () => {
    const settings = readAppSettings(lookupOf(CDK_JSON.context));
    expect(settings.collector?.datadogSite).toBe(BILLING_COLLECTOR_DEFAULTS.datadogSite);
    expect(settings.collector?.datadogSite).toBe(DEFAULTS.datadogSite);
    expect(settings.collector?.schedule?.expression.expressionString).toBe('rate(1 hour)');
    expect(settings.collector?.schedule?.period.toSeconds()).toBe(BILLING_COLLECTOR_DEFAULTS.scheduleRate.toSeconds());
    expect(settings.collector?.costExplorerSchedule).toBeUndefined();
    expect(settings.collector?.logRetention).toBe(BILLING_COLLECTOR_DEFAULTS.logRetention);
    expect(settings.collector?.logLevel).toBe(BILLING_COLLECTOR_DEFAULTS.logLevel);
  });

  it("gives the second rule the settings table's default schedule, with the period its monitor counts in", () => {
    const schedule = CollectorSchedule.rate(BILLING_COLLECTOR_DEFAULTS.costExplorerScheduleRate);
    expect(schedule.expression.expressionString).toBe(SETTING_DEFAULTS.costExplorerSchedule);
    expect(schedule.period.toMinutes()).toBe(DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes);
  });

  it('sets no collector setting, so the collector applies its own defaults', () => {
    const collectorKeys = [
      'metricPrefix',
      'collectBudgets',
      'collectBudgetThresholds',
      'collectEstimatedCharges',
      'collectLinkedAccountServices',
      'apiKeyMaxAgeSeconds',
      'sendHealthMetrics',
    ];
    expect(Object.keys(CDK_JSON.context).filter((key) => collectorKeys.includes(key))).toEqual([]);
  });
});

describe('valid context', () => {
  it('reads every key of a full -c command line', () => {
    const settings = readAppSettings(
      lookupOf({
        schedule: 'rate(30 minutes)',
        apiKeyMaxAgeSeconds: '600',
        logRetentionDays: '7',
        logLevel: 'warn',
        collectBudgets: 'true',
        resourceTags: '{"team":"finops"}',
      }),
    );
    expect(settings.collector?.schedule?.expression.expressionString).toBe('rate(30 minutes)');
    expect(settings.collector?.schedule?.period.toMinutes()).toBe(30);
    expect(settings.collector?.apiKeyMaxAge?.toSeconds()).toBe(600);
    expect(settings.collector?.logRetention).toBe(logs.RetentionDays.ONE_WEEK);
    expect(settings.collector?.logLevel).toBe(lambda.ApplicationLogLevel.WARN);
    expect(settings.collector?.collectBudgets).toBe(true);
    expect(settings.resourceTags).toEqual({ team: 'finops' });
  });

  it("reads the second rule's schedule apart from the hourly one, and pairs its cron with costExplorerSchedulePeriodMinutes", () => {
    const rate = readAppSettings(lookupOf({ costExplorerSchedule: 'rate(8 hours)' }));
    expect(rate.collector?.costExplorerSchedule?.expression.expressionString).toBe('rate(8 hours)');
    expect(rate.collector?.costExplorerSchedule?.period.toMinutes()).toBe(480);
    expect(rate.collector?.schedule).toBeUndefined();
    const cron = readAppSettings(lookupOf({ costExplorerSchedule: 'cron(0 6,18 * * ? *)', costExplorerSchedulePeriodMinutes: '720' }));
    expect(cron.collector?.costExplorerSchedule?.expression.expressionString).toBe('cron(0 6,18 * * ? *)');
    expect(cron.collector?.costExplorerSchedule?.period.toMinutes()).toBe(720);
  });

  it('pairs a cron schedule with schedulePeriodMinutes', () => {
    const settings = readAppSettings(lookupOf({ schedule: 'cron(0 8 ? * MON-FRI *)', schedulePeriodMinutes: 480 }));
    expect(settings.collector?.schedule?.expression.expressionString).toBe('cron(0 8 ? * MON-FRI *)');
    expect(settings.collector?.schedule?.period.toSeconds()).toBe(Duration.hours(8).toSeconds());
  });
});

/**
 * Each invalid value and the message docs/troubleshooting.md documents for it.
 * The app is built as `bin/app.ts` builds it, so checks made by the construct count too.
 */
const INVALID_CONTEXT: [string, Record<string, unknown>, string][] = [
  [
    'datadogSite',
    { datadogSite: 'datadog.com' },
    '`datadogSite` "datadog.com" is not a Datadog site; use one of datadoghq.com, us3.datadoghq.com, ' +
      'us5.datadoghq.com, datadoghq.eu, ap1.datadoghq.com, ap2.datadoghq.com, uk1.datadoghq.com, ddog-gov.com, us2.ddog-gov.com',
  ],
  [
    'apiKeySecretArn',
    { apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog' },
    '`apiKeySecretArn` must be the complete ARN of a Secrets Manager secret, with the 6 characters',
  ],
  [
    'apiKeySecretKmsKeyArn',
    { apiKeySecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:alias/datadog' },
    '`apiKeySecretKmsKeyArn` must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias',
  ],
  [
    'apiKeySecretKmsKeyArn',
    { apiKeySecretKmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab' },
    '`apiKeySecretKmsKeyArn` is set without `apiKeySecretArn`',
  ],
  [
    'apiKeySecretKmsKeyArn',
    {
      apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-AbCdEf',
      apiKeySecretKmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    },
    '`apiKeySecretKmsKeyArn` is in us-east-1 but the secret of `apiKeySecretArn` is in eu-west-1',
  ],
  [
    'schedule',
    { schedule: 'every hour' },
    '`schedule` must be a rate or cron expression, such as rate(1 hour), rate(30 minutes) or cron(15 */2 * * ? *), got "every hour"',
  ],
  ['schedule', { schedule: 'rate(0 hours)' }, '`schedule` must be a rate of at least 1, got "rate(0 hours)"'],
  [
    'schedule',
    { schedule: 'cron(0 8 * *)', schedulePeriodMinutes: 60 },
    '`schedule` must have six cron fields: minute hour day-of-month month day-of-week year',
  ],
  [
    'schedule',
    { schedule: 'cron(0 8 * * MON *)', schedulePeriodMinutes: 60 },
    '`schedule` must have "?" in exactly one of day-of-month and day-of-week',
  ],
  [
    'schedule',
    { schedule: 'rate(12 hours)' },
    '`schedule` gives a period of 12 hours; the "no successful run" alarm watches 3 periods and ' +
      'CloudWatch limits an alarm to 1 day, so the period can be at most 8 hours',
  ],
  [
    'schedule',
    { schedule: 'cron(0 6 * * ? *)', schedulePeriodMinutes: 1440 },
    '`schedule` gives a period of 1 day; the "no successful run" alarm watches 3 periods',
  ],
  ['schedulePeriodMinutes', { schedule: 'cron(0 */2 * * ? *)' }, '`schedulePeriodMinutes` is required with a cron `schedule`'],
  [
    'schedulePeriodMinutes',
    { schedule: 'rate(1 hour)', schedulePeriodMinutes: '60' },
    '`schedulePeriodMinutes` applies only to a cron `schedule`',
  ],
  ['schedulePeriodMinutes', { schedulePeriodMinutes: 'often' }, '`schedulePeriodMinutes` must be a whole number, got "often"'],
  [
    'costExplorerSchedule',
    { costExplorerSchedule: 'twice a day' },
    '`costExplorerSchedule` must be a rate or cron expression, such as rate(1 hour), rate(30 minutes) or cron(15 */2 * * ? *), got "twice a day"',
  ],
  [
    'costExplorerSchedule',
    { costExplorerSchedule: 'rate(2 days)' },
    '`costExplorerSchedule` gives a period of 2 days; run it at least once a day, or the days between two runs never get their daily cost',
  ],
  [
    'costExplorerSchedulePeriodMinutes',
    { costExplorerSchedule: 'cron(0 6,18 * * ? *)' },
    '`costExplorerSchedulePeriodMinutes` is required with a cron `costExplorerSchedule`: the longest time in minutes between two runs, ' +
      'which its Datadog monitor counts in',
  ],
  [
    'costExplorerSchedulePeriodMinutes',
    { costExplorerSchedule: 'rate(12 hours)', costExplorerSchedulePeriodMinutes: 720 },
    '`costExplorerSchedulePeriodMinutes` applies only to a cron `costExplorerSchedule`',
  ],
  [
    'costExplorerSchedulePeriodMinutes',
    { costExplorerSchedulePeriodMinutes: 720 },
    '`costExplorerSchedulePeriodMinutes` is set without a cron `costExplorerSchedule`',
  ],
  ['tags', { tags: ['team:finops,prod'] }, '`tags` has the item "team:finops,prod"; items may not be blank or hold a comma'],
  [
    'tags',
    { tags: ['team:finops', 'account_id:1'] },
    '`tags` has the item "account_id:1", whose key account_id the collector sets itself; give the tag another key',
  ],
  ['tags', { tags: ',,' }, '`tags` holds only blank items, got ",,"; give at least one item, or leave the key out'],
  ['tags', { tags: '{"team": 1}' }, '`tags` must be a list of strings'],
  ['env', { env: 'x'.repeat(201) }, '`env` must be between 1 and 200 characters'],
  [
    'metricPrefix',
    { metricPrefix: '1password.billing' },
    '`metricPrefix` "1password.billing" must start with a letter, hold only ASCII letters, digits, "_" and "."',
  ],
  [
    'metricPrefix',
    { metricPrefix: 'aws.billing.' },
    '`metricPrefix` "aws.billing." ends with "."; drop the trailing dot (give aws.billing)',
  ],
  ['collectBudgets', { collectBudgets: 'yes' }, '`collectBudgets` must be true or false, got "yes"'],
  [
    'collectEstimatedCharges',
    { collectBudgets: 'false', collectEstimatedCharges: false },
    '`collectEstimatedCharges`, `collectBudgets`, `collectCostExplorer` and `collectCostAnomalies` are all false: nothing to collect; turn one of them on',
  ],
  ['sendHealthMetrics', { sendHealthMetrics: 1 }, '`sendHealthMetrics` must be true or false, got "1"'],
  ['serviceAllowlist', { serviceAllowlist: '["AmazonEC2", 3]' }, '`serviceAllowlist` must be a list of strings'],
  ['apiKeyMaxAgeSeconds', { apiKeyMaxAgeSeconds: '-1' }, '`apiKeyMaxAgeSeconds` must be a whole number, got "-1"'],
  [
    'apiKeyMaxAgeSeconds',
    { apiKeyMaxAgeSeconds: '0' },
    '`apiKeyMaxAgeSeconds` must be at least 60 seconds, got 0; use 60 or more, such as the default 21600 (6 hours)',
  ],
  [
    'logRetentionDays',
    { logRetentionDays: '45' },
    "`logRetentionDays` must be one of CloudWatch Logs' values: 1, 3, 5, 7, 14, 30, 60, 90,",
  ],
  ['logLevel', { logLevel: 'verbose' }, '`logLevel` must be one of TRACE, DEBUG, INFO, WARN, ERROR, FATAL; got "VERBOSE"'],
  ['alarmEmail', { alarmEmail: 'finops' }, '`alarmEmail` must be an e-mail address, got "finops"'],
  [
    'alarmTopicArn',
    { alarmTopicArn: 'ops-alarms' },
    '`alarmTopicArn` must be a standard SNS topic ARN (arn:aws:sns:<region>:<account>:<name>), got "ops-alarms"',
  ],
  [
    'alarmEmail',
    { alarmEmail: 'finops@example.com', alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:ops' },
    '`alarmEmail` and `alarmTopicArn` are both set',
  ],
  [
    'resourceTags',
    { resourceTags: 'team=finops' },
    '`resourceTags` must be a JSON object of strings, such as {"team":"finops"}, got "team=finops"',
  ],
  ['resourceTags', { resourceTags: { 'aws:owner': 'me' } }, '`resourceTags` has the tag "aws:owner=me"'],
  [
    'permissionsBoundaryArn',
    { permissionsBoundaryArn: 'developer-boundary' },
    '`permissionsBoundaryArn` must be an IAM managed policy ARN, got "developer-boundary"',
  ],
];

describe('invalid context', () => {
  it.each(INVALID_CONTEXT)('names `%s` when given %j', (key, context, message) => {
    let thrown: unknown;
    try {
      buildApp(context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSettingError);
    expect((thrown as InvalidSettingError).setting).toBe(key);
    expect((thrown as Error).message).toContain(message);
  });
});

describe('context keys against the settings table', () => {
  it('reads every context key of the table, and no other', () => {
    const read = new Set<string>();
    readAppSettings((key) => {
      read.add(key);
      return undefined;
    });
    expect([...read].sort()).toEqual([...CONTEXT_KEYS].sort());
  });

  it.each([
    ['metricprefix', 'metricPrefix'],
    ['datadogsite', 'datadogSite'],
    ['colectBudgets', 'collectBudgets'],
    ['alarmEmial', 'alarmEmail'],
    ['shedule', 'schedule'],
  ])('refuses the key %s, suggesting %s', (key, meant) => {
    expect(() => checkContextKeys([key])).toThrow(`\`${key}\` is not a setting of this app; did you mean \`${meant}\`?`);
  });

  it('refuses a key that resembles no setting without a suggestion, listing the settings', () => {
    expect(() => checkContextKeys(['region'])).toThrow(/`region` is not a setting of this app\? The settings are: datadogSite, /);
  });

  it.each([
    ['@aws-cdk/core:newStyleStackSynthesis'],
    ['aws:cdk:enable-path-metadata'],
    ['availability-zones:account=1:region=us-east-1'],
    ...CONTEXT_KEYS.map((key) => [key]),
  ])('accepts %s', (key) => {
    expect(() => checkContextKeys([key])).not.toThrow();
  });
});

/**
 * Compile-time: every context setting is a stack or collector prop, or is read into one (a
 * schedule's period, a retention in days, a key age in seconds). A setting added to the table
 * and forgotten by the props fails `npm run typecheck` here.
 */
type ReadIntoAnotherProp = 'schedulePeriodMinutes' | 'costExplorerSchedulePeriodMinutes' | 'logRetentionDays' | 'apiKeyMaxAgeSeconds';
type PropNames = keyof AppSettings | keyof NonNullable<AppSettings['collector']>;
type ContextSettingsWithoutProp = Exclude<ContextSettingName, PropNames | ReadIntoAnotherProp>;
const everyContextSettingHasAProp: [ContextSettingsWithoutProp] extends [never] ? true : ContextSettingsWithoutProp = true;
void everyContextSettingHasAProp;

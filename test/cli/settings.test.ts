/**
 * Flags to the Lambda's environment variables and on to its Config: the mapping the preview's
 * faithfulness rests on.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../cli/errors';
import { collectorEnvironment, nameFlags, resolveSettings, settingAsFlag, type CollectorFlags } from '../../cli/settings';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { startFakeAws } from '../../fakes/aws/server';
import { describeError, textOf, NoBillingMetricsError } from '../../lambda/errors';
import { settingForStack, type SettingName } from '../../lambda/settings';
import { estimatedChargesSource } from '../../lambda/sources/estimated-charges';

const DEFAULT_FLAGS: CollectorFlags = {
  budgets: true,
  budgetThresholds: true,
  estimatedCharges: true,
  healthMetrics: true,
  serviceAllow: [],
  serviceDeny: [],
  accountAllow: [],
  accountDeny: [],
  accountTagKeys: [],
  switchedOn: {},
  costMetrics: [],
  costGroupBy: [],
  tags: [],
  verbose: false,
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-api-key-AbCdEf';
const API_KEY = '0123456789abcdef0123456789abcdef';

describe('collectorEnvironment', () => {
  it('sets no collector variable when no switch is given, so the collector applies its own defaults', () => {
    expect(collectorEnvironment(DEFAULT_FLAGS, {}, {})).toEqual({ AWS_LAMBDA_LOG_LEVEL: 'WARN' });
  });

  it.each<[string, Partial<CollectorFlags>, Record<string, string>]>([
    ['--metric-prefix', { metricPrefix: 'custom.billing' }, { METRIC_PREFIX: 'custom.billing' }],
    ['--no-budgets', { budgets: false }, { COLLECT_BUDGETS: 'false' }],
    ['--no-estimated-charges', { estimatedCharges: false }, { COLLECT_ESTIMATED_CHARGES: 'false' }],
    ['--no-linked-account-services', { linkedAccountServices: false }, { COLLECT_LINKED_ACCOUNT_SERVICES: 'false' }],
    ['--linked-account-services', { linkedAccountServices: true }, { COLLECT_LINKED_ACCOUNT_SERVICES: 'true' }],
    ['--no-health-metrics', { healthMetrics: false }, { SEND_HEALTH_METRICS: 'false' }],
    ['--cost-explorer', { switchedOn: { collectCostExplorer: true } }, { COLLECT_COST_EXPLORER: 'true' }],
    ['--cost-anomalies', { switchedOn: { collectCostAnomalies: true } }, { COLLECT_COST_ANOMALIES: 'true' }],
    ['--service-allow', { serviceAllow: ['AmazonEC2', 'AWSLambda'] }, { SERVICE_ALLOWLIST: 'AmazonEC2,AWSLambda' }],
    ['--service-deny', { serviceDeny: ['AmazonS3'] }, { SERVICE_DENYLIST: 'AmazonS3' }],
    ['--tags', { tags: ['team:finops', 'env:dev'] }, { DD_TAGS: 'team:finops,env:dev' }],
    ['--verbose', { verbose: true }, { AWS_LAMBDA_LOG_LEVEL: 'INFO' }],
  ])('%s sets the variable the Lambda reads', (_flag, flags, expected) => {
    expect(collectorEnvironment({ ...DEFAULT_FLAGS, ...flags }, {}, {})).toMatchObject(expected);
  });

  it.each([
    ['DD_SITE', { site: 'datadoghq.eu' }, 'us5.datadoghq.com'],
    ['DD_API_URL', { apiUrl: 'http://127.0.0.1:9000' }, 'http://127.0.0.1:8000'],
    ['DD_API_KEY_SECRET_ARN', { apiKeySecretArn: SECRET_ARN }, SECRET_ARN.replace('eu-west-1', 'us-east-1')],
  ])('%s comes from the environment, and its flag wins over it', (variable, flags, fromEnv) => {
    expect(collectorEnvironment(DEFAULT_FLAGS, {}, { [variable]: fromEnv })[variable]).toBe(fromEnv);
    expect(collectorEnvironment(DEFAULT_FLAGS, flags, { [variable]: fromEnv })[variable]).toBe(Object.values(flags)[0]);
  });

  it("reads Datadog's own tag variables, as the function does, and lets a flag win over each", () => {
    const env = { DD_TAGS: 'a:b, c:d', DD_ENV: 'prod', DD_SERVICE: 'billing' };
    expect(collectorEnvironment(DEFAULT_FLAGS, {}, env)).toMatchObject({ DD_TAGS: 'a:b,c:d', DD_ENV: 'prod', DD_SERVICE: 'billing' });
    expect(collectorEnvironment({ ...DEFAULT_FLAGS, tags: ['x:y'], env: 'dev', service: 'cost' }, {}, env)).toMatchObject({
      DD_TAGS: 'x:y',
      DD_ENV: 'dev',
      DD_SERVICE: 'cost',
    });
  });

  it("ignores the collector's other variables: a shell variable cannot change the preview behind the flags", () => {
    const environment = collectorEnvironment(DEFAULT_FLAGS, {}, { METRIC_PREFIX: 'x', COLLECT_BUDGETS: 'false' });
    expect(environment).toEqual({ AWS_LAMBDA_LOG_LEVEL: 'WARN' });
  });
});

describe('resolveSettings', () => {
  it('builds the Config with the collector defaults and the switches applied', () => {
    const { config } = resolveSettings({ ...DEFAULT_FLAGS, linkedAccountServices: false, serviceDeny: ['AmazonS3'] }, {}, {});
    expect(config).toMatchObject({
      apiOrigin: 'https://api.datadoghq.com',
      metricPrefix: 'aws.billing',
      collectBudgets: true,
      collectEstimatedCharges: true,
      collectLinkedAccountServices: false,
      sendHealthMetrics: true,
      logLevel: 'WARN',
    });
    expect(config.serviceDenylist).toEqual(['AmazonS3']);
  });

  it('needs no secret: the stand-in ARN used for validation does not leak into the Config', () => {
    const { config, key } = resolveSettings(DEFAULT_FLAGS, {}, {});
    expect(config.apiKeySecretArn).toBe('');
    expect(config.apiKeySecretRegion).toBe('');
    expect(key).toEqual({ kind: 'none' });
  });

  it('reads the secret in the region of its ARN', () => {
    expect(resolveSettings(DEFAULT_FLAGS, { apiKeySecretArn: SECRET_ARN }, {}).key).toEqual({
      kind: 'secret',
      secretArn: SECRET_ARN,
      secretRegion: 'eu-west-1',
    });
  });

  it('takes DD_API_KEY when no secret is given', () => {
    expect(resolveSettings(DEFAULT_FLAGS, {}, { DD_API_KEY: ` ${API_KEY}\n` }).key).toEqual({
      kind: 'environment',
      variable: 'DD_API_KEY',
      value: API_KEY,
    });
  });

  it('prefers a secret over DD_API_KEY', () => {
    expect(resolveSettings(DEFAULT_FLAGS, {}, { DD_API_KEY: API_KEY, DD_API_KEY_SECRET_ARN: SECRET_ARN }).key.kind).toBe('secret');
  });

  it('turns the collector’s ConfigError into a UsageError naming the flags', () => {
    expect(() => resolveSettings({ ...DEFAULT_FLAGS, metricPrefix: '1x' }, { site: 'x' }, {})).toThrow(UsageError);
    try {
      resolveSettings({ ...DEFAULT_FLAGS, metricPrefix: '1x' }, { site: 'x' }, {});
    } catch (error) {
      expect((error as UsageError).problems).toHaveLength(2);
      expect((error as UsageError).problems[0]).toMatch(/^--site \(DD_SITE\) "x"/);
    }
  });
});

describe('nameFlags', () => {
  it.each([
    ['DD_SITE "x" is not a Datadog site', '--site (DD_SITE) "x" is not a Datadog site'],
    [
      'COLLECT_BUDGETS and COLLECT_ESTIMATED_CHARGES are both false',
      '--no-budgets (COLLECT_BUDGETS) and --no-estimated-charges (COLLECT_ESTIMATED_CHARGES) are both false',
    ],
    ['API_KEY_MAX_AGE_SECONDS must be whole', 'API_KEY_MAX_AGE_SECONDS must be whole'],
  ])('%s', (problem, expected) => {
    expect(nameFlags(problem)).toBe(expected);
  });
});

describe('settingAsFlag: the tool names a setting by its flag, the function by variable and context key', () => {
  it.each<[SettingName, string | undefined, string, string]>([
    ['collectEstimatedCharges', 'false', '--no-estimated-charges', 'COLLECT_ESTIMATED_CHARGES=false (context key collectEstimatedCharges)'],
    ['datadogSite', 'datadoghq.eu', '--site datadoghq.eu (DD_SITE)', 'DD_SITE=datadoghq.eu (context key datadogSite)'],
    ['apiKeySecretArn', undefined, '--api-key-secret-arn (DD_API_KEY_SECRET_ARN)', 'DD_API_KEY_SECRET_ARN (context key apiKeySecretArn)'],
    ['apiUrl', undefined, '--api-url (DD_API_URL)', 'DD_API_URL'],
    // No flag: the tool cannot set it, so it is named as the stack knows it.
    ['apiKeySecretKmsKeyArn', undefined, 'context key apiKeySecretKmsKeyArn', 'context key apiKeySecretKmsKeyArn'],
    [
      'apiKeyMaxAgeSeconds',
      '60',
      'API_KEY_MAX_AGE_SECONDS=60 (context key apiKeyMaxAgeSeconds)',
      'API_KEY_MAX_AGE_SECONDS=60 (context key apiKeyMaxAgeSeconds)',
    ],
  ])('%s (%s): %s in the tool, %s in the function', (name, value, tool, fn) => {
    expect(settingAsFlag(name, value)).toBe(tool);
    expect(settingForStack(name, value)).toBe(fn);
  });

  it('the no-billing-data error names --no-estimated-charges in the tool, and the variable and context key in the function', () => {
    const error = new NoBillingMetricsError();
    const tool = describeError(error, settingAsFlag);
    expect(tool).toMatch(/Or turn this source off with --no-estimated-charges\.$/);
    expect(tool).not.toMatch(/COLLECT_ESTIMATED_CHARGES|collectEstimatedCharges/);
    expect(error.message).toMatch(
      /Or turn this source off with COLLECT_ESTIMATED_CHARGES=false \(context key collectEstimatedCharges\)\.$/,
    );
    expect(describeError(error)).toBe(`NoBillingMetricsError: ${error.message}`);
  });

  it("check's probe of an account without billing metrics gives the run's fix, with the flag", async () => {
    const aws = await startFakeAws();
    const cloudWatch = new CloudWatchClient({
      region: 'us-east-1',
      endpoint: aws.endpoint,
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    try {
      const probe = await estimatedChargesSource.probe({ cloudWatch }, '123456789012');
      expect(probe.ok).toBe(false);
      const fix = probe.fix === undefined ? undefined : textOf(probe.fix, settingAsFlag);
      expect(fix).toBe(new NoBillingMetricsError().namingSettings(settingAsFlag).fix);
      expect(fix).toContain('--no-estimated-charges');
    } finally {
      cloudWatch.destroy();
      await aws.close();
    }
  });
});

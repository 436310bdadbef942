import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, type Config } from '../../lambda/config';
import { ConfigError } from '../../lambda/errors';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-api-key-AbCdEf';
const base = { DD_API_KEY_SECRET_ARN: ARN };

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('loadConfig: defaults', () => {
  it('needs only DD_API_KEY_SECRET_ARN and gives every other setting its default', () => {
    expect(loadConfig(base)).toEqual<Config>({
      apiKeySecretArn: ARN,
      apiKeySecretRegion: 'eu-west-1',
      apiOrigin: 'https://api.datadoghq.com',
      globalTags: [],
      metricPrefix: 'aws.billing',
      collectBudgets: true,
      collectBudgetThresholds: true,
      collectEstimatedCharges: true,
      collectLinkedAccountServices: true,
      accounts: 'self',
      memberRoleName: 'aws-billing-to-datadog-reader',
      accountConcurrency: 10,
      collectCostExplorer: false,
      costMetrics: ['unblended_cost'],
      costGroupBy: ['SERVICE', 'LINKED_ACCOUNT'],
      costMaxGroups: 50,
      costExplorerMaxRequests: 10,
      collectCostAnomalies: false,
      anomalyRepostGrowthPercent: 20,
      anomalyErrorImpactUsd: 1000,
      datadogSite: 'datadoghq.com',
      apiKeyMaxAgeSeconds: 6 * 60 * 60,
      apiKeyMaxAgeMs: 6 * 60 * 60 * 1000,
      sendHealthMetrics: true,
      logLevel: 'INFO',
    });
  });

  it('treats empty and blank variables as unset', () => {
    const config = loadConfig({ ...base, DD_SITE: '', DD_TAGS: '  ', COLLECT_BUDGETS: ' ', METRIC_PREFIX: '' });
    expect(config.apiOrigin).toBe('https://api.datadoghq.com');
    expect(config.globalTags).toEqual([]);
    expect(config.collectBudgets).toBe(true);
    expect(config.metricPrefix).toBe('aws.billing');
  });

  it('reads only the environment it is given, not process.env', () => {
    vi.stubEnv('DD_SITE', 'not-a-site.example');
    expect(loadConfig(base).apiOrigin).toBe('https://api.datadoghq.com');
  });
});

describe('loadConfig: the secret', () => {
  it.each([
    { arn: ARN, region: 'eu-west-1' },
    { arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:dd-XyZ123', region: 'us-east-1' },
    { arn: 'arn:aws:secretsmanager:ap-southeast-2:123456789012:secret:path/to/dd-key-AbCdEf', region: 'ap-southeast-2' },
    { arn: 'arn:aws-us-gov:secretsmanager:us-gov-west-1:123456789012:secret:dd-AbCdEf', region: 'us-gov-west-1' },
    { arn: 'arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:dd-AbCdEf', region: 'cn-north-1' },
  ])('reads the secret in $region, the region of its ARN', ({ arn, region }) => {
    const config = loadConfig({ DD_API_KEY_SECRET_ARN: arn });
    expect(config.apiKeySecretArn).toBe(arn);
    expect(config.apiKeySecretRegion).toBe(region);
  });

  it.each([
    { case: 'missing', value: undefined, problem: 'DD_API_KEY_SECRET_ARN is required' },
    { case: 'empty', value: '', problem: 'DD_API_KEY_SECRET_ARN is required' },
    { case: 'a secret name', value: 'datadog-api-key', problem: 'DD_API_KEY_SECRET_ARN must be a Secrets Manager secret ARN' },
    {
      case: 'a KMS key ARN',
      value: 'arn:aws:kms:eu-west-1:123456789012:key/abc',
      problem: 'DD_API_KEY_SECRET_ARN must be a Secrets Manager secret ARN',
    },
    {
      case: 'an ARN without an account',
      value: 'arn:aws:secretsmanager:eu-west-1::secret:dd',
      problem: 'DD_API_KEY_SECRET_ARN must be a Secrets Manager secret ARN',
    },
  ])('refuses a secret ARN that is $case, naming the variable', ({ value, problem }) => {
    const error = configError({ DD_API_KEY_SECRET_ARN: value });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(problem);
    expect(error.message).toContain(problem);
  });
});

describe('loadConfig: one bad variable', () => {
  it.each([
    { name: 'DD_SITE', value: 'datadoghq.co', problem: 'DD_SITE "datadoghq.co" is not a Datadog site; use one of datadoghq.com, ' },
    { name: 'DD_SITE', value: 'https://app.datadoghq.com', problem: 'DD_SITE "https://app.datadoghq.com" is not a Datadog site' },
    { name: 'DD_API_URL', value: 'not a url', problem: 'DD_API_URL is not a URL' },
    {
      name: 'DD_API_URL',
      value: 'http://proxy.example:8080',
      problem: 'DD_API_URL must use https (plain http is allowed only for a loopback host)',
    },
    { name: 'DD_API_URL', value: 'https://proxy.example/api/v2/series', problem: 'DD_API_URL must be an origin only' },
    { name: 'DD_API_URL', value: 'https://proxy.example?x=1', problem: 'DD_API_URL must be an origin only' },
    { name: 'DD_API_URL', value: 'https://user:secret@proxy.example', problem: 'DD_API_URL must not carry credentials' },
    { name: 'DD_API_URL', value: 'ftp://proxy.example', problem: 'DD_API_URL must use https' },
    { name: 'METRIC_PREFIX', value: '1billing', problem: 'METRIC_PREFIX "1billing" must start with a letter' },
    { name: 'METRIC_PREFIX', value: 'aws-billing', problem: 'METRIC_PREFIX "aws-billing" must start with a letter' },
    { name: 'METRIC_PREFIX', value: `a${'b'.repeat(100)}`, problem: 'METRIC_PREFIX' },
    {
      name: 'METRIC_PREFIX',
      value: 'acme.billing.',
      problem: 'METRIC_PREFIX "acme.billing." ends with "."; drop the trailing dot (give acme.billing)',
    },
    { name: 'COLLECT_BUDGETS', value: 'maybe', problem: 'COLLECT_BUDGETS must be true or false, got "maybe"' },
    { name: 'COLLECT_ESTIMATED_CHARGES', value: 'on', problem: 'COLLECT_ESTIMATED_CHARGES must be true or false, got "on"' },
    {
      name: 'COLLECT_LINKED_ACCOUNT_SERVICES',
      value: 'nope',
      problem: 'COLLECT_LINKED_ACCOUNT_SERVICES must be true or false, got "nope"',
    },
    { name: 'SEND_HEALTH_METRICS', value: 'truee', problem: 'SEND_HEALTH_METRICS must be true or false, got "truee"' },
    { name: 'API_KEY_MAX_AGE_SECONDS', value: '-1', problem: 'API_KEY_MAX_AGE_SECONDS must be a whole number of seconds, got "-1"' },
    { name: 'API_KEY_MAX_AGE_SECONDS', value: '1.5', problem: 'API_KEY_MAX_AGE_SECONDS must be a whole number of seconds, got "1.5"' },
    { name: 'API_KEY_MAX_AGE_SECONDS', value: '6h', problem: 'API_KEY_MAX_AGE_SECONDS must be a whole number of seconds, got "6h"' },
    {
      name: 'API_KEY_MAX_AGE_SECONDS',
      value: '0',
      problem: 'API_KEY_MAX_AGE_SECONDS must be at least 60 seconds, got 0; use 60 or more, such as the default 21600 (6 hours)',
    },
    { name: 'API_KEY_MAX_AGE_SECONDS', value: '59', problem: 'API_KEY_MAX_AGE_SECONDS must be at least 60 seconds, got 59' },
    { name: 'AWS_LAMBDA_LOG_LEVEL', value: 'LOUD', problem: 'AWS_LAMBDA_LOG_LEVEL must be one of DEBUG, INFO, WARN, ERROR, got "LOUD"' },
  ])('refuses $name=$value with a message naming it', ({ name, value, problem }) => {
    const error = configError({ ...base, [name]: value });
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.name).toBe('ConfigError');
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(problem);
    expect(error.message).toBe(`Invalid configuration: ${error.problems[0]}`);
  });

  it('names every bad variable at once, in one error', () => {
    const error = configError({
      DD_SITE: 'datadoghq.co',
      DD_API_URL: 'http://proxy.example',
      COLLECT_BUDGETS: 'maybe',
      API_KEY_MAX_AGE_SECONDS: 'soon',
      AWS_LAMBDA_LOG_LEVEL: 'LOUD',
    });
    expect(error.problems).toHaveLength(6);
    for (const name of [
      'DD_API_KEY_SECRET_ARN',
      'DD_SITE',
      'DD_API_URL',
      'COLLECT_BUDGETS',
      'API_KEY_MAX_AGE_SECONDS',
      'AWS_LAMBDA_LOG_LEVEL',
    ]) {
      expect(error.message).toContain(name);
    }
    expect(error.message).toBe(`Invalid configuration: ${error.problems.join('; ')}`);
  });

  it('refuses a configuration that turns every source off', () => {
    const error = configError({ ...base, COLLECT_BUDGETS: 'false', COLLECT_ESTIMATED_CHARGES: 'false' });
    expect(error.problems).toEqual([
      'COLLECT_ESTIMATED_CHARGES, COLLECT_BUDGETS, COLLECT_COST_EXPLORER and COLLECT_COST_ANOMALIES are all false: nothing to collect; turn one of them on',
    ]);
  });

  it.each([
    { variable: 'COLLECT_BUDGETS', budgets: false, charges: true },
    { variable: 'COLLECT_ESTIMATED_CHARGES', budgets: true, charges: false },
  ])('lets $variable alone be turned off', ({ variable, budgets, charges }) => {
    const config = loadConfig({ ...base, [variable]: 'false' });
    expect([config.collectBudgets, config.collectEstimatedCharges]).toEqual([budgets, charges]);
  });
});

describe('loadConfig: Datadog site and API origin', () => {
  it.each([
    ['datadoghq.com', 'https://api.datadoghq.com'],
    ['us3.datadoghq.com', 'https://api.us3.datadoghq.com'],
    ['us5.datadoghq.com', 'https://api.us5.datadoghq.com'],
    ['datadoghq.eu', 'https://api.datadoghq.eu'],
    ['ap1.datadoghq.com', 'https://api.ap1.datadoghq.com'],
    ['ap2.datadoghq.com', 'https://api.ap2.datadoghq.com'],
    ['uk1.datadoghq.com', 'https://api.uk1.datadoghq.com'],
    ['ddog-gov.com', 'https://api.ddog-gov.com'],
    ['us2.ddog-gov.com', 'https://api.us2.ddog-gov.com'],
  ])('sends to the API of DD_SITE=%s at %s', (site, origin) => {
    expect(loadConfig({ ...base, DD_SITE: site }).apiOrigin).toBe(origin);
  });

  it.each([
    ['https://proxy.example:8443', 'https://proxy.example:8443'],
    ['https://proxy.example:8443/', 'https://proxy.example:8443'],
    ['https://proxy.example:443', 'https://proxy.example'],
    ['http://127.0.0.1:8126', 'http://127.0.0.1:8126'],
    ['http://127.3.2.1:9000', 'http://127.3.2.1:9000'],
    ['http://localhost:9000/', 'http://localhost:9000'],
    ['http://[::1]:8080', 'http://[::1]:8080'],
  ])('takes DD_API_URL=%s as the origin %s', (url, origin) => {
    expect(loadConfig({ ...base, DD_API_URL: url }).apiOrigin).toBe(origin);
  });

  it('lets DD_API_URL override DD_SITE', () => {
    expect(loadConfig({ ...base, DD_SITE: 'datadoghq.eu', DD_API_URL: 'https://proxy.example' }).apiOrigin).toBe('https://proxy.example');
  });

  it.each(['http://proxy.example', 'http://localhost.example.com', 'http://128.0.0.1', 'http://10.0.0.1:8080', 'http://0.0.0.0:8080'])(
    'refuses plain http to %s, which is not a loopback host',
    (url) => {
      expect(configError({ ...base, DD_API_URL: url }).problems).toEqual([
        'DD_API_URL must use https (plain http is allowed only for a loopback host)',
      ]);
    },
  );
});

describe('loadConfig: tags, prefix, lists, flags', () => {
  it('adds DD_TAGS, then env from DD_ENV and service from DD_SERVICE, to every series, raw', () => {
    const config = loadConfig({
      ...base,
      DD_TAGS: ' team:FinOps, owner:billing ,,cost-center:42 ',
      DD_ENV: 'Prod',
      DD_SERVICE: 'aws-billing',
    });
    expect(config.globalTags).toEqual(['team:FinOps', 'owner:billing', 'cost-center:42', 'env:Prod', 'service:aws-billing']);
  });

  it.each([
    { variable: 'DD_ENV', value: 'staging', tags: ['env:staging'] },
    { variable: 'DD_SERVICE', value: 'billing', tags: ['service:billing'] },
    { variable: 'DD_TAGS', value: 'a:1', tags: ['a:1'] },
  ])('adds $tags from $variable alone', ({ variable, value, tags }) => {
    expect(loadConfig({ ...base, [variable]: value }).globalTags).toEqual(tags);
  });

  it.each([
    ['custom', 'custom'],
    ['acme.aws.billing', 'acme.aws.billing'],
    ['Acme_Cost', 'Acme_Cost'],
  ])('takes METRIC_PREFIX=%s as %s', (value, prefix) => {
    expect(loadConfig({ ...base, METRIC_PREFIX: value }).metricPrefix).toBe(prefix);
  });

  it('trims the service allow and deny lists and drops empty entries (the source matches them without case)', () => {
    const config = loadConfig({ ...base, SERVICE_ALLOWLIST: 'AmazonEC2, AmazonS3 ,', SERVICE_DENYLIST: ' AWSDataTransfer ' });
    expect(config.serviceAllowlist).toEqual(['AmazonEC2', 'AmazonS3']);
    expect(config.serviceDenylist).toEqual(['AWSDataTransfer']);
  });

  it.each([
    ['true', true],
    ['TRUE', true],
    ['True', true],
    ['1', true],
    ['yes', true],
    [' yes ', true],
    ['false', false],
    ['FALSE', false],
    ['0', false],
    ['No', false],
  ])('reads the flag value %s as %s', (value, expected) => {
    const config = loadConfig({ ...base, COLLECT_LINKED_ACCOUNT_SERVICES: value, SEND_HEALTH_METRICS: value });
    expect(config.collectLinkedAccountServices).toBe(expected);
    expect(config.sendHealthMetrics).toBe(expected);
  });

  it.each([
    ['60', 60_000],
    ['3600', 3_600_000],
    ['21600', 21_600_000],
  ])('takes API_KEY_MAX_AGE_SECONDS=%s as %i ms', (value, ms) => {
    expect(loadConfig({ ...base, API_KEY_MAX_AGE_SECONDS: value }).apiKeyMaxAgeMs).toBe(ms);
  });

  it.each([
    ['DEBUG', 'DEBUG'],
    ['warn', 'WARN'],
    ['TRACE', 'DEBUG'],
    ['fatal', 'ERROR'],
    ['Error', 'ERROR'],
  ])('takes AWS_LAMBDA_LOG_LEVEL=%s as %s', (value, level) => {
    expect(loadConfig({ ...base, AWS_LAMBDA_LOG_LEVEL: value }).logLevel).toBe(level);
  });
});

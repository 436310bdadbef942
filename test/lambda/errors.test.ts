/**
 * The error base class: every error of the collector, the stack, the command-line tool and the
 * Datadog tools carries its problem and its fix apart, and `message` holds both.
 */
import { describe, expect, it } from 'vitest';
import { RunError, UsageError } from '../../cli/errors';
import {
  AccessDeniedError,
  ActionableError,
  ApiKeyError,
  AwsCredentialsError,
  AwsTimeoutError,
  AwsUnreachableError,
  CollectionError,
  ConfigError,
  DatadogSubmitError,
  InvalidSettingError,
  NoBillingMetricsError,
} from '../../lambda/errors';
import { UnfindableAssetError } from '../../tools/datadog/apply';

describe('ActionableError', () => {
  it('keeps the problem and the fix apart, and puts both in the message', () => {
    const error = new ActionableError('The secret is empty.', { fix: 'Put the key in it.' });

    expect(error.problem).toBe('The secret is empty.');
    expect(error.fix).toBe('Put the key in it.');
    expect(error.message).toBe('The secret is empty. Put the key in it.');
  });

  it('without a fix, is its problem alone and has no cause', () => {
    const error = new ActionableError('Something is wrong.');

    expect(error.fix).toBeUndefined();
    expect(error.message).toBe('Something is wrong.');
    expect('cause' in error).toBe(false);
  });

  it('keeps the cause it is given', () => {
    const cause = new Error('socket hang up');
    expect(new ActionableError('Datadog did not answer.', { cause }).cause).toBe(cause);
  });

  it('names a setting as the printing layer names it: the function by variable and context key unless told otherwise', () => {
    const error = new ActionableError('The site is wrong.', { fix: (setting) => `Set ${setting('datadogSite', 'datadoghq.eu')}.` });

    expect(error.fix).toBe('Set DD_SITE=datadoghq.eu (context key datadogSite).');
    expect(error.message).toBe('The site is wrong. Set DD_SITE=datadoghq.eu (context key datadogSite).');
    expect(error.namingSettings((name, value) => `<${name}=${value}>`)).toEqual({
      problem: 'The site is wrong.',
      fix: 'Set <datadogSite=datadoghq.eu>.',
    });
  });

  it('compares and serializes as any Error: problem and fix are not own enumerable properties', () => {
    expect(Object.keys(new ActionableError('p', { fix: 'f' }))).toEqual(['name']);
  });
});

describe('every error class', () => {
  it.each<[string, ActionableError, { problem: string | RegExp; fix?: string | RegExp }]>([
    [
      'ConfigError',
      new ConfigError(['DD_SITE "x" is not a Datadog site']),
      { problem: 'Invalid configuration: DD_SITE "x" is not a Datadog site' },
    ],
    [
      'InvalidSettingError',
      new InvalidSettingError('logLevel', 'must be one of DEBUG, INFO'),
      { problem: '`logLevel` must be one of DEBUG, INFO' },
    ],
    [
      'ApiKeyError',
      new ApiKeyError('The secret s is empty.', { fix: 'Put the key in it.' }),
      { problem: 'The secret s is empty.', fix: 'Put the key in it.' },
    ],
    [
      'AccessDeniedError',
      new AccessDeniedError('budgets:ViewBudget'),
      { problem: /needs the IAM permission "budgets:ViewBudget"\.$/, fix: /^Redeploy the stack/ },
    ],
    [
      'AwsTimeoutError',
      new AwsTimeoutError('ListMetrics'),
      { problem: /^AWS did not answer ListMetrics in time/, fix: /raise the function's timeout/ },
    ],
    [
      'AwsUnreachableError',
      new AwsUnreachableError('budgets:ViewBudget', '127.0.0.1:9', 'ECONNREFUSED'),
      { problem: 'AWS could not be reached for budgets:ViewBudget at 127.0.0.1:9 (ECONNREFUSED).', fix: /NAT gateway or VPC endpoint/ },
    ],
    [
      'AwsCredentialsError',
      new AwsCredentialsError('budgets:ViewBudget', true),
      {
        problem: 'The AWS credentials had expired when calling budgets:ViewBudget.',
        fix: /^Check the function's role \(redeploy the stack\) and that its environment sets no AWS_SESSION_TOKEN\.$/,
      },
    ],
    [
      'NoBillingMetricsError',
      new NoBillingMetricsError(),
      { problem: /^No AWS\/Billing EstimatedCharges metrics/, fix: /^Turn on "Receive Billing Alerts"/ },
    ],
    [
      'DatadogSubmitError',
      new DatadogSubmitError('GET /api/v1/monitor answered 403.', 403, { fix: 'Check the keys.' }),
      { problem: 'GET /api/v1/monitor answered 403.', fix: 'Check the keys.' },
    ],
    ['CollectionError', new CollectionError(['a', 'b']), { problem: 'Collection finished with 2 error(s): a | b' }],
    ['UsageError', new UsageError(['--site is wrong'], { fix: 'Give a site.' }), { problem: '--site is wrong', fix: 'Give a site.' }],
    [
      'RunError',
      new RunError('Cannot resolve the AWS account.', { fix: 'Give the tool AWS credentials.' }),
      { problem: 'Cannot resolve the AWS account.', fix: 'Give the tool AWS credentials.' },
    ],
    ['UnfindableAssetError', new UnfindableAssetError('Two monitors are named "m".'), { problem: 'Two monitors are named "m".' }],
  ])('%s extends ActionableError, is named after its class, and carries its problem and fix', (name, error, expected) => {
    expect(error).toBeInstanceOf(ActionableError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe(name);
    expect(error.problem).toMatch(expected.problem);
    if (expected.fix === undefined) expect(error.fix).toBeUndefined();
    else expect(error.fix).toMatch(expected.fix);
    expect(error.message).toBe(error.fix === undefined ? error.problem : `${error.problem} ${error.fix}`);
  });

  it('InvalidSettingError keeps the setting and what is wrong with it apart, for callers that name it otherwise', () => {
    const error = new InvalidSettingError('actualShareOfLimit', 'must be a fraction above 0 and at most 1, got 80');

    expect(error.setting).toBe('actualShareOfLimit');
    expect(error.detail).toBe('must be a fraction above 0 and at most 1, got 80');
    expect(error.message).toBe('`actualShareOfLimit` must be a fraction above 0 and at most 1, got 80');
  });

  it('UsageError lists several problems one a line under one heading', () => {
    expect(new UsageError(['--site is wrong', '--tags is wrong']).problem).toBe(
      'the configuration is not valid:\n  - --site is wrong\n  - --tags is wrong',
    );
  });
});

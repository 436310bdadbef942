import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambda/config';
import { ConfigError } from '../../lambda/errors';
import { secretShape, shownValue, withSecretsDescribed } from '../../lambda/secret-shape';
import { SECRET_VALUES, withEachSecret } from '../support/secret-values';

const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog-AbCdEf';

function configProblem(env: Record<string, string>): string {
  try {
    loadConfig({ DD_API_KEY_SECRET_ARN: SECRET_ARN, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('shownValue', () => {
  it.each(SECRET_VALUES)('describes $kind, never quoting it', ({ value, says }) => {
    expect(shownValue(value)).not.toContain(value);
    expect(shownValue(value)).toContain(says);
    expect(shownValue(` ${value} `)).toContain(says);
  });

  it.each(
    withEachSecret([
      { where: 'after a name and "="', wrap: (secret: string) => `DD_API_KEY=${secret}` },
      { where: 'in a JSON array', wrap: (secret: string) => JSON.stringify(['x', secret]) },
      { where: 'after a comma', wrap: (secret: string) => `team:x,${secret}` },
      { where: 'glued to other text', wrap: (secret: string) => `prod${secret}` },
    ]),
  )('describes a value holding $kind $where', ({ value, says, wrap }) => {
    const shown = shownValue(wrap(value));
    expect(shown).not.toContain(value);
    expect(shown).toContain(`a value holding a`);
    expect(shown).toMatch(/looks like a Datadog API key|looks like an AWS secret access key|looks like a Datadog application key/);
    if (!wrap('').startsWith('prod')) expect(shown).toContain(says);
  });

  it('describes a JSON value holding a secret', () => {
    expect(shownValue({ key: SECRET_VALUES[0].value })).not.toContain(SECRET_VALUES[0].value);
  });

  it.each([
    ['a misspelled site', 'datadog.com', '"datadog.com"'],
    ['31 hex characters', '0123456789abcdef0123456789abcde', '"0123456789abcdef0123456789abcde"'],
    ['39 letters, digits and "/"', 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE', '"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE"'],
    ['a secret ARN', SECRET_ARN, `"${SECRET_ARN}"`],
    ['a number', 12, '"12"'],
  ])('still quotes %s', (_case, value, expected) => {
    expect(shownValue(value)).toBe(expected);
    expect(secretShape(String(value))).toBeUndefined();
  });

  it('cuts a long value at 80 characters', () => {
    expect(shownValue('x-'.repeat(60))).toBe(`"${'x-'.repeat(60).slice(0, 77)}..."`);
  });
});

describe('withSecretsDescribed', () => {
  it.each(SECRET_VALUES)("describes $kind inside another's message, and keeps the rest", ({ value, says }) => {
    const message = withSecretsDescribed(`error: unknown option '--${value}'`);
    expect(message).not.toContain(value);
    expect(message).toContain(says);
    expect(message).toMatch(/^error: unknown option '--\[a .*\]'$/);
  });

  it('leaves a message without a secret as it is', () => {
    expect(withSecretsDescribed("error: unknown command 'colect'")).toBe("error: unknown command 'colect'");
  });
});

describe('loadConfig never echoes a secret-shaped variable', () => {
  it.each(
    withEachSecret([
      { variable: 'DD_SITE' },
      { variable: 'METRIC_PREFIX' },
      { variable: 'METRIC_PREFIX', suffix: '.' },
      { variable: 'COLLECT_BUDGETS' },
      { variable: 'API_KEY_MAX_AGE_SECONDS' },
      { variable: 'AWS_LAMBDA_LOG_LEVEL' },
      { variable: 'DD_API_KEY_SECRET_ARN' },
      { variable: 'DD_API_URL' },
    ] as { variable: string; suffix?: string }[]),
  )('$variable set to $kind$suffix', ({ variable, suffix, value, says }) => {
    const message = configProblem({ [variable]: `${value}${suffix ?? ''}` });
    expect(message).toContain(variable);
    expect(message).not.toContain(value);
    expect(message.toLowerCase()).not.toContain(value.toLowerCase());
    if (variable !== 'DD_API_URL') expect(message).toContain(says);
  });

  it('still quotes a value that is not shaped like a secret', () => {
    expect(configProblem({ COLLECT_BUDGETS: 'maybe' })).toContain('COLLECT_BUDGETS must be true or false, got "maybe"');
  });
});

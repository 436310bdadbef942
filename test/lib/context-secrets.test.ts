/**
 * Synth (the context reader, then the construct's props) never echoes a context key or value shaped like a secret: it describes it, and still
 * quotes any other bad value.
 */
import { describe, expect, it } from 'vitest';
import { resolveBillingCollectorProps } from '../../lib/billing-collector-props';
import { checkContextKeys, readAppSettings } from '../../lib/context';
import { withEachSecret } from '../support/secret-values';

function synthProblem(context: Record<string, unknown>): string {
  try {
    checkContextKeys(Object.keys(context));
    // The context reader checks shapes and ARNs; the construct's props check what the values mean.
    resolveBillingCollectorProps(readAppSettings((key) => context[key]).collector ?? {});
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the context was accepted');
}

describe('a context value shaped like a secret is described, never echoed', () => {
  it.each(
    withEachSecret([
      { key: 'apiKeySecretArn', wrap: (secret: string) => secret },
      { key: 'apiKeySecretKmsKeyArn', wrap: (secret: string) => secret },
      { key: 'datadogSite', wrap: (secret: string) => secret },
      { key: 'metricPrefix', wrap: (secret: string) => `${secret}.` },
      { key: 'env', wrap: (secret: string) => secret.repeat(7) }, // over 200 characters
      { key: 'collectBudgets', wrap: (secret: string) => secret },
      { key: 'apiKeyMaxAgeSeconds', wrap: (secret: string) => secret },
      { key: 'logLevel', wrap: (secret: string) => secret },
      { key: 'schedule', wrap: (secret: string) => secret },
      { key: 'alarmEmail', wrap: (secret: string) => secret },
      { key: 'permissionsBoundaryArn', wrap: (secret: string) => secret },
      { key: 'tags', wrap: (secret: string) => [`team:x,${secret}`] },
      { key: 'resourceTags', wrap: (secret: string) => `{"aws:key":"${secret}"}` },
      { key: 'resourceTags', wrap: (secret: string) => `not json ${secret}` },
    ]),
  )('`$key` holding $kind', ({ key, wrap, value, says }) => {
    const message = synthProblem({ [key]: wrap(value) });
    expect(message).toContain(`\`${key}\``);
    expect(message.toLowerCase()).not.toContain(value.toLowerCase());
    if (key !== 'env') expect(message).toContain(says);
  });

  it.each(withEachSecret([{ form: 'as a key' }]))('a context key that is $kind is described, not named', ({ value, says }) => {
    const message = synthProblem({ [value]: 'x' });
    expect(message).not.toContain(value);
    expect(message).toContain(says);
    expect(message).toContain('-c <setting>=<value>');
  });

  it('still quotes a bad value that is not shaped like a secret', () => {
    expect(synthProblem({ apiKeySecretArn: 'datadog-api-key' })).toContain('got "datadog-api-key"');
  });
});

import { describe, expect, it } from 'vitest';
import { metricPrefixProblem } from '../../lambda/metrics';

describe('metricPrefixProblem: the one rule for a metric prefix', () => {
  it.each(['aws.billing', 'custom.aws.billing', 'Acme_Cost', 'a', `a${'b'.repeat(99)}`])('accepts %s', (prefix) => {
    expect(metricPrefixProblem(prefix)).toBeUndefined();
  });

  it.each([
    ['aws.billing.', 'ends with "."; drop the trailing dot (give aws.billing)'],
    ['aws.billing..', 'ends with "."; drop the trailing dot (give aws.billing)'],
    ['1password', 'must start with a letter'],
    ['aws-billing', 'must start with a letter'],
    ['.', 'must start with a letter'],
    [`a${'b'.repeat(100)}`, 'at most 100 characters'],
  ])('refuses %s, saying it %s', (prefix, problem) => {
    expect(metricPrefixProblem(prefix)).toContain(problem);
  });
});

/**
 * A user's tag may not reuse a tag key the collector sets on its own series: refused by the
 * settings table's check for `tags`, so every layer that reads the setting refuses it (the
 * context at synth: `test/lib/context.test.ts`).
 */
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambda/config';
import { ConfigError, InvalidSettingError } from '../../lambda/errors';
import { METRICS, RESERVED_TAG_KEYS } from '../../lambda/metrics';
import { settingProblem } from '../../lambda/settings';
import { BillingCollector } from '../../lib/billing-collector';
import { runInProcess } from '../cli/in-process';

const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:datadog-api-key-AbCdEf';

describe('the tag keys the collector reserves', () => {
  it('are the tag keys of every metric definition, and no other', () => {
    const keys = new Set(Object.values(METRICS).flatMap((metric) => [...metric.tagKeys]));
    expect([...RESERVED_TAG_KEYS].sort()).toEqual([...keys].sort());
    expect(RESERVED_TAG_KEYS).toEqual(expect.arrayContaining(['account_id', 'billing_scope', 'budget_name', 'currency', 'status']));
  });

  it.each([
    ['account_id:123', 'account_id'],
    ['billing_scope:total', 'billing_scope'],
    ['Account_ID:1', 'account_id'],
    ['Currency:EUR', 'currency'],
    ['status', 'status'],
  ])('refuses %j in tags, naming the key %s and what to do', (item, key) => {
    expect(settingProblem('tags', ['team:finops', item])).toBe(
      `has the item "${item}", whose key ${key} the collector sets itself; give the tag another key, such as my_${key}`,
    );
  });

  it.each([
    ['env:prod', 'env'],
    ['Service:billing', 'service'],
  ])('refuses %j in tags, since %s has a setting of its own: two values of the key would be sent', (item, key) => {
    expect(settingProblem('tags', [item])).toBe(
      `has the item "${item}", whose key ${key} has a setting of its own (${key}): set it there instead`,
    );
    expect(() => loadConfig({ DD_API_KEY_SECRET_ARN: ARN, DD_TAGS: item, DD_ENV: 'prod' })).toThrow(
      `DD_TAGS has the item "${item}", whose key ${key} has a setting of its own (${key}): set it there instead`,
    );
  });

  it('sends env and service from their own settings, once each', () => {
    const config = loadConfig({ DD_API_KEY_SECRET_ARN: ARN, DD_TAGS: 'team:a', DD_ENV: 'prod', DD_SERVICE: 'billing' });
    expect(config.globalTags).toEqual(['team:a', 'env:prod', 'service:billing']);
  });

  it.each(['team:finops', 'account:prod', 'my_account_id:1', 'cost-center:42', 'environment:prod'])('accepts %j', (item) => {
    expect(settingProblem('tags', [item])).toBeUndefined();
  });

  it('is refused by the function, as DD_TAGS', () => {
    expect(() => loadConfig({ DD_API_KEY_SECRET_ARN: ARN, DD_TAGS: 'team:a,account_id:1' })).toThrow(ConfigError);
    expect(() => loadConfig({ DD_API_KEY_SECRET_ARN: ARN, DD_TAGS: 'team:a,account_id:1' })).toThrow(
      /DD_TAGS has the item "account_id:1", whose key account_id the collector sets itself/,
    );
  });

  it('is refused by the construct, as the `tags` prop', () => {
    const stack = new Stack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'UserStack');
    expect(() => new BillingCollector(stack, 'Collector', { tags: ['billing_scope:mine'] })).toThrow(InvalidSettingError);
    expect(() => new BillingCollector(stack, 'Collector2', { tags: ['billing_scope:mine'] })).toThrow(
      /`tags` has the item "billing_scope:mine", whose key billing_scope the collector sets itself/,
    );
  });

  it('is refused by the command-line tool, as --tags or DD_TAGS, before any call', async () => {
    for (const [argv, env] of [
      [['collect', '--dry-run', '--tags', 'budget_name:x'], {}],
      [['collect', '--dry-run'], { DD_TAGS: 'budget_name:x' }],
    ] as const) {
      const { code, out, err } = await runInProcess([...argv], { ...env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9' });
      expect(code).toBe(2);
      expect(out).toBe('');
      expect(err).toContain('has the item "budget_name:x", whose key budget_name the collector sets');
    }
  });
});

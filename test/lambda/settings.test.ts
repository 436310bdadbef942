/**
 * The settings table is the one home of every setting: these tests hold its rows to each other
 * and to the files that state settings without importing it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectorEnvironmentFor } from '../../lambda/environment';
import { loadConfig } from '../../lambda/config';
import { doublyDocumented, settingDoc } from '../../lambda/setting-docs';
import {
  COLLECTOR_SETTING_NAMES,
  CONTEXT_KEYS,
  DEFAULTS,
  ENV,
  SETTING_NAMES,
  settingProblem,
  settingSpec,
  type SettingName,
} from '../../lambda/settings';

const ROOT = resolve(__dirname, '..', '..');

describe('the settings table', () => {
  it.each([
    ['environment variable', (name: SettingName) => settingSpec(name).env],
    ['context key', (name: SettingName) => settingSpec(name).context],
    ['flag', (name: SettingName) => settingSpec(name).flag],
  ])('gives each %s to one setting only', (_what, layer) => {
    const given = SETTING_NAMES.flatMap((name) => layer(name) ?? []);
    expect(new Set(given).size).toBe(given.length);
  });

  it('names each context key as its setting, so one name follows the value through the layers', () => {
    for (const name of SETTING_NAMES) {
      const context = settingSpec(name).context;
      if (context !== undefined) expect(context).toBe(name);
    }
  });

  it.each(SETTING_NAMES.filter((name) => settingSpec(name).default !== undefined))(
    'holds a default for %s that passes its own check',
    (name) => {
      expect(settingProblem(name, DEFAULTS[name as keyof typeof DEFAULTS] as never)).toBeUndefined();
    },
  );

  it('has a one-line doc for every setting', () => {
    for (const name of SETTING_NAMES) expect(settingDoc(name), name).toMatch(/^[^\n]{10,200}$/);
    expect(doublyDocumented()).toEqual([]);
  });

  it("reads every key of cdk.json's context block, which shows the table's defaults", () => {
    const cdkJson = JSON.parse(readFileSync(resolve(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
    for (const [key, value] of Object.entries(cdkJson.context)) {
      expect(CONTEXT_KEYS).toContain(key);
      expect(value).toEqual(DEFAULTS[key as keyof typeof DEFAULTS]);
    }
  });

  it('maps every collector setting to its own variable and back through loadConfig', () => {
    const samples: Record<string, string | boolean | number | readonly string[]> = {
      datadogSite: 'datadoghq.eu',
      apiKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:dd-AbCdEf',
      apiUrl: 'https://proxy.example.com',
      tags: ['team:finops'],
      env: 'prod',
      service: 'billing',
      metricPrefix: 'custom.billing',
      collectBudgets: false,
      collectBudgetThresholds: false,
      collectEstimatedCharges: true,
      collectLinkedAccountServices: false,
      serviceAllowlist: ['AmazonEC2'],
      serviceDenylist: ['AmazonS3'],
      accounts: 'organization',
      managementRoleArn: 'arn:aws:iam::111122223333:role/billing-reader',
      memberRoleName: 'finops-reader',
      accountAllowlist: ['111122223333'],
      accountDenylist: ['444455556666'],
      accountTagKeys: ['team', 'cost-center'],
      accountConcurrency: 4,
      collectCostExplorer: true,
      costMetrics: ['amortized_cost', 'net_unblended_cost'],
      costGroupBy: ['LINKED_ACCOUNT+SERVICE', 'TAG:team'],
      costMaxGroups: 20,
      costExplorerMaxRequests: 25,
      collectCostAnomalies: true,
      anomalyRepostGrowthPercent: 50,
      anomalyErrorImpactUsd: 250,
      anomalyStateTable: 'arn:aws:dynamodb:eu-west-1:123456789012:table/anomalies',
      apiKeyMaxAgeSeconds: 60,
      sendHealthMetrics: false,
      logLevel: 'DEBUG',
    };
    // A collector setting added to the table without a sample here fails this line.
    expect(Object.keys(samples).sort()).toEqual([...COLLECTOR_SETTING_NAMES].sort());
    const environment = collectorEnvironmentFor(samples);
    expect(Object.keys(environment).sort()).toEqual(COLLECTOR_SETTING_NAMES.map((name) => ENV[name]).sort());
    const config = loadConfig(environment);
    for (const name of COLLECTOR_SETTING_NAMES) expect(config[name]).toEqual(samples[name]);
  });
});

describe("Cost Explorer's settings", () => {
  it.each<[SettingName, readonly string[] | number, string | undefined]>([
    ['costMetrics', ['unblended_cost', 'net_amortized_cost'], undefined],
    [
      'costMetrics',
      ['blended_cost'],
      'has the item "blended_cost"; use one or more of unblended_cost, amortized_cost, net_unblended_cost, net_amortized_cost',
    ],
    ['costMetrics', ['amortized_cost', 'amortized_cost'], 'has the item "amortized_cost" twice; give each once'],
    ['costMetrics', [], 'is empty; use one or more of unblended_cost, amortized_cost, net_unblended_cost, net_amortized_cost'],
    ['costGroupBy', ['LINKED_ACCOUNT+SERVICE', 'TAG:team', 'TAG:aws:createdBy'], undefined],
    [
      'costGroupBy',
      ['REGION'],
      'has the item "REGION"; use SERVICE, LINKED_ACCOUNT, LINKED_ACCOUNT+SERVICE or TAG:<cost-allocation tag key>',
    ],
    ['costGroupBy', ['TAG:'], 'has the item "TAG:"; use SERVICE, LINKED_ACCOUNT, LINKED_ACCOUNT+SERVICE or TAG:<cost-allocation tag key>'],
    ['costGroupBy', ['SERVICE', 'SERVICE'], 'has the item "SERVICE" twice; give each once'],
    ['costMaxGroups', 0, 'must be between 1 and 1000, got 0'],
    ['costMaxGroups', 1000, undefined],
  ])('checks %s %j', (name, value, problem) => {
    expect(settingProblem(name, value as never)).toBe(problem);
  });

  it('names the variable of a bad value, and keeps the default', () => {
    expect(() =>
      loadConfig({ DD_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:x', COST_GROUP_BY: 'SERVICE,AZ' }),
    ).toThrow('COST_GROUP_BY has the item "AZ"; use SERVICE');
  });
});

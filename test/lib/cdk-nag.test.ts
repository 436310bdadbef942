import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as cxapi from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildApp, CRON_CONTEXT, EXISTING_SECRET_CONTEXT } from './app-fixture';

const SYNTH_TIMEOUT = 120_000;

interface ValidationReport {
  readonly pluginReports: readonly { readonly pluginName: string; readonly violations: readonly unknown[] }[];
}

describe('cdk-nag AWS Solutions checks', () => {
  it.each([
    // The default stack is bundled for real, as `cdk synth` does it.
    ['the default stack', {}, true],
    ['the stack with an existing secret, KMS key, alarm e-mail and boundary', EXISTING_SECRET_CONTEXT, false],
    ['the stack with a cron schedule and an existing topic', CRON_CONTEXT, false],
    [
      'every stack of organization mode: collector, member role, StackSet and management reader',
      {
        accounts: 'organization',
        accountTagKeys: 'team',
        managementRoleArn: 'arn:aws:iam::111122223333:role/billing-reader',
        memberRoleTargets: 'r-ab12',
        collectorAccountId: '444455556666',
      },
      false,
    ],
    ['the stack with Cost Explorer: its second rule, alias and ce: grants', { collectCostExplorer: 'true' }, false],
    [
      'the stack with the second rule alone (Cost Explorer and anomalies on, budgets and charges off)',
      { collectCostExplorer: 'true', collectCostAnomalies: 'true', collectBudgets: 'false', collectEstimatedCharges: 'false' },
      false,
    ],
    [
      'organization mode with Cost Explorer, read through the management reader',
      { accounts: 'organization', collectCostExplorer: 'true', managementRoleArn: 'arn:aws:iam::111122223333:role/billing-reader' },
      false,
    ],
    [
      'organization mode with estimated charges off (the account list alone holds Resource::*)',
      { accounts: 'organization', collectEstimatedCharges: 'false', managementRoleArn: 'arn:aws:iam::111122223333:role/billing-reader' },
      false,
    ],
  ])(
    'find nothing unacknowledged in %s',
    (_name, context, bundle) => {
      const { app } = buildApp(context, { nag: true, bundle });
      // An unacknowledged error makes synth throw; warnings only reach the report.
      const assembly = app.synth();
      const report = JSON.parse(readFileSync(path.join(assembly.directory, cxapi.VALIDATION_REPORT_FILE), 'utf8')) as ValidationReport;
      expect(report.pluginReports.flatMap((plugin) => plugin.violations)).toEqual([]);
      // And asked directly, the pack reports no finding of any level.
      expect(new AwsSolutionsChecks().validateScope(app).violations).toEqual([]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'are wired into the app: an unacknowledged finding fails synth',
    () => {
      const { app, stack } = buildApp({}, { nag: true });
      new sns.Topic(stack, 'TopicWithoutTls');
      expect(() => app.synth()).toThrow(/AwsSolutions-SNS3/);
      expect(new AwsSolutionsChecks().validateScope(app).violations.map((v) => v.ruleName)).toEqual(['AwsSolutions-SNS3']);
    },
    SYNTH_TIMEOUT,
  );
});

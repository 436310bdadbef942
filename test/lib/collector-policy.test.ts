/**
 * The role grants what the enabled sources declare, and nothing else: a source whose actions
 * are missing from the synthesized policy fails here, and so does an action no enabled source
 * (nor the key read and the logs) needs.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../lambda/sources';
import { STATE_TABLE_ACTIONS } from '../../lambda/sources/cost-anomaly-state';
import { BillingCollector } from '../../lib/billing-collector';

/** What the collector needs whatever its sources: its key, and its own logs. */
const ALWAYS = ['secretsmanager:GetSecretValue', 'logs:CreateLogStream', 'logs:PutLogEvents'];

function grantedActions(switches: Record<string, boolean>): string[] {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new Stack(app, 'PolicyStack');
  new BillingCollector(stack, 'Collector', switches);
  const roles = Template.fromStack(stack).findResources('AWS::IAM::Role');
  const statements = Object.values(roles).flatMap((role) =>
    (
      role as { Properties: { Policies: { PolicyDocument: { Statement: { Action: string | string[] }[] } }[] } }
    ).Properties.Policies.flatMap((policy) => policy.PolicyDocument.Statement),
  );
  return statements.flatMap((statement) => statement.Action).sort();
}

/** Every source on (Cost Explorer is off by default), then every way of leaving one out. */
const EVERY_SOURCE = Object.fromEntries(SOURCES.map((source) => [source.setting, true]));
const CASES = [
  ['every source', EVERY_SOURCE],
  ...SOURCES.map((source) => [`all but ${source.id}`, { ...EVERY_SOURCE, [source.setting]: false }] as const),
] as const;

describe("the collector role's policy", () => {
  it.each(CASES)(
    'grants exactly what %s declares, beside the key read and the logs',
    (_what, switches) => {
      const enabled = SOURCES.filter((source) => (switches as Record<string, boolean>)[source.setting] !== false);
      // The cost anomalies also record what they posted, in the table the stack makes for them.
      const state = (switches as Record<string, boolean>).collectCostAnomalies === true ? STATE_TABLE_ACTIONS : [];
      const expected = [...ALWAYS, ...state, ...enabled.flatMap((source) => source.iam.flatMap((grant) => grant.actions))].sort();
      expect(grantedActions(switches)).toEqual(expected);
    },
    60_000,
  );
});

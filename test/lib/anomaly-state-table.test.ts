/**
 * The cost anomalies' state table in the template: only with `collectCostAnomalies`, on demand,
 * its TTL attribute, the AWS-owned key, deleted with the stack; the function told its ARN and
 * granted the item actions on it alone; cdk-nag's point-in-time-recovery finding acknowledged.
 */
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { ENV } from '../../lambda/environment';
import { STATE_TABLE_ACTIONS, STATE_TABLE_KEY, STATE_TABLE_TTL_ATTRIBUTE } from '../../lambda/sources/cost-anomaly-state';
import { buildApp, templateOf } from './app-fixture';

describe("the cost anomalies' state table", () => {
  it('is not made, nor granted, while the anomalies are off (the default)', () => {
    const { template } = templateOf();
    template.resourceCountIs('AWS::DynamoDB::Table', 0);
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('dynamodb:');
    expect(JSON.stringify(template.findResources('AWS::IAM::Role'))).not.toContain('ce:GetAnomalies');
  });

  it('is on demand, expires items by its TTL attribute, uses the AWS-owned key and is deleted with the stack', () => {
    const { template } = templateOf({ collectCostAnomalies: 'true' });
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    const [table] = Object.values(template.findResources('AWS::DynamoDB::Table')) as {
      DeletionPolicy: string;
      Properties: Record<string, unknown>;
    }[];
    expect(table.DeletionPolicy).toBe('Delete');
    expect(table.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [{ AttributeName: STATE_TABLE_KEY, KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: STATE_TABLE_TTL_ATTRIBUTE, Enabled: true },
    });
    // The AWS-owned key: no SSESpecification, or one that leaves server-side encryption to DynamoDB's default.
    expect([undefined, false]).toContain((table.Properties.SSESpecification as { SSEEnabled?: boolean } | undefined)?.SSEEnabled);
  });

  it("gives the function the table's ARN, and grants exactly the item actions on that table alone", () => {
    const { template } = templateOf({ collectCostAnomalies: 'true' });
    const tableId = Object.keys(template.findResources('AWS::DynamoDB::Table'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ [ENV.anomalyStateTable]: { 'Fn::GetAtt': [tableId, 'Arn'] }, [ENV.collectCostAnomalies]: 'true' }),
      },
    });
    template.hasResourceProperties('AWS::IAM::Role', {
      Policies: Match.arrayWith([
        Match.objectLike({
          PolicyDocument: Match.objectLike({
            Statement: Match.arrayWith([
              { Sid: 'ReadCostAnomalies', Effect: 'Allow', Action: ['ce:GetAnomalies', 'ce:GetAnomalyMonitors'], Resource: '*' },
              {
                Sid: 'RecordPostedAnomalies',
                Effect: 'Allow',
                Action: [...STATE_TABLE_ACTIONS],
                Resource: { 'Fn::GetAtt': [tableId, 'Arn'] },
              },
            ]),
          }),
        }),
      ]),
    });
  });

  it("acknowledges cdk-nag's point-in-time-recovery finding with its reason, and leaves no other finding", () => {
    const { stack } = buildApp({ collectCostAnomalies: 'true' }, { nag: true });
    const template = Template.fromStack(stack);
    expect(template).toBeDefined();
    const findings = [
      ...Annotations.fromStack(stack).findWarning('*', Match.anyValue()),
      ...Annotations.fromStack(stack).findError('*', Match.anyValue()),
    ];
    expect(findings.map((finding) => String(finding.entry.data))).toEqual([]);
    const acknowledged = JSON.stringify(stack.node.findAll().flatMap((node) => node.node.metadata));
    expect(acknowledged).toContain('AwsSolutions-DDB3');
  });
});

/**
 * The collector's permissions, and nothing more: read budgets, read billing metrics, read one
 * secret (and decrypt it through Secrets Manager when it has its own key), write its own logs.
 */
import { ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface CollectorPolicyProps {
  /** The secret's ARN as IAM should match it: the complete ARN, or a partial one ending `-??????`. */
  readonly apiKeySecretArn: string;
  /** The region of the secret; KMS is used only through Secrets Manager there. */
  readonly apiKeySecretRegion: string;
  /** The customer-managed key of the secret, if it has one. */
  readonly apiKeySecretKmsKey?: kms.IKey;
  /** The function's own log group. */
  readonly logGroup: logs.ILogGroup;
}

/** The policy document of the collector's role. */
export function collectorPolicyDocument(scope: Construct, props: CollectorPolicyProps): iam.PolicyDocument {
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadBudgets',
      actions: ['budgets:ViewBudget'],
      // Budgets ARNs have no region; the wildcard covers the budgets of this account only.
      resources: [
        Stack.of(scope).formatArn({
          service: 'budgets',
          region: '',
          resource: 'budget',
          resourceName: '*',
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
    }),
    new iam.PolicyStatement({
      sid: 'ReadBillingMetrics',
      // Neither action supports resource-level permissions.
      actions: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadApiKey',
      // Not grantRead(): it adds DescribeSecret, which the collector never calls.
      actions: ['secretsmanager:GetSecretValue'],
      resources: [props.apiKeySecretArn],
    }),
  ];
  if (props.apiKeySecretKmsKey !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'DecryptApiKey',
        actions: ['kms:Decrypt'],
        resources: [props.apiKeySecretKmsKey.keyArn],
        conditions: {
          StringEquals: { 'kms:ViaService': `secretsmanager.${props.apiKeySecretRegion}.amazonaws.com` },
        },
      }),
    );
  }
  statements.push(
    new iam.PolicyStatement({
      sid: 'WriteOwnLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [props.logGroup.logGroupArn],
    }),
  );
  return new iam.PolicyDocument({ statements });
}

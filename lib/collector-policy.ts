/**
 * The collector's permissions, and nothing more: what each enabled source declares it needs,
 * read one secret (and decrypt it through Secrets Manager when it has its own key), write its
 * own logs.
 */
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantResource, type IamGrant, type Source } from '../lambda/sources/source';

export interface CollectorPolicyProps {
  /** The sources the function runs: each gets the statements it declares. */
  readonly sources: readonly Source[];
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
    ...props.sources.flatMap((source) => source.iam.map((grant) => grantStatement(scope, grant))),
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

/** A source's grant as a statement, its resource pattern filled with the stack's partition and account. */
function grantStatement(scope: Construct, grant: IamGrant): iam.PolicyStatement {
  const stack = Stack.of(scope);
  return new iam.PolicyStatement({
    sid: grant.sid,
    actions: [...grant.actions],
    resources: [grantResource(grant.resource, stack)],
  });
}

/** A grant's resource as cdk-nag names it in a finding id (CloudFormation pseudo parameters in angle brackets). */
export function nagResource(resource: string): string {
  return grantResource(resource, { partition: '<AWS::Partition>', account: '<AWS::AccountId>' });
}

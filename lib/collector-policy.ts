/**
 * The collector's permissions, and nothing more: what each enabled source declares it needs,
 * read one secret (and decrypt it through Secrets Manager when it has its own key), write its
 * own logs.
 */
import { Stack, Token, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { grantResource, type IamGrant, type Source } from '../lambda/sources/source';
import { STATE_TABLE_ACTIONS } from '../lambda/sources/cost-anomaly-state';
import { grantStatement, type OrganizationGrant } from './organization-policy';

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
  /** In organization mode, the account list and the roles to assume. @default - none: `self` mode */
  readonly organizationGrants?: readonly OrganizationGrant[];
  /** The cost anomalies' state table, with the cost anomalies on. @default - none */
  readonly anomalyStateTableArn?: string;
}

/** The policy document of the collector's role. */
export function collectorPolicyDocument(scope: Construct, props: CollectorPolicyProps): iam.PolicyDocument {
  const statements = [
    ...props.sources.flatMap((source) => source.iam.map((grant) => grantStatement(scope, grant))),
    ...(props.organizationGrants ?? []).map((grant) => grantStatement(scope, grant)),
    new iam.PolicyStatement({
      sid: 'ReadApiKey',
      // Not grantRead(): it adds DescribeSecret, which the collector never calls.
      actions: ['secretsmanager:GetSecretValue'],
      resources: [props.apiKeySecretArn],
    }),
  ];
  if (props.anomalyStateTableArn !== undefined) {
    statements.push(
      new iam.PolicyStatement({
        sid: 'RecordPostedAnomalies',
        // The item actions of the state's protocol, on its table alone: no read, no scan.
        actions: [...STATE_TABLE_ACTIONS],
        resources: [props.anomalyStateTableArn],
      }),
    );
  }
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

/**
 * cdk-nag flags every wildcard resource; each grant says why its wildcard is needed. Grants that
 * share a resource (`*`) share one finding, acknowledged with each of their reasons.
 */
export function acknowledgeWildcards(role: iam.IRole, grants: readonly IamGrant[]): void {
  const stack = Stack.of(role);
  // A stack deployed to a given account has it literally in its ARNs, and in cdk-nag's finding ids.
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const reasons = new Map<string, string[]>();
  for (const grant of grants) {
    if (grant.wildcardReason === undefined) continue;
    const id = `AwsSolutions-IAM5[Resource::${grantResource(grant.resource, { partition: '<AWS::Partition>', account })}]`;
    reasons.set(id, [...(reasons.get(id) ?? []), grant.wildcardReason]);
  }
  for (const [id, reason] of reasons) Validations.of(role).acknowledge({ id, reason: reason.join(' ') });
}

/**
 * The management account's reader, for a collector that runs in another account (a delegated
 * administrator or a tooling account): a role, named as `managementRoleArn` names it, that
 * trusts only the collector's role and may read what the collector reads in the management
 * account: the account list (and tags), and each enabled source's data.
 */
import { Arn, ArnFormat, BootstraplessSynthesizer, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Source } from '../lambda/sources/source';
import { acknowledgeWildcards } from './collector-policy';
import { accountListGrants, collectorAccountParameter, collectorPrincipal, grantStatement } from './organization-policy';

export interface ManagementReaderStackProps extends StackProps {
  /** The collector's `managementRoleArn`: the role this stack creates, by its name and path. */
  readonly managementRoleArn: string;
  /** The sources the collector runs: the reader may read what they read. */
  readonly sources: readonly Source[];
  /** The collector's `accountTagKeys`: with any, the reader may read the accounts' tags. */
  readonly accountTagKeys?: readonly string[];
  /**
   * The account the collector runs in, as the default of the template's `CollectorAccountId`.
   * @default - no default: give it when deploying
   */
  readonly collectorAccountId?: string;
}

export class ManagementReaderStack extends Stack {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ManagementReaderStackProps) {
    super(scope, id, {
      description: 'The role the AWS billing collector assumes to read the management account: the account list and its billing data',
      // No asset: deployable with the caller's credentials, with no CDK bootstrap in the management account.
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    const collectorAccount = collectorAccountParameter(this, props.collectorAccountId);
    const { path, name } = roleNameOf(props.managementRoleArn);
    const grants = [...accountListGrants(props.accountTagKeys), ...props.sources.flatMap((source) => source.iam)];
    this.role = new iam.Role(this, 'Role', {
      roleName: name,
      path,
      description: "Lets the AWS billing collector read the organization's account list and the management account's billing data",
      assumedBy: collectorPrincipal(collectorAccount.valueAsString),
      inlinePolicies: {
        ReadManagementAccount: new iam.PolicyDocument({ statements: grants.map((grant) => grantStatement(this, grant)) }),
      },
    });
    acknowledgeWildcards(this.role, grants);
    new CfnOutput(this, 'ManagementRoleArn', {
      description: "The collector's managementRoleArn",
      value: this.role.roleArn,
    });
  }
}

/** The name and path of a role ARN (`arn:aws:iam::1:role/a/b/name` -> path `/a/b/`, name `name`). */
function roleNameOf(roleArn: string): { path: string | undefined; name: string } {
  const resourceName = Arn.split(roleArn, ArnFormat.SLASH_RESOURCE_NAME).resourceName ?? '';
  const parts = resourceName.split('/');
  const name = parts.pop() ?? resourceName;
  return { path: parts.length === 0 ? undefined : `/${parts.join('/')}/`, name };
}

/**
 * The member role: in each member account, the role the collector assumes to read that account's
 * budgets, and nothing else. A stack of its own, so that its template lands in `cdk.out/` for
 * organizations that roll roles out with their own tooling; the StackSet deploys the same
 * template ({@link MemberRoleStack.templateBody}).
 */
import { BootstraplessSynthesizer, CfnOutput, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { SOURCES } from '../lambda/sources';
import { acknowledgeWildcards } from './collector-policy';
import { collectorAccountParameter, collectorPrincipal, grantStatement } from './organization-policy';

export interface MemberRoleStackProps extends StackProps {
  /** The role's name: the collector's `memberRoleName`. */
  readonly memberRoleName: string;
  /**
   * The account the collector runs in, as the default of the template's `CollectorAccountId`.
   * @default - no default: whoever deploys the template gives it
   */
  readonly collectorAccountId?: string;
}

export class MemberRoleStack extends Stack {
  /** The member role. */
  public readonly role: iam.Role;
  /** Its name, as a plain string (the role's `roleName` is a token of this stack). */
  public readonly memberRoleName: string;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    super(scope, id, {
      description: 'The role the AWS billing collector assumes to read the budgets of this account',
      // Deployed by a StackSet into accounts that may have no CDK bootstrap, and holds no asset.
      synthesizer: new BootstraplessSynthesizer(),
      analyticsReporting: false,
      ...props,
    });
    // The template is also the StackSet's body: construct paths would only add noise to it.
    this.node.setContext('aws:cdk:enable-path-metadata', false);
    this.memberRoleName = props.memberRoleName;

    const collectorAccount = collectorAccountParameter(this, props.collectorAccountId);
    // The budgets source's own grant: the member role reads what the collector reads in its own account.
    const grants = SOURCES.find((source) => source.setting === 'collectBudgets')?.iam ?? [];
    this.role = new iam.Role(this, 'Role', {
      roleName: props.memberRoleName,
      description: "Lets the AWS billing collector read this account's budgets",
      assumedBy: collectorPrincipal(collectorAccount.valueAsString),
      inlinePolicies: {
        ReadBudgets: new iam.PolicyDocument({ statements: grants.map((grant) => grantStatement(this, grant)) }),
      },
    });
    acknowledgeWildcards(this.role, grants);

    new CfnOutput(this, 'MemberRoleArn', {
      description: 'The role the collector assumes in this account',
      value: this.role.roleArn,
    });
  }

  /**
   * The template as CloudFormation receives it, for the StackSet's `TemplateBody`: the very
   * template this stack synthesizes, so the two cannot drift apart. Call it at synth time
   * (from a `Lazy`), once every construct and aspect has had its say.
   */
  public templateBody(): string {
    return JSON.stringify(this._toCloudFormation());
  }
}

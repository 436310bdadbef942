/**
 * The StackSet that puts the member role in every account of the organization (or of the OUs
 * given), now and as accounts join: deployed from the management account or a StackSets
 * delegated administrator, with service-managed permissions (trusted access for StackSets on).
 */
import { Aws, BootstraplessSynthesizer, CfnOutput, Lazy, Stack, StackProps } from 'aws-cdk-lib';
import * as cloudformation from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { MemberRoleStack } from './member-role-stack';
import { COLLECTOR_ACCOUNT_PARAMETER } from './organization-policy';

/** The StackSet's name, fixed so the docs' commands can name it. */
export const MEMBER_ROLE_STACK_SET_NAME = 'aws-billing-to-datadog-member-role';

/**
 * How a roll-out runs. StackSets deploy at most 100 stack instances of one stack set at a time
 * whatever the setting, so 100 % runs at that pace: 10,000 accounts in about 100 waves of one
 * IAM role each. With soft failure tolerance an account that fails (a service control policy
 * that denies iam:CreateRole, a role of that name already there) does not slow the others, and
 * the roll-out stops only when a tenth of the accounts fail, which means something is wrong
 * everywhere. (These preferences apply to the StackSet's own operations; automatic deployment
 * to accounts that join later follows AWS's own pace.)
 */
export const MEMBER_ROLE_OPERATION_PREFERENCES = {
  concurrencyMode: 'SOFT_FAILURE_TOLERANCE',
  maxConcurrentPercentage: 100,
  failureTolerancePercentage: 10,
  regionConcurrencyType: 'PARALLEL',
} as const satisfies cloudformation.CfnStackSet.OperationPreferencesProperty;

export interface MemberRoleStackSetStackProps extends StackProps {
  /** The member role's stack, whose template the StackSet deploys. */
  readonly memberRole: MemberRoleStack;
  /** The organization's root id or OU ids to deploy to. */
  readonly targets: readonly string[];
  /**
   * The account the collector runs in.
   * @default - the account this stack is deployed to (the function runs in the management account)
   */
  readonly collectorAccountId?: string;
  /**
   * Whether this stack is deployed from a StackSets delegated administrator account.
   * @default false
   */
  readonly callAsDelegatedAdmin?: boolean;
}

export class MemberRoleStackSetStack extends Stack {
  public readonly stackSet: cloudformation.CfnStackSet;

  constructor(scope: Construct, id: string, props: MemberRoleStackSetStackProps) {
    super(scope, id, {
      description: 'Deploys the role the AWS billing collector assumes into every member account, now and as accounts join',
      // No asset: deployable with the caller's credentials, with no CDK bootstrap in the management account.
      synthesizer: new BootstraplessSynthesizer(),
      ...props,
    });
    const { memberRole } = props;
    this.stackSet = new cloudformation.CfnStackSet(this, 'MemberRoleStackSet', {
      stackSetName: MEMBER_ROLE_STACK_SET_NAME,
      description: `Deploys the role ${memberRole.memberRoleName} that the AWS billing collector assumes to read each account's budgets`,
      permissionModel: 'SERVICE_MANAGED',
      // Accounts that join later get the role; an account that leaves loses it.
      autoDeployment: { enabled: true, retainStacksOnAccountRemoval: false },
      // The member role has a fixed name: the collector assumes it by that name.
      capabilities: ['CAPABILITY_NAMED_IAM'],
      callAs: props.callAsDelegatedAdmin === true ? 'DELEGATED_ADMIN' : undefined,
      operationPreferences: MEMBER_ROLE_OPERATION_PREFERENCES,
      parameters: [{ parameterKey: COLLECTOR_ACCOUNT_PARAMETER, parameterValue: props.collectorAccountId ?? Aws.ACCOUNT_ID }],
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.targets] },
          // IAM is global: one region holds the role for the whole account. This stack's region.
          regions: [Aws.REGION],
        },
      ],
      // The member stack's own template, inline: nothing to upload, and no network at synth.
      templateBody: Lazy.string({ produce: () => memberRole.templateBody() }),
    });
    new CfnOutput(this, 'StackSetName', {
      description: 'The StackSet that deploys the member role',
      value: MEMBER_ROLE_STACK_SET_NAME,
    });
  }
}

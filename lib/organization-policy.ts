/**
 * The permissions of organization mode, declared once for every role that needs them: what the
 * collector's own role gets to list the accounts and assume the member and management roles,
 * what the management reader role gets, and the trust that the member and reader roles place in
 * the collector's role. Grants have the shape of the sources' ({@link IamGrant}), so the same
 * code turns them into statements and cdk-nag acknowledgements.
 */
import { Arn, Aws, CfnParameter, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { COLLECTOR_ROLE_NAME } from '../lambda/deployment';
import { grantResource, type IamGrant } from '../lambda/sources/source';

/** An {@link IamGrant} that may carry conditions. */
export interface OrganizationGrant extends IamGrant {
  readonly conditions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** What the account list needs: the list, and each account's tags when tag keys are set. */
export function accountListGrants(accountTagKeys: readonly string[] | undefined): OrganizationGrant[] {
  const grants: OrganizationGrant[] = [
    {
      sid: 'ListOrganizationAccounts',
      actions: ['organizations:ListAccounts'],
      resource: '*',
      wildcardReason: 'organizations:ListAccounts has no resource-level permissions.',
    },
  ];
  if (accountTagKeys !== undefined && accountTagKeys.length > 0) {
    grants.push({
      sid: 'ReadAccountTags',
      actions: ['organizations:ListTagsForResource'],
      // An account's ARN holds the management account's and the organization's ids; the pattern keeps to accounts.
      resource: 'arn:<partition>:organizations::*:account/o-*/*',
      wildcardReason:
        "organizations:ListTagsForResource is granted on the organization's accounts only; their ARNs hold " +
        'the management account and organization ids, not known at deploy time.',
    });
  }
  return grants;
}

/**
 * The condition that keeps `sts:AssumeRole` to roles in the collector's own organization. The
 * policy variable is the organization of the caller, evaluated by IAM, so the organization's id
 * need not be given at synth and cannot be given wrong.
 */
export const SAME_ORGANIZATION = { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } } as const;

/** What the collector's role gets in organization mode, beside its sources' grants. */
export function collectorOrganizationGrants(settings: {
  readonly memberRoleName: string;
  readonly managementRoleArn?: string;
  readonly accountTagKeys?: readonly string[];
}): OrganizationGrant[] {
  const grants: OrganizationGrant[] = [
    ...accountListGrants(settings.accountTagKeys),
    {
      sid: 'AssumeMemberRoles',
      actions: ['sts:AssumeRole'],
      resource: `arn:<partition>:iam::*:role/${settings.memberRoleName}`,
      conditions: SAME_ORGANIZATION,
      wildcardReason:
        "The member role has one name in every account of the organization, whose ids are not known at deploy time; the aws:ResourceOrgID condition keeps it to the collector's own organization.",
    },
  ];
  if (settings.managementRoleArn !== undefined) {
    grants.push({ sid: 'AssumeManagementRole', actions: ['sts:AssumeRole'], resource: settings.managementRoleArn });
  }
  return grants;
}

/** A grant as a statement, its resource pattern filled with the stack's partition and account. */
export function grantStatement(scope: Construct, grant: OrganizationGrant): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: grant.sid,
    actions: [...grant.actions],
    resources: [grantResource(grant.resource, Stack.of(scope))],
    conditions: grant.conditions,
  });
}

/** The collector's role, in an account given as a CloudFormation value. */
function collectorRoleArn(collectorAccountId: string): string {
  return Arn.format({
    partition: Aws.PARTITION,
    service: 'iam',
    region: '',
    account: collectorAccountId,
    resource: 'role',
    resourceName: COLLECTOR_ROLE_NAME,
  });
}

/**
 * The principal a member or reader role trusts: the collector's account, and in it only the
 * collector's role (`aws:PrincipalArn`), never a wildcard.
 */
export function collectorPrincipal(collectorAccountId: string): iam.IPrincipal {
  return new iam.AccountPrincipal(collectorAccountId).withConditions({
    ArnEquals: { 'aws:PrincipalArn': collectorRoleArn(collectorAccountId) },
  });
}

/** The template parameter that names the collector's account, in the member and reader stacks. */
export const COLLECTOR_ACCOUNT_PARAMETER = 'CollectorAccountId';

/**
 * The collector's account as a parameter of the template, defaulting to `collectorAccountId`
 * when it is given: the same template then serves a StackSet, which passes it, and any other
 * tool (Control Tower customizations, Terraform), which passes it or takes the default.
 */
export function collectorAccountParameter(scope: Construct, collectorAccountId: string | undefined): CfnParameter {
  return new CfnParameter(scope, COLLECTOR_ACCOUNT_PARAMETER, {
    type: 'String',
    description: `The account the billing collector runs in; its role ${COLLECTOR_ROLE_NAME} is trusted`,
    allowedPattern: '^\\d{12}$',
    constraintDescription: 'a 12-digit AWS account id',
    default: collectorAccountId,
  });
}

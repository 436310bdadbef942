/**
 * The stacks the app synthesizes, by mode:
 * - `self` (the default): the collector stack alone;
 * - `organization`: the collector stack; the member role stack, whose template lands in
 *   `cdk.out/` for any tool; with `memberRoleTargets`, the StackSet that deploys that template to
 *   the member accounts; and with `managementRoleArn`, the management account's reader stack.
 * Each is deployed by name (`cdk deploy <name>`), each to its own account (docs/organizations.md).
 */
import { Arn, ArnFormat } from 'aws-cdk-lib';
import { Construct } from 'constructs';
// The collector's stack first: it loads the settings table before the sources, which read it.
import { BillingCollectorStack } from './billing-collector-stack';
import { DEFAULTS } from '../lambda/settings';
import { enabledSources } from '../lambda/sources';
import type { AppSettings } from './context';
import { ManagementReaderStack } from './management-reader-stack';
import { MemberRoleStack } from './member-role-stack';
import { MemberRoleStackSetStack } from './member-role-stack-set-stack';

/** The stacks' names, as `cdk deploy` takes them. */
export const STACK_NAMES = {
  collector: 'AwsBillingToDatadog',
  memberRole: 'AwsBillingToDatadogMemberRole',
  memberRoleStackSet: 'AwsBillingToDatadogMemberRoleStackSet',
  managementReader: 'AwsBillingToDatadogManagementReader',
} as const;

export interface AppStacks {
  readonly collector: BillingCollectorStack;
  readonly memberRole?: MemberRoleStack;
  readonly memberRoleStackSet?: MemberRoleStackSetStack;
  readonly managementReader?: ManagementReaderStack;
}

/** Adds the stacks the settings call for to the app. */
export function addAppStacks(scope: Construct, settings: AppSettings): AppStacks {
  const { memberRoleTargets, collectorAccountId, callAsDelegatedAdmin, ...collectorSettings } = settings;
  const collector = new BillingCollectorStack(scope, STACK_NAMES.collector, collectorSettings);
  const props = collectorSettings.collector ?? {};
  if (props.accounts !== 'organization') return { collector };

  const tags = { tags: collectorSettings.resourceTags };
  const memberRole = new MemberRoleStack(scope, STACK_NAMES.memberRole, {
    ...tags,
    memberRoleName: props.memberRoleName ?? DEFAULTS.memberRoleName,
    collectorAccountId,
  });
  const memberRoleStackSet =
    memberRoleTargets === undefined
      ? undefined
      : new MemberRoleStackSetStack(scope, STACK_NAMES.memberRoleStackSet, {
          ...tags,
          memberRole,
          targets: memberRoleTargets,
          collectorAccountId,
          callAsDelegatedAdmin,
        });
  const managementReader =
    props.managementRoleArn === undefined
      ? undefined
      : new ManagementReaderStack(scope, STACK_NAMES.managementReader, {
          ...tags,
          // Deployable only with credentials of the account the ARN names: `cdk deploy` checks it.
          env: { account: Arn.split(props.managementRoleArn, ArnFormat.SLASH_RESOURCE_NAME).account },
          managementRoleArn: props.managementRoleArn,
          sources: enabledSources(props),
          accountTagKeys: props.accountTagKeys,
          collectorAccountId,
        });
  return { collector, memberRole, memberRoleStackSet, managementReader };
}

/**
 * Organization mode's stacks, as the app builds them from the context: the collector role's
 * grants in each mode, the member role, its StackSet and the management reader, each asserted
 * whole; which stacks each mode synthesizes; and no role of any stack trusts a wildcard.
 */
import { Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { COLLECTOR_ROLE_NAME } from '../../lambda/deployment';
import { InvalidSettingError } from '../../lambda/errors';
import { SOURCES } from '../../lambda/sources';
import { STACK_NAMES } from '../../lib/app-stacks';
import { MEMBER_ROLE_STACK_SET_NAME } from '../../lib/member-role-stack-set-stack';
import { buildApp } from './app-fixture';

const SYNTH_TIMEOUT = 120_000;
const ORGANIZATION = { accounts: 'organization' } as const;
const MANAGEMENT_ROLE_ARN = 'arn:aws:iam::111122223333:role/finops/billing-reader';
const COLLECTOR_ACCOUNT = '444455556666';
/** A tooling-account deployment: every organization stack, every option. */
const EVERYTHING = {
  ...ORGANIZATION,
  memberRoleName: 'finops-budgets-reader',
  managementRoleArn: MANAGEMENT_ROLE_ARN,
  accountTagKeys: 'team,cost-center',
  memberRoleTargets: 'ou-ab12-cdef3456,ou-ab12-99998888',
  collectorAccountId: COLLECTOR_ACCOUNT,
  callAsDelegatedAdmin: 'true',
} as const;

const PARTITION = { Ref: 'AWS::Partition' };
const join = (...parts: unknown[]): object => ({ 'Fn::Join': ['', parts] });

interface Statement {
  readonly Sid?: string;
  readonly Action: string | string[];
  readonly Resource?: unknown;
  readonly Condition?: unknown;
}
interface RoleProperties {
  readonly RoleName?: string;
  readonly AssumeRolePolicyDocument: { readonly Statement: readonly (Statement & { Principal: unknown })[] };
  readonly Policies?: readonly { readonly PolicyDocument: { readonly Statement: readonly Statement[] } }[];
}

function roles(stack: Stack): RoleProperties[] {
  return Object.values(Template.fromStack(stack).findResources('AWS::IAM::Role')).map(
    (resource) => (resource as { Properties: RoleProperties }).Properties,
  );
}

function collectorStatements(context: Record<string, unknown>): Statement[] {
  const [role] = roles(buildApp(context).stack);
  return (role.Policies ?? []).flatMap((policy) => policy.PolicyDocument.Statement);
}

/** The statements of organization mode, by sid, as the collector's role holds them. */
function organizationStatements(context: Record<string, unknown>): Statement[] {
  const sourceSids = SOURCES.flatMap((source) => source.iam.map((grant) => grant.sid));
  const always = ['ReadApiKey', 'DecryptApiKey', 'WriteOwnLogs'];
  return collectorStatements(context).filter((statement) => ![...sourceSids, ...always].includes(statement.Sid ?? ''));
}

const LIST_ACCOUNTS = { Sid: 'ListOrganizationAccounts', Effect: 'Allow', Action: 'organizations:ListAccounts', Resource: '*' };
const READ_ACCOUNT_TAGS = {
  Sid: 'ReadAccountTags',
  Effect: 'Allow',
  Action: 'organizations:ListTagsForResource',
  Resource: join('arn:', PARTITION, ':organizations::*:account/o-*/*'),
};
const assumeMembers = (name: string): object => ({
  Sid: 'AssumeMemberRoles',
  Effect: 'Allow',
  Action: 'sts:AssumeRole',
  Resource: join('arn:', PARTITION, `:iam::*:role/${name}`),
  Condition: { StringEquals: { 'aws:ResourceOrgID': '${aws:PrincipalOrgID}' } },
});

describe("the collector's role", () => {
  it(
    'in self mode has no Organizations or STS permission and no fixed name',
    () => {
      const actions = collectorStatements({}).flatMap((statement) => statement.Action);
      expect(actions.filter((action) => /^(organizations|sts):/.test(action))).toEqual([]);
      expect(roles(buildApp({}).stack)[0].RoleName).toBeUndefined();
    },
    SYNTH_TIMEOUT,
  );

  it(
    'in organization mode has its fixed name, and lists the accounts and assumes the member roles of its own organization, exactly',
    () => {
      const { stack } = buildApp(ORGANIZATION);
      expect(roles(stack)[0].RoleName).toBe(COLLECTOR_ROLE_NAME);
      Template.fromStack(stack).hasOutput('CollectorRoleArn', { Value: stack.resolve(stack.collector.role.roleArn) });
      expect(organizationStatements(ORGANIZATION)).toEqual([LIST_ACCOUNTS, assumeMembers('aws-billing-to-datadog-reader')]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    "with tag keys and a management role also reads the accounts' tags and assumes that role, exactly",
    () => {
      expect(organizationStatements(EVERYTHING)).toEqual([
        LIST_ACCOUNTS,
        READ_ACCOUNT_TAGS,
        assumeMembers('finops-budgets-reader'),
        { Sid: 'AssumeManagementRole', Effect: 'Allow', Action: 'sts:AssumeRole', Resource: MANAGEMENT_ROLE_ARN },
      ]);
    },
    SYNTH_TIMEOUT,
  );
});

/** The trust every member and reader role places in the collector, with the account as a template parameter. */
const TRUSTS_THE_COLLECTOR = {
  Version: '2012-10-17',
  Statement: [
    {
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Principal: { AWS: join('arn:', PARTITION, ':iam::', { Ref: 'CollectorAccountId' }, ':root') },
      Condition: {
        ArnEquals: {
          'aws:PrincipalArn': join('arn:', PARTITION, ':iam::', { Ref: 'CollectorAccountId' }, `:role/${COLLECTOR_ROLE_NAME}`),
        },
      },
    },
  ],
};

describe('the member role stack', () => {
  it(
    'trusts only the collector role and may only view its own budgets, exactly; the collector account is a parameter',
    () => {
      const { memberRole } = buildApp(EVERYTHING).stacks;
      const template = Template.fromStack(memberRole as Stack);
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.resourcePropertiesCountIs('AWS::IAM::Policy', {}, 0);
      template.hasResourceProperties(
        'AWS::IAM::Role',
        Match.objectEquals({
          RoleName: 'finops-budgets-reader',
          Description: Match.anyValue(),
          AssumeRolePolicyDocument: TRUSTS_THE_COLLECTOR,
          Policies: [
            {
              PolicyName: 'ReadBudgets',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  {
                    Sid: 'ReadBudgets',
                    Effect: 'Allow',
                    Action: 'budgets:ViewBudget',
                    Resource: join('arn:', PARTITION, ':budgets::', { Ref: 'AWS::AccountId' }, ':budget/*'),
                  },
                ],
              },
            },
          ],
        }),
      );
      template.hasParameter('CollectorAccountId', { Type: 'String', Default: COLLECTOR_ACCOUNT, AllowedPattern: '^\\d{12}$' });
      // Deployable where the CDK was never bootstrapped: no bootstrap version check.
      expect(Object.keys(template.toJSON().Parameters ?? {})).toEqual(['CollectorAccountId']);
      expect(template.toJSON().Rules).toBeUndefined();
    },
    SYNTH_TIMEOUT,
  );

  it(
    'leaves the collector account without a default when it is not given',
    () => {
      const { memberRole } = buildApp(ORGANIZATION).stacks;
      expect(Template.fromStack(memberRole as Stack).toJSON().Parameters.CollectorAccountId.Default).toBeUndefined();
    },
    SYNTH_TIMEOUT,
  );
});

describe("the member role's StackSet", () => {
  it(
    "deploys the member stack's own template to the OUs given, automatically, in one region, as a delegated administrator",
    () => {
      const { app, stacks } = buildApp(EVERYTHING);
      const template = Template.fromStack(stacks.memberRoleStackSet as Stack);
      template.resourceCountIs('AWS::CloudFormation::StackSet', 1);
      template.hasResourceProperties(
        'AWS::CloudFormation::StackSet',
        Match.objectEquals({
          StackSetName: MEMBER_ROLE_STACK_SET_NAME,
          Description: Match.anyValue(),
          PermissionModel: 'SERVICE_MANAGED',
          AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
          Capabilities: ['CAPABILITY_NAMED_IAM'],
          CallAs: 'DELEGATED_ADMIN',
          OperationPreferences: {
            ConcurrencyMode: 'SOFT_FAILURE_TOLERANCE',
            MaxConcurrentPercentage: 100,
            FailureTolerancePercentage: 10,
            RegionConcurrencyType: 'PARALLEL',
          },
          Parameters: [{ ParameterKey: 'CollectorAccountId', ParameterValue: COLLECTOR_ACCOUNT }],
          StackInstancesGroup: [
            {
              DeploymentTargets: { OrganizationalUnitIds: ['ou-ab12-cdef3456', 'ou-ab12-99998888'] },
              Regions: [{ Ref: 'AWS::Region' }],
            },
          ],
          TemplateBody: Match.anyValue(),
        }),
      );
      // The body is the template the member stack writes to cdk.out, byte for byte.
      const assembly = app.synth();
      const written = assembly.getStackByName(STACK_NAMES.memberRole).template as unknown;
      const body = Object.values(template.findResources('AWS::CloudFormation::StackSet'))[0].Properties.TemplateBody as string;
      expect(JSON.parse(body)).toEqual(written);
      expect(body).toContain('finops-budgets-reader');
    },
    SYNTH_TIMEOUT,
  );

  it(
    "from the management account targets the root, calls as itself, and passes its own account as the collector's",
    () => {
      const { stacks } = buildApp({ ...ORGANIZATION, memberRoleTargets: 'r-ab12' });
      const stackSet = Object.values(
        Template.fromStack(stacks.memberRoleStackSet as Stack).findResources('AWS::CloudFormation::StackSet'),
      )[0].Properties as Record<string, unknown>;
      expect(stackSet.CallAs).toBeUndefined();
      expect(stackSet.StackInstancesGroup).toEqual([
        { DeploymentTargets: { OrganizationalUnitIds: ['r-ab12'] }, Regions: [{ Ref: 'AWS::Region' }] },
      ]);
      expect(stackSet.Parameters).toEqual([{ ParameterKey: 'CollectorAccountId', ParameterValue: { Ref: 'AWS::AccountId' } }]);
    },
    SYNTH_TIMEOUT,
  );
});

describe('the management reader stack', () => {
  it(
    "is the role managementRoleArn names, in its account, trusting only the collector, reading the accounts and the sources' data, exactly",
    () => {
      const { managementReader } = buildApp(EVERYTHING).stacks;
      const stack = managementReader as Stack;
      expect(stack.account).toBe('111122223333');
      const template = Template.fromStack(stack);
      template.resourceCountIs('AWS::IAM::Role', 1);
      template.hasResourceProperties(
        'AWS::IAM::Role',
        Match.objectEquals({
          RoleName: 'billing-reader',
          Path: '/finops/',
          Description: Match.anyValue(),
          AssumeRolePolicyDocument: TRUSTS_THE_COLLECTOR,
          Policies: [
            {
              PolicyName: 'ReadManagementAccount',
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: [
                  LIST_ACCOUNTS,
                  READ_ACCOUNT_TAGS,
                  {
                    Sid: 'ReadBillingMetrics',
                    Effect: 'Allow',
                    Action: ['cloudwatch:GetMetricData', 'cloudwatch:ListMetrics'],
                    Resource: '*',
                  },
                  {
                    Sid: 'ReadBudgets',
                    Effect: 'Allow',
                    Action: 'budgets:ViewBudget',
                    Resource: join('arn:', PARTITION, ':budgets::111122223333:budget/*'),
                  },
                ],
              },
            },
          ],
        }),
      );
    },
    SYNTH_TIMEOUT,
  );

  it(
    'reads only what the enabled sources read, and no tags without tag keys',
    () => {
      const { managementReader } = buildApp({ ...ORGANIZATION, managementRoleArn: MANAGEMENT_ROLE_ARN, collectBudgets: 'false' }).stacks;
      const [role] = roles(managementReader as Stack);
      expect(role.Policies?.[0].PolicyDocument.Statement.map((statement) => statement.Sid)).toEqual([
        'ListOrganizationAccounts',
        'ReadBillingMetrics',
      ]);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'allows exactly ce:GetCostAndUsage and ce:GetCostForecast on * with collectCostExplorer, where Cost Explorer is read for the organization',
    () => {
      const context = { ...ORGANIZATION, managementRoleArn: MANAGEMENT_ROLE_ARN, collectCostExplorer: 'true' };
      const { managementReader } = buildApp(context).stacks;
      const [role] = roles(managementReader as Stack);
      const statements = role.Policies?.[0].PolicyDocument.Statement ?? [];
      expect(statements.map((statement) => statement.Sid)).toEqual([
        'ListOrganizationAccounts',
        'ReadBillingMetrics',
        'ReadBudgets',
        'ReadCostExplorer',
      ]);
      expect(statements.filter((statement) => [statement.Action].flat().some((action) => action.startsWith('ce:')))).toEqual([
        { Sid: 'ReadCostExplorer', Effect: 'Allow', Action: ['ce:GetCostAndUsage', 'ce:GetCostForecast'], Resource: '*' },
      ]);
      // The function's own role holds them too, for a collector that runs in the management account.
      expect(collectorStatements(context).filter((statement) => statement.Sid === 'ReadCostExplorer')).toHaveLength(1);
    },
    SYNTH_TIMEOUT,
  );
});

describe('the stacks of each mode', () => {
  it.each([
    ['self', {}, [STACK_NAMES.collector]],
    ['organization', ORGANIZATION, [STACK_NAMES.collector, STACK_NAMES.memberRole]],
    [
      'organization with StackSet targets',
      { ...ORGANIZATION, memberRoleTargets: 'r-ab12' },
      [STACK_NAMES.collector, STACK_NAMES.memberRole, STACK_NAMES.memberRoleStackSet],
    ],
    [
      'organization with a management role',
      { ...ORGANIZATION, managementRoleArn: MANAGEMENT_ROLE_ARN },
      [STACK_NAMES.collector, STACK_NAMES.memberRole, STACK_NAMES.managementReader],
    ],
  ])(
    '%s mode synthesizes exactly its stacks',
    (_mode, context, names) => {
      const { app } = buildApp(context);
      expect(app.node.children.filter((child) => child instanceof Stack).map((stack) => stack.node.id)).toEqual(names);
    },
    SYNTH_TIMEOUT,
  );

  it(
    'no role of any stack trusts a wildcard principal or an account without naming the role',
    () => {
      const { app } = buildApp(EVERYTHING);
      const stacks = app.node.children.filter((child): child is Stack => child instanceof Stack);
      const trusts = stacks.flatMap((stack) => roles(stack).flatMap((role) => role.AssumeRolePolicyDocument.Statement));
      expect(trusts.length).toBe(3);
      for (const trust of trusts) {
        const text = JSON.stringify(trust.Principal);
        expect(text).not.toMatch(/"\*"|:\*/);
        // An account principal is narrowed to the collector's role.
        if (text.includes(':root')) expect(JSON.stringify(trust.Condition)).toContain(`:role/${COLLECTOR_ROLE_NAME}`);
      }
    },
    SYNTH_TIMEOUT,
  );
});

describe('the organization settings in the context', () => {
  it.each([
    ['memberRoleTargets', { memberRoleTargets: 'r-ab12' }, 'applies only with `accounts` set to organization'],
    ['callAsDelegatedAdmin', { callAsDelegatedAdmin: 'true' }, 'applies only with `accounts` set to organization'],
    ['memberRoleTargets', { ...ORGANIZATION, memberRoleTargets: 'root' }, 'has the item "root"; give the root id (r-...) or OU ids'],
    ['collectorAccountId', { ...ORGANIZATION, collectorAccountId: '1234' }, 'must be a 12-digit AWS account id, got "1234"'],
    [
      'collectorAccountId',
      { ...ORGANIZATION, memberRoleTargets: 'r-ab12', managementRoleArn: MANAGEMENT_ROLE_ARN },
      'is required with `memberRoleTargets` when the StackSet is deployed from another account',
    ],
    [
      'collectorAccountId',
      { ...ORGANIZATION, memberRoleTargets: 'r-ab12', callAsDelegatedAdmin: 'true' },
      'is required with `memberRoleTargets`',
    ],
  ])('refuses `%s` in %j', (key, context, message) => {
    let thrown: unknown;
    try {
      buildApp(context);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(InvalidSettingError);
    expect((thrown as InvalidSettingError).setting).toBe(key);
    expect((thrown as Error).message).toContain(message);
  });

  it('refuses more StackSet targets than one operation takes', () => {
    const targets = Array.from({ length: 51 }, (_, index) => `ou-ab12-${String(index).padStart(8, '0')}`).join(',');
    expect(() => buildApp({ ...ORGANIZATION, memberRoleTargets: targets })).toThrow(
      'has 51 items; a StackSet operation takes at most 50 OUs',
    );
  });
});

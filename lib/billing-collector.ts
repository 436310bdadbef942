/**
 * The billing collector as one reusable construct: the function and its role, log group,
 * schedule and alarms, and the API key secret when the user brings none.
 */
import * as path from 'node:path';
import { Annotations, ArnFormat, Duration, RemovalPolicy, SecretValue, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { BUNDLING, COLLECTOR_ROLE_NAME, HANDLER } from '../lambda/deployment';
import { API_KEY_PLACEHOLDER, ENV } from '../lambda/environment';
import { deployedRules, enabledSources } from '../lambda/sources';
import { DEFAULTS } from '../lambda/settings';
import { triggerEvent } from '../lambda/trigger';
import {
  BILLING_COLLECTOR_DEFAULTS,
  BillingCollectorProps,
  collectorEnvironment,
  resolveBillingCollectorProps,
} from './billing-collector-props';
import { acknowledgeWildcards, collectorPolicyDocument } from './collector-policy';
import { createAnomalyStateTable } from './anomaly-state-table';
import { collectorOrganizationGrants } from './organization-policy';
import { CollectorSchedule, NO_SUCCESS_EVALUATION_PERIODS } from './schedule';

const PROJECT_ROOT = path.resolve(__dirname, '..');

/** The alias the second rule invokes: its runs have their own retry setting and their own metrics. */
export const COST_EXPLORER_ALIAS = 'cost-explorer';

/** Sends AWS Budgets and CloudWatch billing metrics to Datadog on a schedule. */
export class BillingCollector extends Construct {
  /** The collector function. */
  public readonly function: nodejs.NodejsFunction;
  /** The function's role; it holds only the collector's own policy. */
  public readonly role: iam.Role;
  /** The function's log group. */
  public readonly logGroup: logs.LogGroup;
  /** The secret the function reads the Datadog API key from. */
  public readonly apiKeySecret: secretsmanager.ISecret;
  /** Whether this construct created `apiKeySecret`, which then holds a placeholder until the key is put in it. */
  public readonly createdApiKeySecret: boolean;
  /**
   * The rule that runs the function on its schedule, for the sources of the `schedule` trigger
   * (budgets, estimated charges); absent when none of them is on.
   */
  public readonly rule?: events.Rule;
  /**
   * The second rule, which runs the sources AWS bills per request (`trigger: 'cost_explorer'`) on
   * `costExplorerSchedule`, through an alias of its own; absent when none of them is on.
   */
  public readonly costExplorerRule?: events.Rule;
  /** Fires when a run fails, of either rule: the function's metrics count its alias's runs too. */
  public readonly errorsAlarm: cloudwatch.Alarm;
  /**
   * Fires when no hourly run has succeeded for three schedule periods, including when none ran at
   * all; absent with {@link rule}, since it cannot watch the second rule's runs (three of its
   * periods do not fit in the day CloudWatch allows an alarm; the Datadog monitor watches them).
   */
  public readonly noSuccessAlarm?: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: BillingCollectorProps = {}) {
    super(scope, id);
    const resolved = resolveBillingCollectorProps(props);

    this.createdApiKeySecret = props.apiKeySecret === undefined;
    this.apiKeySecret = props.apiKeySecret ?? this.createApiKeySecret();
    const secret = this.apiKeySecret;

    // Deleted with the stack: the logs are a run history, not a record to keep.
    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: resolved.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const anomalyStateTable = (props.collectCostAnomalies ?? DEFAULTS.collectCostAnomalies) ? createAnomalyStateTable(this) : undefined;
    const organization = props.accounts === 'organization';
    const organizationGrants = organization
      ? collectorOrganizationGrants({
          memberRoleName: props.memberRoleName ?? DEFAULTS.memberRoleName,
          managementRoleArn: props.managementRoleArn,
          accountTagKeys: props.accountTagKeys,
        })
      : [];
    this.role = new iam.Role(this, 'Role', {
      // Member and reader roles trust this role by name (lambda/deployment.ts); in `self` mode nothing does.
      roleName: organization ? COLLECTOR_ROLE_NAME : undefined,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: organization
        ? "Billing collector: reads its organization's accounts, their budgets through their member role, billing metrics and its Datadog API key secret"
        : 'Billing collector: reads AWS Budgets, billing metrics and its Datadog API key secret',
      inlinePolicies: {
        BillingCollector: collectorPolicyDocument(this, {
          organizationGrants,
          sources: enabledSources(props),
          ...(anomalyStateTable === undefined ? {} : { anomalyStateTableArn: anomalyStateTable.tableArn }),
          // A secret imported by name or partial ARN has no full ARN; IAM then needs the suffix wildcard.
          apiKeySecretArn: secret.secretFullArn ?? `${secret.secretArn}-??????`,
          apiKeySecretRegion: this.regionOf(secret),
          apiKeySecretKmsKey: props.apiKeySecretKmsKey,
          logGroup: this.logGroup,
        }),
      },
    });
    acknowledgeWildcards(this.role, [...enabledSources(props).flatMap((source) => source.iam), ...organizationGrants]);

    const sizing = props.accounts === 'organization' ? BILLING_COLLECTOR_DEFAULTS.organization : BILLING_COLLECTOR_DEFAULTS;
    this.function = new nodejs.NodejsFunction(this, 'Function', {
      description: 'Sends AWS Budgets and CloudWatch billing metrics to Datadog',
      entry: path.join(PROJECT_ROOT, HANDLER.entry),
      handler: HANDLER.exportName,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      // The CDK's constants for FUNCTION_RUNTIME in lambda/deployment.ts, which a test holds them to.
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: sizing.memorySize,
      timeout: sizing.timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      applicationLogLevelV2: resolved.logLevel,
      environment: {
        ...collectorEnvironment(props, resolved),
        [ENV.apiKeySecretArn]: secret.secretFullArn ?? secret.secretArn,
        ...(anomalyStateTable === undefined ? {} : { [ENV.anomalyStateTable]: anomalyStateTable.tableArn }),
      },
      retryAttempts: BILLING_COLLECTOR_DEFAULTS.retryAttempts,
      maxEventAge: BILLING_COLLECTOR_DEFAULTS.maxEventAge,
      bundling: { ...BUNDLING, mainFields: [...BUNDLING.mainFields] },
    });

    // Each rule exists when a source of its trigger is on: with Cost Explorer alone, say, every
    // hourly run would fail for want of a source, so the hourly rule is left out.
    const rules = deployedRules(props);
    this.rule = rules.schedule
      ? new events.Rule(this, 'Schedule', {
          description: 'Runs the billing collector',
          schedule: resolved.schedule.expression,
          targets: [
            new targets.LambdaFunction(this.function, {
              retryAttempts: BILLING_COLLECTOR_DEFAULTS.retryAttempts,
              maxEventAge: BILLING_COLLECTOR_DEFAULTS.maxEventAge,
            }),
          ],
        })
      : undefined;

    const secondRule = rules.cost_explorer ? this.costExplorerRun(resolved.costExplorerSchedule) : undefined;
    this.costExplorerRule = secondRule?.rule;

    const period = resolved.schedule.period;
    // By FunctionName alone, which Lambda aggregates over every version and alias: the second
    // rule's failed runs, through its alias, count here too.
    const errors = this.function.metricErrors({ period, statistic: cloudwatch.Stats.SUM });
    this.errorsAlarm = new cloudwatch.Alarm(this, 'ErrorsAlarm', {
      alarmDescription:
        'The billing collector failed a run. Its log group has a JSON line with "level":"ERROR" ' +
        'that says why; docs/troubleshooting.md lists each error and its fix.',
      metric: errors,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    this.noSuccessAlarm = rules.schedule ? this.createNoSuccessAlarm(period, errors, secondRule?.alias) : undefined;

    if (props.alarmTopic !== undefined) this.notify(props.alarmTopic);
  }

  /**
   * The second rule and its alias, made when an enabled source runs on the `cost_explorer` trigger
   * (taken from the registry, so every such source brings the rule). The alias exists for
   * Lambda's asynchronous retries, which are set per alias: the hourly runs keep theirs, but a
   * retried failed Cost Explorer run would pay its requests again, so this one has none.
   */
  private costExplorerRun(schedule: CollectorSchedule): { readonly rule: events.Rule; readonly alias: lambda.Alias } {
    const alias = new lambda.Alias(this, 'CostExplorerAlias', {
      aliasName: COST_EXPLORER_ALIAS,
      version: this.function.currentVersion,
      retryAttempts: 0,
      maxEventAge: BILLING_COLLECTOR_DEFAULTS.maxEventAge,
    });
    // CDK warns that a function with an alias may be invoked through it with a permission granted
    // to the function alone. Here each rule is granted what it invokes: the hourly rule the
    // function, unqualified; this rule the alias (targets.LambdaFunction adds it on the alias).
    Annotations.of(this.function).acknowledgeWarning(
      '@aws-cdk/aws-lambda:addPermissionsToVersionOrAlias',
      'Each rule is granted invoke on what it invokes: the hourly rule the function, the second rule its alias.',
    );
    const rule = new events.Rule(this, 'CostExplorerSchedule', {
      description: 'Runs the billing collector for Cost Explorer, billed per request',
      schedule: schedule.expression,
      targets: [
        new targets.LambdaFunction(alias, {
          event: events.RuleTargetInput.fromObject(triggerEvent('cost_explorer')),
          // EventBridge's own retries of a failed delivery; Lambda's are the alias's, none either.
          retryAttempts: 0,
          maxEventAge: BILLING_COLLECTOR_DEFAULTS.maxEventAge,
        }),
      ],
    });
    return { rule, alias };
  }

  /**
   * The "no successful run" alarm of the hourly runs. The function's metrics count every run, the
   * second rule's too: a Cost Explorer success would count as an hourly one and reset the alarm
   * while every hourly run fails. The second rule's alias publishes its runs apart, so they are
   * taken out again.
   */
  private createNoSuccessAlarm(period: Duration, errors: cloudwatch.IMetric, secondAlias: lambda.Alias | undefined): cloudwatch.Alarm {
    const hourly = {
      invocations: this.function.metricInvocations({ period, statistic: cloudwatch.Stats.SUM }),
      errors,
    };
    const second =
      secondAlias === undefined
        ? undefined
        : {
            secondInvocations: secondAlias.metricInvocations({ period, statistic: cloudwatch.Stats.SUM }),
            secondErrors: secondAlias.metricErrors({ period, statistic: cloudwatch.Stats.SUM }),
          };
    const successes = new cloudwatch.MathExpression({
      label: 'Successful scheduled runs',
      // Lambda publishes Errors beside Invocations, but FILL keeps a missing Errors point from
      // hiding a period that had successful runs (and a period without a second-rule run from
      // having no value).
      expression: 'invocations - FILL(errors, 0)' + (second === undefined ? '' : ' - (FILL(secondInvocations, 0) - FILL(secondErrors, 0))'),
      usingMetrics: { ...hourly, ...second },
      period,
    });
    return new cloudwatch.Alarm(this, 'NoSuccessAlarm', {
      alarmDescription:
        `The billing collector has had no successful run for ${NO_SUCCESS_EVALUATION_PERIODS} schedule ` +
        'periods: it fails every run, or is not running at all (rule disabled, function throttled).',
      metric: successes,
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: NO_SUCCESS_EVALUATION_PERIODS,
      datapointsToAlarm: NO_SUCCESS_EVALUATION_PERIODS,
      // No data means no run: that is exactly what this alarm is for.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }

  private createApiKeySecret(): secretsmanager.Secret {
    const secret = new secretsmanager.Secret(this, 'ApiKeySecret', {
      description: 'Datadog API key of the billing collector. Replace the placeholder with the key.',
      // Not a secret: the placeholder the collector recognises until the user puts the key in.
      // CloudFormation writes it again only when it changes, so a deployment leaves the key the
      // user put in alone; changing the placeholder text would overwrite every user's key.
      secretStringValue: SecretValue.unsafePlainText(API_KEY_PLACEHOLDER),
      // The key outlives the stack: deleting the stack must not lose it.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'A Datadog API key is issued and revoked in Datadog, which Secrets Manager rotation cannot do; ' +
        'the user puts a new key in the secret and the collector reads it again within 6 hours or at once on a 403.',
    });
    return secret;
  }

  /** The secret's region, from its ARN: an imported secret may live in another region. */
  private regionOf(secret: secretsmanager.ISecret): string {
    const stack = Stack.of(this);
    return stack.splitArn(secret.secretArn, ArnFormat.COLON_RESOURCE_NAME).region ?? stack.region;
  }

  private notify(topic: sns.ITopic): void {
    const action = new cloudwatchActions.SnsAction(topic);
    for (const alarm of [this.errorsAlarm, ...(this.noSuccessAlarm === undefined ? [] : [this.noSuccessAlarm])]) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
  }
}

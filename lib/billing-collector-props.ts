/**
 * The props of {@link BillingCollector}: what a user can set, the defaults of the deployment
 * side, the checks a value must pass before any resource is made, and the environment the
 * function receives.
 *
 * Every default lives in `lambda/settings.ts` (the collector's) or `lambda/deployment.ts` (the
 * deployment side's); a collector setting the user leaves out is left out of the environment,
 * so the collector applies its default and the two sides cannot disagree.
 */
import { shownValue } from '../lambda/secret-shape';
import { Duration, Token } from 'aws-cdk-lib';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sns from 'aws-cdk-lib/aws-sns';
import { DEPLOYMENT_DEFAULTS, ORGANIZATION_DEPLOYMENT } from '../lambda/deployment';
import { noSourceProblem, SOURCES } from '../lambda/sources';
import { collectorEnvironmentFor } from '../lambda/environment';
import { InvalidSettingError } from '../lambda/errors';
import {
  DEFAULTS,
  MAX_TAG_LENGTH,
  settingProblem,
  type AccountMode,
  type EveryCollectorSetting,
  type SettingName,
  type SettingValue,
} from '../lambda/settings';
import { alarmPeriodProblem, CollectorSchedule, costExplorerPeriodProblem } from './schedule';

export interface BillingCollectorProps {
  /**
   * The Secrets Manager secret that holds the Datadog API key, as a plain string (or as JSON
   * `{"DD_API_KEY": "..."}`). The function may read it and nothing else in Secrets Manager.
   * @default - a new secret holding a placeholder, kept when the stack is deleted; put the key
   *   in it with the command in `lambda/environment.ts#putApiKeyCommand`
   */
  readonly apiKeySecret?: secretsmanager.ISecret;

  /**
   * The customer-managed KMS key that encrypts `apiKeySecret`, if any. The function may decrypt
   * with it only through Secrets Manager in the secret's region.
   * @default - no KMS permission: the secret uses the AWS managed key `aws/secretsmanager`
   */
  readonly apiKeySecretKmsKey?: kms.IKey;

  /**
   * The Datadog site the account lives on, such as `datadoghq.eu`.
   * @default 'datadoghq.com'
   */
  readonly datadogSite?: string;

  /**
   * When the collector runs. AWS refreshes billing data a few times a day, so hourly is plenty.
   * @default - every hour: CollectorSchedule.rate(Duration.hours(1))
   */
  readonly schedule?: CollectorSchedule;

  /**
   * When the second rule runs the sources AWS bills per request (Cost Explorer), which the hourly
   * run never reads. Cost Explorer refreshes its data up to three times a day, and each request
   * costs $0.01. The rule exists only when such a source is on.
   * @default - every 12 hours: CollectorSchedule.rate(Duration.hours(12))
   */
  readonly costExplorerSchedule?: CollectorSchedule;

  /**
   * Datadog tags added to every series, such as `team:finops`.
   * @default - none
   */
  readonly tags?: readonly string[];

  /**
   * The `env` tag added to every series.
   * @default - no `env` tag
   */
  readonly env?: string;

  /**
   * The `service` tag added to every series.
   * @default - no `service` tag
   */
  readonly service?: string;

  /**
   * The prefix of every metric name. Change it when Datadog's AWS Billing integration also
   * collects billing metrics, so the two sources stay apart.
   * @default 'aws.billing'
   */
  readonly metricPrefix?: string;

  /**
   * Whether to send the spend, forecast and limit of each AWS Budgets cost budget.
   * @default true
   */
  readonly collectBudgets?: boolean;

  /**
   * With `collectBudgets`: whether to send each cost budget's alert thresholds, whether each is
   * in alarm, and the alert level the budget monitors compare with.
   * @default true
   */
  readonly collectBudgetThresholds?: boolean;

  /**
   * Whether to send CloudWatch `AWS/Billing` `EstimatedCharges`.
   * @default true
   */
  readonly collectEstimatedCharges?: boolean;

  /**
   * Whether to send estimated charges per linked account and service (payer accounts only);
   * this level has the most series.
   * @default true
   */
  readonly collectLinkedAccountServices?: boolean;

  /**
   * CloudWatch `ServiceName` values to send, such as `AmazonEC2`.
   * @default - every service
   */
  readonly serviceAllowlist?: readonly string[];

  /**
   * CloudWatch `ServiceName` values not to send.
   * @default - none
   */
  readonly serviceDenylist?: readonly string[];

  /**
   * Which accounts a run reads: `self`, the account the function runs in, or `organization`,
   * every active account of its AWS Organization (the account list and billing data of the
   * management account, and each member's budgets through the role `memberRoleName`).
   * @default 'self'
   */
  readonly accounts?: AccountMode | string;

  /**
   * In organization mode, a role in the management account that the collector reads the
   * account list and the management account's billing data through, when the function runs in
   * another account (a delegated administrator or a tooling account).
   * @default - the function runs in the management account and reads it directly
   */
  readonly managementRoleArn?: string;

  /**
   * In organization mode, the name of the role in each member account that the collector
   * assumes to read that account's budgets.
   * @default 'aws-billing-to-datadog-reader'
   */
  readonly memberRoleName?: string;

  /**
   * In organization mode, the ids of the accounts to read.
   * @default - every active account
   */
  readonly accountAllowlist?: readonly string[];

  /**
   * In organization mode, the ids of accounts never to read.
   * @default - none
   */
  readonly accountDenylist?: readonly string[];

  /**
   * In organization mode, the AWS Organizations tag keys of each account sent as Datadog tags
   * on its series, such as `team`.
   * @default - none
   */
  readonly accountTagKeys?: readonly string[];

  /**
   * In organization mode, how many accounts are read at once.
   * @default 10
   */
  readonly accountConcurrency?: number;

  /**
   * Send Cost Explorer's month-to-date, daily, last month's and forecast cost, run by the second
   * rule (`costExplorerSchedule`). Each request is billed $0.01.
   * @default false
   */
  readonly collectCostExplorer?: boolean;

  /**
   * The Cost Explorer cost metrics to send, each its `cost_metric` tag: `unblended_cost`,
   * `amortized_cost`, `net_unblended_cost`, `net_amortized_cost`.
   * @default ['unblended_cost']
   */
  readonly costMetrics?: readonly string[];

  /**
   * Cost Explorer's groupings besides the total, one query family each: `SERVICE`,
   * `LINKED_ACCOUNT`, `LINKED_ACCOUNT+SERVICE`, `TAG:<cost-allocation tag key>`.
   * @default ['SERVICE', 'LINKED_ACCOUNT']
   */
  readonly costGroupBy?: readonly string[];

  /**
   * The most groups each Cost Explorer family sends, ranked by month-to-date cost; the rest is
   * summed into one `other` series.
   * @default 50
   */
  readonly costMaxGroups?: number;

  /**
   * The most Cost Explorer requests (each billed $0.01) one run may make, shared by every source
   * that calls Cost Explorer.
   * @default 10
   */
  readonly costExplorerMaxRequests?: number;

  /**
   * Post each AWS Cost Anomaly Detection anomaly as a Datadog event (once, and again when its
   * impact grows), with the anomaly metrics, on the Cost Explorer rule's runs. Creates the
   * DynamoDB table that records what was posted.
   * @default false
   */
  readonly collectCostAnomalies?: boolean;

  /**
   * Post an anomaly again when its total impact has grown by at least this many percent since it
   * was posted.
   * @default 20
   */
  readonly anomalyRepostGrowthPercent?: number;

  /**
   * An anomaly whose total impact is above this many dollars is an `error` event, else a `warning`.
   * @default 1000
   */
  readonly anomalyErrorImpactUsd?: number;

  /**
   * How long the function keeps the API key before reading the secret again. A key rotated in
   * Datadog is picked up within this time, or at once when Datadog refuses the old one.
   * @default Duration.hours(6)
   */
  readonly apiKeyMaxAge?: Duration;

  /**
   * Whether to send the collector's own health metrics (runs, series sent, duration, data age).
   * @default true
   */
  readonly sendHealthMetrics?: boolean;

  /**
   * How long the function's logs are kept.
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * The lowest level of the function's log lines that reach CloudWatch Logs.
   * @default lambda.ApplicationLogLevel.INFO
   */
  readonly logLevel?: lambda.ApplicationLogLevel;

  /**
   * Where the alarms send their notifications (when they fire and when they recover).
   * @default - the alarms have no actions; watch them in the CloudWatch console
   */
  readonly alarmTopic?: sns.ITopic;
}

/** The deployment side's defaults (`lambda/deployment.ts`), as the CDK types them. */
export const BILLING_COLLECTOR_DEFAULTS = {
  datadogSite: DEFAULTS.datadogSite,
  scheduleRate: Duration.minutes(DEPLOYMENT_DEFAULTS.schedulePeriodMinutes),
  costExplorerScheduleRate: Duration.minutes(DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes),
  logRetention: DEPLOYMENT_DEFAULTS.logRetentionDays as logs.RetentionDays,
  logLevel: DEPLOYMENT_DEFAULTS.logLevel as lambda.ApplicationLogLevel,
  timeout: Duration.seconds(DEPLOYMENT_DEFAULTS.timeoutSeconds),
  memorySize: DEPLOYMENT_DEFAULTS.memorySizeMb,
  /** Organization mode's sizing (`accounts: 'organization'`), where a run reads every account. */
  organization: {
    timeout: Duration.seconds(ORGANIZATION_DEPLOYMENT.timeoutSeconds),
    memorySize: ORGANIZATION_DEPLOYMENT.memorySizeMb,
  },
  retryAttempts: DEPLOYMENT_DEFAULTS.retryAttempts,
  maxEventAge: Duration.seconds(DEPLOYMENT_DEFAULTS.maxEventAgeSeconds),
} as const;

/** Props with every deployment-side default applied. */
export interface ResolvedBillingCollectorProps {
  readonly datadogSite: string;
  readonly schedule: CollectorSchedule;
  readonly costExplorerSchedule: CollectorSchedule;
  readonly logRetention: logs.RetentionDays;
  readonly logLevel: lambda.ApplicationLogLevel;
}

/**
 * Checks the props and applies the defaults.
 * @throws InvalidSettingError naming the first prop at fault.
 */
export function resolveBillingCollectorProps(props: BillingCollectorProps): ResolvedBillingCollectorProps {
  const resolved: ResolvedBillingCollectorProps = {
    datadogSite: props.datadogSite ?? BILLING_COLLECTOR_DEFAULTS.datadogSite,
    schedule: props.schedule ?? CollectorSchedule.rate(BILLING_COLLECTOR_DEFAULTS.scheduleRate),
    costExplorerSchedule: props.costExplorerSchedule ?? CollectorSchedule.rate(BILLING_COLLECTOR_DEFAULTS.costExplorerScheduleRate),
    logRetention: props.logRetention ?? BILLING_COLLECTOR_DEFAULTS.logRetention,
    logLevel: props.logLevel ?? BILLING_COLLECTOR_DEFAULTS.logLevel,
  };
  validate(props, resolved);
  return resolved;
}

function validate(props: BillingCollectorProps, resolved: ResolvedBillingCollectorProps): void {
  const site = resolved.datadogSite;
  if (!Token.isUnresolved(site)) throwIfProblem('datadogSite', site);
  // The table's value checks, for every prop that carries a collector setting as it is.
  throwIfProblem('metricPrefix', props.metricPrefix);
  throwIfProblem('tags', props.tags);
  throwIfProblem('serviceAllowlist', props.serviceAllowlist);
  throwIfProblem('serviceDenylist', props.serviceDenylist);
  throwIfProblem('accounts', props.accounts);
  throwIfProblem('managementRoleArn', props.managementRoleArn);
  throwIfProblem('memberRoleName', props.memberRoleName);
  throwIfProblem('accountAllowlist', props.accountAllowlist);
  throwIfProblem('accountDenylist', props.accountDenylist);
  throwIfProblem('accountTagKeys', props.accountTagKeys);
  throwIfProblem('accountConcurrency', props.accountConcurrency);
  throwIfProblem('costMetrics', props.costMetrics);
  throwIfProblem('costGroupBy', props.costGroupBy);
  throwIfProblem('costMaxGroups', props.costMaxGroups);
  throwIfProblem('costExplorerMaxRequests', props.costExplorerMaxRequests);
  throwIfProblem('anomalyRepostGrowthPercent', props.anomalyRepostGrowthPercent);
  throwIfProblem('anomalyErrorImpactUsd', props.anomalyErrorImpactUsd);
  throwIfProblem('env', props.env);
  throwIfProblem('service', props.service);
  // The collector cuts a longer tag to Datadog's limit; at synth the user can still fix it.
  for (const tag of props.tags ?? []) {
    if (!Token.isUnresolved(tag) && tag.length > MAX_TAG_LENGTH) {
      throw new InvalidSettingError('tags', `has an item of ${tag.length} characters; Datadog keeps at most ${MAX_TAG_LENGTH}`);
    }
  }
  checkTagValueLength('env', props.env);
  checkTagValueLength('service', props.service);

  const noSource = noSourceProblem(props, (setting) => `\`${setting}\``);
  if (noSource !== undefined) {
    // The message names every switch; the error points at the first.
    throw new InvalidSettingError(SOURCES[0].setting, noSource.replace(`\`${SOURCES[0].setting}\` `, ''));
  }
  if (props.apiKeyMaxAge !== undefined && !props.apiKeyMaxAge.isUnresolved()) {
    if (!Number.isInteger(props.apiKeyMaxAge.toSeconds({ integral: false }))) {
      throw new InvalidSettingError('apiKeyMaxAge', 'must be a whole number of seconds');
    }
    const problem = settingProblem('apiKeyMaxAgeSeconds', props.apiKeyMaxAge.toSeconds());
    if (problem !== undefined) throw new InvalidSettingError('apiKeyMaxAge', problem);
  }
  if (props.apiKeySecretKmsKey !== undefined && props.apiKeySecret === undefined) {
    throw new InvalidSettingError(
      'apiKeySecretKmsKey',
      'is given without `apiKeySecret`; a secret this construct creates uses the AWS managed key, ' +
        'so give the key only with the existing secret it encrypts',
    );
  }
  const periodProblem = alarmPeriodProblem(resolved.schedule.period);
  if (periodProblem !== undefined) throw new InvalidSettingError('schedule', periodProblem);
  const costExplorerProblem = costExplorerPeriodProblem(resolved.costExplorerSchedule.period);
  if (costExplorerProblem !== undefined) throw new InvalidSettingError('costExplorerSchedule', costExplorerProblem);
}

function checkTagValueLength(prop: 'env' | 'service', value: string | undefined): void {
  if (value !== undefined && !Token.isUnresolved(value) && value.length > MAX_TAG_LENGTH) {
    throw new InvalidSettingError(prop, `must be between 1 and ${MAX_TAG_LENGTH} characters, got ${shownValue(value)}`);
  }
}

/** Throws the settings table's problem with a prop's value; a token is checked at deploy time, not here. */
function throwIfProblem<K extends SettingName>(name: K, value: SettingValue<K> | undefined): void {
  if (value === undefined || Token.isUnresolved(value) || (Array.isArray(value) && value.some((item) => Token.isUnresolved(item)))) {
    return;
  }
  const problem = settingProblem(name, value);
  if (problem !== undefined) throw new InvalidSettingError(name, problem);
}

/**
 * The function's environment, less the secret ARN (the construct adds it once the secret
 * exists). `DD_SITE` is always set; every other variable only when its prop is given.
 */
export function collectorEnvironment(props: BillingCollectorProps, resolved: ResolvedBillingCollectorProps): Record<string, string> {
  const settings: EveryCollectorSetting = {
    datadogSite: resolved.datadogSite,
    // Added by the construct once the secret exists.
    apiKeySecretArn: undefined,
    // A proxy is a command-line tool's concern; the function talks to the site.
    apiUrl: undefined,
    tags: props.tags,
    env: props.env,
    service: props.service,
    metricPrefix: props.metricPrefix,
    collectBudgets: props.collectBudgets,
    collectBudgetThresholds: props.collectBudgetThresholds,
    collectEstimatedCharges: props.collectEstimatedCharges,
    collectLinkedAccountServices: props.collectLinkedAccountServices,
    serviceAllowlist: props.serviceAllowlist,
    serviceDenylist: props.serviceDenylist,
    accounts: props.accounts,
    managementRoleArn: props.managementRoleArn,
    memberRoleName: props.memberRoleName,
    accountAllowlist: props.accountAllowlist,
    accountDenylist: props.accountDenylist,
    accountTagKeys: props.accountTagKeys,
    accountConcurrency: props.accountConcurrency,
    collectCostExplorer: props.collectCostExplorer,
    costMetrics: props.costMetrics,
    costGroupBy: props.costGroupBy,
    costMaxGroups: props.costMaxGroups,
    costExplorerMaxRequests: props.costExplorerMaxRequests,
    collectCostAnomalies: props.collectCostAnomalies,
    anomalyRepostGrowthPercent: props.anomalyRepostGrowthPercent,
    anomalyErrorImpactUsd: props.anomalyErrorImpactUsd,
    // Added by the construct once the table exists.
    anomalyStateTable: undefined,
    apiKeyMaxAgeSeconds: props.apiKeyMaxAge?.toSeconds(),
    sendHealthMetrics: props.sendHealthMetrics,
    // Lambda sets AWS_LAMBDA_LOG_LEVEL itself from the function's application log level.
    logLevel: undefined,
  };
  return collectorEnvironmentFor(settings);
}

/**
 * The one-line doc of each setting of `settings.ts`, for the command-line tool's help (and the
 * docs' configuration table, which says more). Apart from the table because the function never
 * shows them and bundles the table. A source's switch is documented by the source itself
 * (`switchDoc`); a test holds every setting to exactly one doc.
 */
import type { SettingName } from './settings';
import { SOURCES } from './sources';

const DOCS: Partial<Readonly<Record<SettingName, string>>> = {
  datadogSite: 'The Datadog site your organization is on, such as `datadoghq.eu`.',
  apiKeySecretArn: 'Complete ARN of an existing Secrets Manager secret holding the Datadog API key; without it the stack creates one.',
  apiKeySecretKmsKeyArn: 'ARN of the customer-managed KMS key that encrypts `apiKeySecretArn`, if it has one.',
  apiUrl: 'Datadog API origin overriding the site, for a proxy: https, or http on loopback.',
  schedule: 'When the function runs: an EventBridge `rate(...)` or `cron(...)` expression.',
  schedulePeriodMinutes: 'With a cron `schedule` (and required then): the longest time in minutes between two runs, for the alarms.',
  costExplorerSchedule:
    'When the second rule runs the sources AWS bills per request (Cost Explorer): a `rate(...)` or `cron(...)` expression.',
  costExplorerSchedulePeriodMinutes:
    'With a cron `costExplorerSchedule` (and required then): the longest time in minutes between two of its runs, for its monitor.',
  tags: 'Datadog tags added to every series, such as `team:finops`.',
  env: 'The `env` tag added to every series.',
  service: 'The `service` tag added to every series.',
  metricPrefix: "Prefix of every metric name; change it when Datadog's AWS integration also collects billing metrics.",
  collectBudgetThresholds:
    "With budgets on: send each cost budget's alert thresholds, whether each is in alarm, and the level its monitors compare with.",
  collectLinkedAccountServices:
    'Send estimated charges per linked account and service (payer accounts only); the level with the most series.',
  serviceAllowlist: 'CloudWatch `ServiceName` values to send, such as `AmazonEC2`; empty sends every service.',
  serviceDenylist: 'CloudWatch `ServiceName` values not to send.',
  accounts: "Which accounts a run reads: `self` (the function's own) or `organization` (every account of its AWS Organization).",
  managementRoleArn:
    'In organization mode, a role in the management account to read the account list and its billing data through, when the function runs elsewhere.',
  memberRoleName: 'In organization mode, the name of the role in each member account that lets the collector read its budgets.',
  accountAllowlist: 'In organization mode, the account ids to read; empty reads every active account.',
  accountDenylist: 'In organization mode, account ids never to read.',
  accountTagKeys: 'In organization mode, Organizations tag keys of each account sent as Datadog tags on its series, such as `team`.',
  accountConcurrency: 'In organization mode, how many accounts are read at once.',
  costMetrics:
    'With Cost Explorer on, the cost metrics to send: `unblended_cost`, `amortized_cost`, `net_unblended_cost`, `net_amortized_cost`.',
  costGroupBy:
    'With Cost Explorer on, its groupings besides the total: `SERVICE`, `LINKED_ACCOUNT`, `LINKED_ACCOUNT+SERVICE`, `TAG:<key>`.',
  costMaxGroups:
    'With Cost Explorer on, the most groups each grouping sends, ranked by month-to-date cost; the rest is summed into one `other` series.',
  costExplorerMaxRequests:
    'The most Cost Explorer requests (each billed $0.01) one run may make, shared by every source that calls Cost Explorer; past it the run stops them and is partial.',
  anomalyRepostGrowthPercent:
    "With cost anomalies on: post an anomaly's event again when its total impact has grown by at least this many percent since it was posted.",
  anomalyErrorImpactUsd:
    'With cost anomalies on: an anomaly whose total impact is above this many dollars is an `error` event, else a `warning`.',
  anomalyStateTable:
    'ARN of the DynamoDB table that records the anomalies posted; the stack creates it and sets it (the command-line tool never posts, so has no flag).',
  memberRoleTargets:
    "In organization mode, the root id (`r-...`) or OU ids (`ou-...`) the member role's StackSet deploys to; the app synthesizes the StackSet only with them.",
  collectorAccountId:
    'In organization mode, the account the collector function runs in, which the member and management reader roles trust.',
  callAsDelegatedAdmin:
    'Deploy the member role StackSet from a StackSets delegated administrator account rather than the management account.',
  apiKeyMaxAgeSeconds:
    'How long the function keeps the API key before reading the secret again, at least 60 (at once when Datadog refuses it; a run reads it once whatever the age).',
  sendHealthMetrics: "Send the collector's own health metrics (runs, series sent, duration, data age).",
  logRetentionDays: "How many days the function's logs are kept: one of CloudWatch Logs' retention values.",
  logLevel: "The lowest level of the function's log lines that reach CloudWatch Logs.",
  alarmEmail: 'E-mail address subscribed to a new SNS topic that receives the alarms.',
  alarmTopicArn: 'ARN of an existing SNS topic, in the stack’s region, that receives the alarms.',
  resourceTags: 'AWS tags put on every resource of the stack, as a JSON object such as `{"team":"finops"}`.',
  permissionsBoundaryArn: 'ARN of a managed policy set as the permissions boundary of every role in the stack.',
};

/** A setting's one-line doc: its own, or, for a source's switch, the source's. */
export function settingDoc(name: SettingName): string {
  return DOCS[name] ?? SOURCES.find((source) => source.setting === name)?.switchDoc ?? '';
}

/** The settings documented both here and by a source, which a test holds to none. */
export function doublyDocumented(): SettingName[] {
  return SOURCES.filter((source) => DOCS[source.setting] !== undefined).map((source) => source.setting);
}

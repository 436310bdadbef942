/**
 * Typed errors. Each says what went wrong and what to do about it, and none of them ever
 * carries a key: they name the secret or the variable, never its value.
 *
 * This is the bottom layer: the collector, the stack, the command-line tool and the Datadog
 * tools all throw these classes, or classes extending {@link ActionableError}.
 */
import { masked } from './mask';
import { printable } from './printable';

import { settingForStack, type SettingName } from './settings';

/** How a layer names a setting in what it prints: the function by variable and context key, the tool by flag. */
export type SettingNamer = (name: SettingName, value?: string) => string;

/**
 * A problem or a fix. One that names a setting is a function of the namer, so that the layer
 * that prints it names the setting its own way; `message` and the getters use the function's.
 */
export type MessageText = string | ((setting: SettingNamer) => string);

/** A message text with its settings named by `setting`. */
export function textOf(text: MessageText, setting: SettingNamer): string {
  return typeof text === 'string' ? text : text(setting);
}

/** What {@link ActionableError} takes besides the problem. */
export interface ActionableErrorOptions {
  /** What to do about it; leave it out when the problem already says, or there is no one thing to do. */
  readonly fix?: MessageText;
  /** The error this one explains. */
  readonly cause?: unknown;
}

/**
 * The base of every error this project throws: the problem and its fix, apart, so that the
 * command-line tool prints them on two lines (`error:`, then `fix:`), while `message` holds both
 * for logs and stack traces.
 */
export class ActionableError extends Error {
  public override readonly name: string = 'ActionableError';
  // Private fields with getters: the error's own enumerable properties stay those of any
  // Error, so it compares, serializes and logs as its message.
  readonly #problem: MessageText;
  readonly #fix: MessageText | undefined;

  /**
   * @param problem what is wrong, as a sentence that names the input at fault.
   * @param options the fix, appended to `message` after a space, and the cause.
   */
  constructor(problem: MessageText, options: ActionableErrorOptions = {}) {
    const fix = options.fix === undefined ? undefined : textOf(options.fix, settingForStack);
    const shown = textOf(problem, settingForStack);
    // A cause is set only when given, as `new Error(message)` does.
    super(fix === undefined ? shown : `${shown} ${fix}`, 'cause' in options ? { cause: options.cause } : undefined);
    this.#problem = problem;
    this.#fix = options.fix;
  }

  /** What is wrong, alone; `message` is this followed by `fix`. */
  public get problem(): string {
    return textOf(this.#problem, settingForStack);
  }

  /** How to fix it, when there is one thing to do. */
  public get fix(): string | undefined {
    return this.#fix === undefined ? undefined : textOf(this.#fix, settingForStack);
  }

  /** The problem and the fix with each setting named by `setting` (the tool's flags, say). */
  public namingSettings(setting: SettingNamer): { readonly problem: string; readonly fix?: string } {
    return {
      problem: textOf(this.#problem, setting),
      ...(this.#fix === undefined ? {} : { fix: textOf(this.#fix, setting) }),
    };
  }
}

/** One or more environment variables are missing or malformed; each problem says what is expected. */
export class ConfigError extends ActionableError {
  public override readonly name = 'ConfigError';
  constructor(public readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
  }
}

/**
 * A context key, a construct prop or a Datadog asset setting that cannot be used. The message
 * starts with the setting's name in backticks, so `cdk synth` points straight at it; callers
 * that know the setting under another name (a command-line flag) use `setting` and `detail`.
 */
export class InvalidSettingError extends ActionableError {
  public override readonly name = 'InvalidSettingError';
  /** What is wrong with the setting and how to fix it, without the setting's name. */
  public readonly detail: string;

  /**
   * @param setting the context key, prop or setting at fault, without backticks.
   * @param problem what is wrong and how to fix it; appended after the setting's name.
   */
  constructor(
    public readonly setting: string,
    problem: string,
  ) {
    super(`\`${setting}\` ${problem}`);
    this.detail = problem;
  }
}

/** The Datadog API key could not be read from its secret, or is not usable. */
export class ApiKeyError extends ActionableError {
  public override readonly name = 'ApiKeyError';
}

/** AWS refused an API call for lack of permission; the message names the IAM action. */
export class AccessDeniedError extends ActionableError {
  public override readonly name = 'AccessDeniedError';
  constructor(
    public readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(`AWS denied ${action}: the function's role needs the IAM permission "${action}".`, {
      fix: 'Redeploy the stack, or add the permission if you deploy the function yourself.',
      ...options,
    });
  }
}

/** An AWS call was abandoned so that the run could send what it had before the function's timeout. */
export class AwsTimeoutError extends ActionableError {
  public override readonly name = 'AwsTimeoutError';
  constructor(
    public readonly action: string,
    options?: { cause?: unknown },
  ) {
    super(
      `AWS did not answer ${action} in time: the call was abandoned so that the metrics already collected could be ` +
        "sent before the function's timeout.",
      {
        fix:
          "It is tried again on the next run; if this keeps happening, raise the function's timeout or check its " + 'network path to AWS.',
        ...options,
      },
    );
  }
}

/**
 * A listing kept answering with a next page: a token it had given before, or more pages than
 * the documented limits allow (see `paging.ts`). Stopped rather than called until the timeout.
 */
export class PagingError extends ActionableError {
  public override readonly name = 'PagingError';
  constructor(
    /** Who answered and what, e.g. `AWS` and `DescribeBudgets`. */
    service: string,
    public readonly operation: string,
    public readonly pages: number,
    reason: string,
    fix: string,
  ) {
    super(`${service} kept answering ${operation} with a next-page token: stopped after ${pages} pages, ${reason}.`, { fix });
  }
}

/**
 * A run reached its cap on requests that AWS bills one by one (Cost Explorer's), and stopped
 * making them rather than paying for more: what it had read is sent, and the run is partial.
 */
export class RequestCapError extends ActionableError {
  public override readonly name = 'RequestCapError';
  constructor(
    /** The service, as the bill names it: `Cost Explorer`. */
    service: string,
    public readonly cap: number,
    setting: SettingName,
  ) {
    super(`The run made the ${cap} ${service} requests it may make, and stopped before the rest of its data.`, {
      fix: (name) => `Raise ${name(setting)} (each request is billed), or ask for less: fewer groupings, cost metrics or groups.`,
    });
  }
}

/** Why Cost Explorer answered without data: see {@link CostExplorerUnavailableError}. */
export type CostExplorerUnavailable = 'not_enabled' | 'no_data' | 'member';

const COST_EXPLORER_PROBLEMS: Record<CostExplorerUnavailable, [problem: string, fix: (name: SettingNamer) => string]> = {
  not_enabled: [
    'Cost Explorer is not enabled in account',
    () => 'Enable it there: Billing and Cost Management console > Cost Explorer (its data appears within 24 hours).',
  ],
  no_data: ['Cost Explorer has no data yet in account', () => 'Its data appears within 24 hours of enabling it; the next runs read it.'],
  member: [
    'Cost Explorer refused account',
    (name) =>
      `For a member account, read it from the management account (${name('accounts', 'organization')}, docs/organizations.md) ` +
      'or let members see it (management account > Cost Management preferences > Linked account access); otherwise enable Cost Explorer.',
  ],
};

/**
 * Cost Explorer answered, but not with data: it is not enabled (`AccessDeniedException` "User
 * not enabled for cost explorer access"), it has no data yet (`DataUnavailableException`), or
 * the account is a member its management account does not let see Cost Explorer (which AWS
 * answers as "not enabled" too: in self mode the function cannot tell the two apart).
 */
export class CostExplorerUnavailableError extends ActionableError {
  public override readonly name = 'CostExplorerUnavailableError';
  constructor(
    public readonly reason: CostExplorerUnavailable,
    accountId: string,
    options?: { cause?: unknown },
  ) {
    const [problem, fix] = COST_EXPLORER_PROBLEMS[reason];
    super(`${problem} ${accountId}.`, {
      fix: (name) => `${fix(name)} Or turn the source off with ${name('collectCostExplorer', 'false')}.`,
      ...options,
    });
  }
}

/**
 * The cost anomalies' table, which records the anomalies posted so each is posted once, is not
 * set, or does not exist: no anomaly is posted rather than posting them all on every run.
 */
export class AnomalyStateTableError extends ActionableError {
  public override readonly name = 'AnomalyStateTableError';
  /** @param table the table's ARN, or undefined when none is set. */
  constructor(table: string | undefined, options?: { cause?: unknown }) {
    super(
      table === undefined
        ? 'Cost anomalies are on, but no table records which were posted: no anomaly was posted.'
        : `The cost anomalies' table ${table} does not exist: no anomaly was posted.`,
      {
        fix: (setting) =>
          `Deploy the stack with ${setting('collectCostAnomalies', 'true')}, which creates the table and sets ${setting('anomalyStateTable')}.`,
        ...options,
      },
    );
  }
}

/** An AWS call got no answer: the endpoint refused it, its name did not resolve, or it timed out. */
export class AwsUnreachableError extends ActionableError {
  public override readonly name = 'AwsUnreachableError';
  /**
   * @param action the IAM action of the call.
   * @param where the host (or address and port) that did not answer.
   * @param reason the network error's code, or "no answer in time".
   */
  constructor(action: string, where: string, reason: string, options?: { cause?: unknown }) {
    super(`AWS could not be reached for ${action} at ${where} (${reason}).`, {
      fix: `Check the endpoint ${where}, DNS and proxy; in a VPC, a NAT gateway or VPC endpoint.`,
      ...options,
    });
  }
}

/** The function had no usable AWS credentials, or they had expired. */
export class AwsCredentialsError extends ActionableError {
  public override readonly name = 'AwsCredentialsError';
  constructor(action: string, expired: boolean, options?: { cause?: unknown }) {
    super(expired ? `The AWS credentials had expired when calling ${action}.` : `No usable AWS credentials to call ${action}.`, {
      // Lambda gives and renews the role's credentials: only the role, or an environment that overrides it, can be at fault.
      fix: `Check the function's role (redeploy the stack) and that its environment sets no ${expired ? 'AWS_SESSION_TOKEN' : 'AWS_ACCESS_KEY_ID or AWS_PROFILE'}.`,
      ...options,
    });
  }
}

/** What to do when an account has no billing metrics: the run's error and `check`'s probe say the same. */
export const BILLING_ALERTS_FIX: MessageText = (setting) =>
  'Turn on "Receive Billing Alerts" (Billing and Cost Management console > Billing preferences > Alert ' +
  'preferences); the first figures appear within about a day. Or turn this source off with ' +
  `${setting('collectEstimatedCharges', 'false')}.`;

/** Datadog's address gave no answer: the run's last error and `check` say the same. */
export function datadogUnreachableFix(origin: string): MessageText {
  return (setting) =>
    `Check that ${setting('datadogSite')} is your Datadog site (the host of your Datadog URL, such as datadoghq.eu), or ` +
    `${setting('apiUrl')} your proxy, and that ${origin} can be reached from where this runs (proxy, firewall; in a VPC, a NAT gateway).`;
}

/** The account has no `AWS/Billing` metrics at all: billing alerts are off. */
export class NoBillingMetricsError extends ActionableError {
  public override readonly name = 'NoBillingMetricsError';
  constructor() {
    super('No AWS/Billing EstimatedCharges metrics in us-east-1.', { fix: BILLING_ALERTS_FIX });
  }
}

/**
 * Datadog refused or failed a request, after any retries that made sense: the collector's
 * series submissions and the Datadog tools' dashboard and monitor calls alike.
 */
export class DatadogSubmitError extends ActionableError {
  public override readonly name = 'DatadogSubmitError';
  constructor(
    problem: string,
    /** HTTP status of the last attempt; undefined for a network error or a time-out. */
    public readonly status: number | undefined,
    options?: ActionableErrorOptions,
  ) {
    super(problem, options);
  }
}

/** The run finished with errors after sending what it could; thrown so Lambda counts an error. */
export class CollectionError extends ActionableError {
  public override readonly name = 'CollectionError';
  constructor(public readonly errors: readonly string[]) {
    // Lambda's text log format prints a thrown message raw: no AWS-given control character in it.
    super(printable(`Collection finished with ${errors.length} error(s): ${errors.join(' | ')}`));
  }
}

/**
 * A short description of any thrown value, for logs and summaries, with the Datadog keys masked:
 * an SDK or network error may quote what a server answered.
 * @param setting how the reader names settings. @default the function's: variable and context key
 */
export function describeError(error: unknown, setting?: SettingNamer): string {
  if (error instanceof ActionableError && setting !== undefined) {
    const { problem, fix } = error.namingSettings(setting);
    return masked(`${error.name}: ${fix === undefined ? problem : `${problem} ${fix}`}`);
  }
  return masked(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
}

/** Why an account of the organization could not be read; each has its own fix. */
export type AccountFailure = 'denied' | 'throttled' | 'timeout' | 'unreachable' | 'credentials' | 'other';

/** What the reader is told to do for each {@link AccountFailure}, besides `other`'s own. */
const ACCOUNT_FIXES: Record<Exclude<AccountFailure, 'other'>, (role: string) => MessageText> = {
  denied: (role) => (setting) =>
    `Deploy the member role ${role} to the account: add its organizational unit (or the root) to ` +
    `${setting('memberRoleTargets')}, which the member role's StackSet deploys to (docs/organizations.md), ` +
    `or leave the account out with ${setting('accountDenylist')}.`,
  throttled: () => (setting) => `It is read again on the next run; if this keeps happening, lower ${setting('accountConcurrency')}.`,
  timeout: () => "It is read again on the next run; if this keeps happening, raise the function's timeout.",
  unreachable: () => 'Check the network path to AWS STS and AWS Budgets (in a VPC, a NAT gateway or VPC endpoints).',
  credentials: (role) => `Check that the member role ${role} in the account can be assumed and its session is not cut short.`,
};

/**
 * One account of the organization could not be read: its role was refused, AWS kept throttling
 * it, or it did not answer in time. The run goes on without it, with one warning.
 */
export class AccountReadError extends ActionableError {
  public override readonly name = 'AccountReadError';
  constructor(
    public readonly accountId: string,
    /** The account's name as shown: quoted by `shownValue`. */
    shownName: string,
    public readonly failure: AccountFailure,
    reason: string,
    options: { readonly roleName: string; readonly fix?: MessageText; readonly cause?: unknown },
  ) {
    super(`Account ${accountId} (${shownName}) was not read: ${reason}.`, {
      cause: options.cause,
      ...(failure === 'other'
        ? options.fix === undefined
          ? {}
          : { fix: options.fix }
        : { fix: ACCOUNT_FIXES[failure](options.roleName) }),
    });
  }
}

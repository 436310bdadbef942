/**
 * What every AWS source declares about itself, so that the rest of the project loops over
 * sources instead of naming them: the setting that switches it, the IAM statements and AWS
 * clients it needs, how it collects, what it may skip, and how `check` probes it.
 *
 * A source is one module in this folder exporting one {@link Source}, registered in `index.ts`.
 */
import type { Config } from '../config';
import type { MessageText } from '../errors';
import type { Logger } from '../log';
import type { MetricKey } from '../metrics';
import type { CallCounter, SkipReason, SourceResult } from '../samples';
import type { CollectorSettingName, SettingValue } from '../settings';
import type { Trigger } from '../trigger';
import type { RequestCap } from '../request-cap';
import type { AwsClientSource } from '../aws-clients';
import type { DatadogEvent } from '../datadog/events';

/** What the caller makes every client with: the billing region, and its own retries and time-outs. */
export interface AwsClientConfig {
  readonly region: string;
  readonly maxAttempts: number;
  /** The SDK's request handler options, such as time-outs. */
  readonly requestHandler?: {
    readonly connectionTimeout?: number;
    readonly requestTimeout?: number;
    /** Agents shared by the clients of many accounts, so their sockets are reused. @default one of the client's own */
    readonly httpAgent?: import('node:http').Agent;
    readonly httpsAgent?: import('node:https').Agent;
  };
  /** A profile of the shared config and credentials files. @default the SDK's credential chain */
  readonly profile?: string;
  /**
   * The credentials of the account to read (another account's, from `sts:AssumeRole`): the SDK
   * takes credentials per client. @default the SDK's credential chain
   */
  readonly credentials?: AwsCredentials;
}

/** Temporary credentials, as `sts:AssumeRole` gives them and every SDK client takes them. */
export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

/** An AWS SDK client, as far as the pool that makes it needs to know. */
export interface AwsClient {
  destroy(): void;
}

/**
 * How to make each client a source asks for, by the name it reads it under. Sources that name
 * the same client (`cloudWatch`) share one, made once.
 */
export type ClientMakers<C> = { readonly [K in keyof C]: (config: AwsClientConfig) => C[K] };

/**
 * An IAM statement a source needs. The resource is an ARN pattern in which `${Partition}` and
 * `${AccountId}` stand for the stack's partition and account (CloudFormation's own pseudo
 * parameters), or `*` for actions that have no resource-level permissions.
 */
export interface IamGrant {
  /** The statement id in the role's policy. */
  readonly sid: string;
  readonly actions: readonly string[];
  readonly resource: string;
  /** Why the resource holds a wildcard; cdk-nag's finding on it is acknowledged with this reason. */
  readonly wildcardReason?: string;
}

/** A list price: `usd` for every `per` units. */
export interface ListPrice {
  readonly usd: number;
  readonly per: number;
}

/** An AWS operation a source calls, as the cost model prices it and the benchmark counts it. */
export interface SourceOperation {
  /** The operation, as the run's call counter names it: `DescribeBudgets`. */
  readonly name: string;
  /** The service and operation in words, for a bill: `AWS Budgets DescribeBudgets`. */
  readonly title: string;
  /** What AWS bills: each request, or each metric a request asks for (CloudWatch GetMetricData). */
  readonly billedPer: 'request' | 'metric';
  /**
   * AWS's list price in us-east-1 (where billing data lives), per `billedPer`, as the service's
   * pricing page states it; the cost model reads it from here and the docs are tested against it.
   */
  readonly price: ListPrice;
  /** Said beside the price in `estimate`, such as "no charge documented". */
  readonly priceNote?: string;
  /** For an operation billed per metric: the metrics one request asks for, from its input. */
  readonly billedUnits?: (input: object) => number;
}

/** A boolean collector setting: the switches a source can be turned on and off with. */
export type SourceSwitch = {
  [K in CollectorSettingName]: SettingValue<K> extends boolean ? K : never;
}[CollectorSettingName];

/** What a source's run is given besides its clients. */
export interface SourceRun {
  readonly config: Config;
  /** The account whose billing data is read, sent as `account_id`. */
  readonly accountId: string;
  /** The collection time. */
  readonly now: Date;
  readonly log: Logger;
  /** Incremented once per AWS call. */
  readonly calls: CallCounter;
  /** Aborts AWS calls still running when the run must move on to sending. */
  readonly signal: AbortSignal;
  /** The run's one cap on Cost Explorer's billed requests, shared by every source that calls it. */
  readonly costExplorerRequests: RequestCap;
  /**
   * What the run may change besides sending its series: absent in a dry run, which must post
   * nothing and write no state. @default absent
   */
  readonly effects?: RunEffects;
}

/** The changes a run makes beyond its series, for the sources that make them (events, their state). */
export interface RunEffects {
  /**
   * Posts one Datadog event with the run's API key, once.
   * @throws DatadogSubmitError when Datadog did not take it (or the key could not be read).
   */
  postEvent(event: DatadogEvent): Promise<void>;
  /**
   * The function's own clients, in its own account: for the state it keeps (a table the stack
   * created), whichever account the source reads (the management account's role, say).
   */
  readonly ownClients: AwsClientSource;
}

/** What `check` says of a source it could read: what it found, in one line. */
export interface ProbeResult {
  readonly ok: boolean;
  readonly detail: string;
  /** What to do when not ok; `check` names any setting in it by its flag. */
  readonly fix?: MessageText;
}

export interface Source<C extends object = object> {
  /** Identifies the source in `check`'s output and the docs, such as `budgets`. */
  readonly id: string;
  /** A title for `check`'s output. */
  readonly title: string;
  /** The setting that turns it on and off. */
  readonly setting: SourceSwitch;
  /**
   * Which accounts it reads in organization mode: `payer`, the management account alone (its
   * data already covers every linked account), or `eachAccount`, every account with that
   * account's credentials (data that belongs to the account that owns it). In self mode every
   * source reads the function's own account.
   */
  readonly scope: 'payer' | 'eachAccount';
  /**
   * Which rule's runs read it (`trigger.ts`): `schedule`, the hourly run, or `cost_explorer`, the
   * second rule's slower runs, for sources that AWS bills per request.
   */
  readonly trigger: Trigger;
  /**
   * Whether its samples name the accounts they are about themselves (Cost Explorer's
   * `DimensionValueAttributes`), so that organization mode lists the organization's accounts
   * for it neither for names nor for tags: a run of such `payer` sources alone reads the
   * management account only. @default false
   */
  readonly namesAccounts?: boolean;
  /** That setting's one-line doc, for the tool's help: what the source sends. */
  readonly switchDoc: string;
  readonly iam: readonly IamGrant[];
  /** The AWS clients it needs, and how to make them (`new BudgetsClient(config)`). */
  readonly clients: ClientMakers<C>;
  /** The AWS operations it calls; every one has a price in the cost model (a test holds it). */
  readonly operations: readonly SourceOperation[];
  /** The reasons it may skip a point, each counted in the run summary. */
  readonly skipReasons: readonly SkipReason[];
  /** The metrics it sends or feeds (a data age), defined in its own module and gathered in `index.ts`. */
  readonly metrics: readonly MetricKey[];
  /**
   * One run: samples to send and what was skipped.
   * @throws AccessDeniedError naming the IAM action its role lacks; any other error fails this source only.
   */
  collect(clients: C, run: SourceRun): Promise<SourceResult>;
  /**
   * One cheap read that tells whether the source can work in this account, for `check`.
   * @throws the AWS error of a call that failed (access denied, say); `check` explains it.
   */
  probe(clients: C, accountId: string): Promise<ProbeResult>;
}

/** Infers a source's clients from its makers, so `collect` and `probe` see just those clients, typed. */
export function defineSource<C extends object>(source: Source<C>): Source<C> {
  return source;
}

/** "1 budget", "3 budgets": for probe details here, and the command-line tool's text. */
export function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * An {@link IamGrant}'s resource pattern with its partition and account filled in: the stack's
 * tokens for the role's policy, CloudFormation's pseudo parameters for cdk-nag's finding ids, or
 * an account's values for `check`'s fix.
 */
export function grantResource(pattern: string, place: { readonly partition: string; readonly account: string }): string {
  return pattern.replace('<partition>', place.partition).replace('<account>', place.account);
}

/** The keys of a source's metric definitions, typed. */
export function metricKeys<M extends Record<string, unknown>>(definitions: M): (keyof M & string)[] {
  return Object.keys(definitions);
}

/**
 * One collection from the command line: the collector's own `collect`, with the tool's clients,
 * key source and logger. `collect` and `estimate` both go through here, so what they show is
 * what the function does.
 */
import { partitionOf, RoleSessions } from '../lambda/accounts/credentials';
import { collect, type RunResult } from '../lambda/collect';
import type { Config } from '../lambda/config';
import { DEPLOYMENT_DEFAULTS } from '../lambda/deployment';
import type { HttpObserver } from '../lambda/datadog/http';
import type { ApiKeySource } from '../lambda/datadog/submit';
import type { Logger } from '../lambda/log';
import type { Trigger } from '../lambda/trigger';
import type { AwsClientFactory } from './aws';
import { settingAsFlag } from './settings';

/** The function's timeout: the same bound on sending. */
export const RUN_TIMEOUT_MS = DEPLOYMENT_DEFAULTS.timeoutSeconds * 1000;

/**
 * One collection's inputs. The second rule's sources are read in a dry run only: the anomalies
 * post events and write the state table only in the deployed function, whose stack creates that
 * table; a dry run gives its sources no effects (`SourceRun.effects`), so nothing is posted or written.
 */
export type CollectionInput = CollectionBase &
  (
    | { readonly dryRun: true; /** Which rule's sources to read. @default 'schedule' */ readonly trigger?: Trigger }
    | { readonly dryRun: false; readonly trigger?: 'schedule' }
  );

interface CollectionBase {
  readonly config: Config;
  readonly accountId: string;
  /** The caller's ARN: its partition names the member roles in organization mode. */
  readonly callerArn: string;
  readonly aws: AwsClientFactory;
  readonly apiKey: ApiKeySource;
  readonly log: Logger;
  /** Told of each Datadog request (`--verbose`). */
  readonly observeDatadog?: HttpObserver;
}

/**
 * In organization mode the tool reads as the function does, with the caller's own credentials:
 * the management account (or its role) and each member through the member role, which a
 * workstation may assume only where the role trusts it; other accounts are reported as failed.
 */
export function runCollection(input: CollectionInput): Promise<RunResult> {
  const organization =
    input.config.accounts === 'organization'
      ? { partition: partitionOf(input.callerArn), sessions: new RoleSessions(input.aws.sts()), clients: input.aws.accounts }
      : undefined;
  return collect({
    config: input.config,
    accountId: input.accountId,
    ...(organization === undefined ? {} : { organization }),
    clients: input.aws.pool,
    apiKey: input.apiKey,
    log: input.log,
    deadline: Date.now() + RUN_TIMEOUT_MS,
    dryRun: input.dryRun,
    ...(input.trigger === undefined ? {} : { trigger: input.trigger }),
    ...(input.observeDatadog === undefined ? {} : { observeDatadog: input.observeDatadog }),
    nameSetting: settingAsFlag,
  });
}

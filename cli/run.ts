/**
 * One collection from the command line: the collector's own `collect`, with the tool's clients,
 * key source and logger. `collect` and `estimate` both go through here, so what they show is
 * what the function does.
 */
import { collect, type RunResult } from '../lambda/collect';
import type { Config } from '../lambda/config';
import { DEPLOYMENT_DEFAULTS } from '../lambda/deployment';
import type { HttpObserver } from '../lambda/datadog/http';
import type { ApiKeySource } from '../lambda/datadog/submit';
import type { Logger } from '../lambda/log';
import type { AwsClientFactory } from './aws';
import { settingAsFlag } from './settings';

/** The function's timeout: the same bound on sending. */
export const RUN_TIMEOUT_MS = DEPLOYMENT_DEFAULTS.timeoutSeconds * 1000;

export interface CollectionInput {
  readonly config: Config;
  readonly accountId: string;
  readonly aws: AwsClientFactory;
  readonly apiKey: ApiKeySource;
  readonly log: Logger;
  readonly dryRun: boolean;
  /** Told of each Datadog request (`--verbose`). */
  readonly observeDatadog?: HttpObserver;
}

export function runCollection(input: CollectionInput): Promise<RunResult> {
  return collect({
    config: input.config,
    accountId: input.accountId,
    clients: input.aws.pool,
    apiKey: input.apiKey,
    log: input.log,
    deadline: Date.now() + RUN_TIMEOUT_MS,
    dryRun: input.dryRun,
    ...(input.observeDatadog === undefined ? {} : { observeDatadog: input.observeDatadog }),
    nameSetting: settingAsFlag,
  });
}

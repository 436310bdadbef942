/**
 * The Lambda entry point. Thin on purpose: configuration and clients are made once per
 * execution environment, each invocation runs one collection, logs its summary, and throws
 * when the run had errors so that Lambda's Errors metric and the stack's alarm see it.
 */
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretApiKey } from './api-key';
import { AccountClients } from './accounts/clients';
import { checkAccounts } from './accounts/check';
import { isCheckEvent, type CheckAnswer } from './check-event';
import { accountTimeoutMs } from './accounts/read';
import { partitionOf, RoleSessions, STS_CLIENTS } from './accounts/credentials';
import type { OrganizationAccess } from './accounts/access';
import { AwsClientPool } from './aws-clients';
import { collect, type RunSummary } from './collect';
import { loadConfig, type Config } from './config';
import { ActionableError, CollectionError, describeError } from './errors';
import { createLogger, type Logger } from './log';
import { settingForStack } from './settings';
import { triggerOf, type Trigger } from './trigger';

/** The part of Lambda's context object the collector uses. */
export interface InvocationContext {
  readonly invokedFunctionArn: string;
  getRemainingTimeInMillis(): number;
}

/** Kept free at the end of the invocation for logging the summary after the last retry. */
const SUMMARY_RESERVE_MS = 1_500;

/** AWS SDK retries: throttled billing APIs get a few more tries than the default three. */
const AWS_MAX_ATTEMPTS = 5;

interface Environment {
  readonly config: Config;
  readonly log: Logger;
  readonly clients: AwsClientPool;
  readonly apiKey: SecretApiKey;
  /** Organization mode's roles and clients; its credentials cache lives as long as the environment. */
  readonly organization?: Omit<OrganizationAccess, 'partition'>;
}

let environment: Environment | undefined;

/** Built on first use rather than at import, so a configuration error is reported by the invocation. */
function setUp(): Environment {
  if (environment !== undefined) return environment;
  const config = loadConfig(process.env);
  const clients = new AwsClientPool({ maxAttempts: AWS_MAX_ATTEMPTS });
  environment = {
    config,
    log: createLogger(config.logLevel),
    clients,
    ...(config.accounts === 'organization' && {
      organization: {
        sessions: new RoleSessions(clients.clientsFor(STS_CLIENTS).sts),
        clients: new AccountClients({ maxAttempts: AWS_MAX_ATTEMPTS }),
      },
    }),
    apiKey: new SecretApiKey(new SecretsManagerClient({ region: config.apiKeySecretRegion, maxAttempts: AWS_MAX_ATTEMPTS }), {
      secretArn: config.apiKeySecretArn,
      secretRegion: config.apiKeySecretRegion,
      maxAgeMs: config.apiKeyMaxAgeMs,
    }),
  };
  return environment;
}

/** The account id is the fifth field of the function's ARN: no STS call needed. */
export function accountIdFromArn(functionArn: string): string {
  const accountId = functionArn.split(':')[4] ?? '';
  if (!/^\d{12}$/.test(accountId)) {
    throw new Error(`Cannot read the account id from the function ARN "${functionArn}"`);
  }
  return accountId;
}

/**
 * A run, or with the check event (`accounts/check.ts`) each account's check in organization mode.
 */
export async function handler(event: unknown, context: InvocationContext): Promise<RunSummary | CheckAnswer> {
  let env: Environment;
  try {
    env = setUp();
  } catch (error) {
    createLogger('ERROR').error('The collector is misconfigured', { error: describeError(error) });
    throw error;
  }
  let trigger: Trigger;
  try {
    trigger = triggerOf(event);
  } catch (error) {
    env.log.error('The invocation was refused', { error: describeError(error) });
    throw error;
  }
  const organization =
    env.organization === undefined ? undefined : { ...env.organization, partition: partitionOf(context.invokedFunctionArn) };
  const deadline = Date.now() + context.getRemainingTimeInMillis() - SUMMARY_RESERVE_MS;
  if (isCheckEvent(event)) {
    if (organization === undefined) {
      throw new ActionableError('The check event checks each account of an organization, and this function reads its own account only.', {
        fix: `Set ${settingForStack('accounts', 'organization')} to use it.`,
      });
    }
    const awsMs = Math.max(0, deadline - Date.now());
    return checkAccounts({
      config: env.config,
      ownAccountId: accountIdFromArn(context.invokedFunctionArn),
      ownClients: env.clients,
      access: organization,
      signal: AbortSignal.timeout(awsMs),
      accountTimeoutMs: accountTimeoutMs(awsMs),
    });
  }
  const { summary } = await collect({
    trigger,
    config: env.config,
    accountId: accountIdFromArn(context.invokedFunctionArn),
    ...(organization === undefined ? {} : { organization }),
    clients: env.clients,
    apiKey: env.apiKey,
    log: env.log,
    deadline,
  });
  const level = summary.errors.length === 0 ? 'info' : 'error';
  env.log[level]('run summary', { ...summary });
  if (summary.errors.length > 0) throw new CollectionError(summary.errors);
  return summary;
}

/**
 * API key sources for the tool: the collector's own `SecretApiKey` for a secret, or the
 * `DD_API_KEY` environment variable as Datadog's command-line tools accept it. There is no
 * `--api-key` flag on purpose: a key on a command line lands in the shell history and the
 * process list.
 */
import { apiKeyFormatProblem, SecretApiKey } from '../lambda/api-key';
import type { ApiKeySource } from '../lambda/datadog/submit';
import { ApiKeyError } from '../lambda/errors';
import type { AwsClientFactory } from './aws';
import { CLI_ENV, type KeySetting } from './settings';

/**
 * Checks a key given in the environment.
 * @throws ApiKeyError naming the variable and what is wrong, never the value.
 */
export function checkEnvironmentKey(variable: string, value: string): string {
  const key = value.trim();
  const problem = apiKeyFormatProblem(key, variable);
  if (problem !== undefined) throw new ApiKeyError(`${variable} does not hold a Datadog API key: ${problem}`);
  return key;
}

/** A key given directly; nothing to re-read when Datadog refuses it. */
export function environmentApiKey(variable: string, value: string): ApiKeySource {
  const key = checkEnvironmentKey(variable, value);
  // A closure rather than a field: the key cannot show up when the object is logged or inspected.
  return {
    origin: `the ${variable} environment variable`,
    reads: 0,
    get: () => Promise.resolve(key),
  };
}

/** For a dry run: the collector never asks for the key then. */
export const NO_API_KEY: ApiKeySource = {
  origin: 'no API key',
  reads: 0,
  get: () => Promise.reject(new ApiKeyError(noKeyMessage())),
};

export function noKeyMessage(): string {
  return (
    `No Datadog API key: give --api-key-secret-arn <arn> (or ${CLI_ENV.apiKeySecretArn}), ` + `or set ${CLI_ENV.apiKey} in the environment`
  );
}

/**
 * The key source for a setting, with the collector's cache age.
 * @throws ApiKeyError when a key given in the environment is malformed.
 */
export function apiKeySource(setting: KeySetting, aws: AwsClientFactory, maxAgeMs: number): ApiKeySource {
  switch (setting.kind) {
    case 'secret':
      return new SecretApiKey(aws.secretsManager(setting.secretRegion), {
        secretArn: setting.secretArn,
        secretRegion: setting.secretRegion,
        maxAgeMs,
      });
    case 'environment':
      return environmentApiKey(setting.variable, setting.value);
    case 'none':
      return NO_API_KEY;
  }
}

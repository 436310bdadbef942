/**
 * `check`: each prerequisite of a working deployment in turn, with what is wrong and how to fix
 * it. The checks ask AWS and Datadog the same questions the function's run depends on, one at a
 * time, so that a failure points at one cause.
 */
import { SecretApiKey } from '../../lambda/api-key';
import { BILLING_REGION } from '../../lambda/billing-facts';
import { SOURCES } from '../../lambda/sources';
import { DEFAULTS } from '../../lambda/settings';
import { grantResource, type Source } from '../../lambda/sources/source';
import { datadogRequest, noAnswerReason, type DatadogAnswer, type HttpObserver } from '../../lambda/datadog/http';
import { ActionableError, ApiKeyError, DatadogSubmitError, datadogUnreachableFix, describeError, textOf } from '../../lambda/errors';
import { isAccessDenied } from '../../lambda/sources/aws-errors';
import { checkEnvironmentKey, noKeyMessage } from '../api-key';
import { AwsClientFactory, awsErrorText, awsFailureFix, callerIdentity, credentialsFix, type CallerIdentity } from '../aws';
import { EXIT, RunError, type ExitCode } from '../errors';
import { plural } from '../format';
import { Progress, stderrLogger, type Io } from '../io';
import { awsCallLine, DATADOG_ORIGIN_FLAGS, datadogRequestLine } from '../network';
import { CLI_ENV, resolveSettings, settingAsFlag, type CollectorFlags, type DatadogFlags, type KeySetting } from '../settings';

export interface CheckOptions {
  readonly json: boolean;
  readonly profile?: string;
  readonly collector: CollectorFlags;
  readonly datadog: DatadogFlags;
}

export type CheckStatus = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  readonly id: string;
  readonly title: string;
  readonly status: CheckStatus;
  /** What was found. */
  readonly detail: string;
  /** What to do about a failure. */
  readonly fix?: string;
}

export interface CheckReport {
  readonly ok: boolean;
  readonly accountId?: string;
  readonly apiOrigin: string;
  readonly checks: readonly CheckResult[];
}

/** Longest wait for Datadog's answer. */
const VALIDATE_TIMEOUT_MS = 10_000;
const VALIDATE_PATH = '/api/v1/validate';

const MARK: Readonly<Record<CheckStatus, string>> = { pass: '✓', fail: '✗', skip: '-' };

export async function runCheck(options: CheckOptions, io: Io): Promise<ExitCode> {
  const settings = resolveSettings(options.collector, options.datadog, io.env);
  const { config } = settings;
  const progress = new Progress(io);
  // Information lines (each AWS call and Datadog request) are shown with --verbose only.
  const log = stderrLogger(io, config.logLevel, options.json, progress);
  const aws = new AwsClientFactory({ profile: options.profile, observe: (call) => log.info(awsCallLine(call)) });
  const checks: CheckResult[] = [];
  const record = (result: CheckResult): void => {
    checks.push(result);
    progress.clear();
    if (!options.json) io.out(checkText(result));
  };

  let identity: CallerIdentity | undefined;
  try {
    progress.step('Checking AWS credentials');
    try {
      identity = await callerIdentity(aws, options.profile);
      record(pass('aws-credentials', 'AWS credentials', `account ${identity.accountId} (${identity.arn})`));
    } catch (error) {
      const run = error instanceof RunError ? error : undefined;
      record(fail('aws-credentials', 'AWS credentials', run?.problem ?? describeError(error), run?.fix ?? credentialsFix(options.profile)));
    }

    for (const source of SOURCES) {
      progress.step(`Checking ${source.title}`);
      if (!config[source.setting]) {
        // A source on by default was left out by its flag; one off by default (billed per request) is turned on by its flag.
        const why = DEFAULTS[source.setting]
          ? `left out with ${settingAsFlag(source.setting, 'false')}`
          : `off unless asked for, with ${settingAsFlag(source.setting, 'true')}`;
        record(skip(source.id, source.title, why));
      } else if (identity === undefined) {
        record(skip(source.id, source.title, 'needs AWS credentials'));
      } else {
        record(await checkSource(source, aws, identity, options.profile));
      }
    }

    progress.step('Checking the Datadog API key');
    const key = await checkApiKey(settings.key, aws, identity, config.apiKeyMaxAgeMs, options.profile);
    record(key.result);

    progress.step(`Asking Datadog (${config.apiOrigin}) to validate the key`);
    for (const result of await checkDatadog(config.apiOrigin, key.value, (exchange) => log.info(datadogRequestLine(exchange)))) {
      record(result);
    }
  } finally {
    progress.clear();
    aws.destroy();
  }

  const report: CheckReport = {
    ok: checks.every((check) => check.status !== 'fail'),
    ...(identity === undefined ? {} : { accountId: identity.accountId }),
    apiOrigin: config.apiOrigin,
    checks,
  };
  if (options.json) io.out(`${JSON.stringify(report, null, 2)}\n`);
  else io.out(`\n${verdict(checks)}\n`);
  return report.ok ? EXIT.ok : EXIT.failure;
}

/** The partition of the caller's ARN (`aws`, `aws-cn`, `aws-us-gov`), `aws` when it has none. */
function partitionOf(arn: string): string {
  return /^arn:([a-z-]+):/.exec(arn)?.[1] ?? 'aws';
}

/** A source's own probe; a failed call names the IAM action the source declares for that client's calls. */
async function checkSource(
  source: Source,
  aws: AwsClientFactory,
  identity: CallerIdentity,
  profile: string | undefined,
): Promise<CheckResult> {
  try {
    const probe = await source.probe(aws.pool.clientsFor(source), identity.accountId);
    if (probe.ok) return pass(source.id, source.title, probe.detail);
    return fail(source.id, source.title, probe.detail, probe.fix === undefined ? '' : textOf(probe.fix, settingAsFlag));
  } catch (thrown) {
    // A probe may explain its call's failure as the function words it (`callNeeding`): the tool
    // says it for the caller's own credentials, from the SDK's error under it.
    const error = thrown instanceof ActionableError && thrown.cause !== undefined ? thrown.cause : thrown;
    const grants = source.iam.map((grant) => ({
      actions: grant.actions.join(', '),
      resource: grantResource(grant.resource, { partition: partitionOf(identity.arn), account: identity.accountId }),
    }));
    const permissions = grants.map((grant) => `${grant.actions} on ${grant.resource}`).join(' and ');
    return fail(source.id, source.title, awsErrorText(error), awsFix(error, permissions, identity, profile));
  }
}

const KEY_TITLE = 'Datadog API key';

/** The key, when one is given and well-formed, and the check's result. */
async function checkApiKey(
  setting: KeySetting,
  aws: AwsClientFactory,
  identity: CallerIdentity | undefined,
  maxAgeMs: number,
  profile: string | undefined,
): Promise<{ result: CheckResult; value?: string }> {
  switch (setting.kind) {
    case 'none':
      return {
        result: fail('api-key', KEY_TITLE, 'no key given', `${noKeyMessage()}.`),
      };
    case 'environment':
      try {
        const value = checkEnvironmentKey(setting.variable, setting.value);
        return { result: pass('api-key', KEY_TITLE, `${setting.variable} holds a well-formed API key`), value };
      } catch (error) {
        return {
          result: fail(
            'api-key',
            KEY_TITLE,
            error instanceof Error ? error.message : String(error),
            `Set ${setting.variable} to an API key of your Datadog organization (Organization settings > API keys), or use --api-key-secret-arn.`,
          ),
        };
      }
    case 'secret': {
      if (identity === undefined) return { result: skip('api-key', KEY_TITLE, `the secret ${setting.secretArn}: needs AWS credentials`) };
      const source = new SecretApiKey(aws.secretsManager(setting.secretRegion), { ...setting, maxAgeMs });
      try {
        const value = await source.get();
        return { result: pass('api-key', KEY_TITLE, `the secret ${setting.secretArn} holds a well-formed API key`), value };
      } catch (error) {
        const { detail, fix } = secretProblem(error, setting, identity, profile);
        return { result: fail('api-key', KEY_TITLE, detail, fix) };
      }
    }
  }
}

/** The collector's message, with its "put the key" command moved to the fix line when it has one. */
function secretProblem(
  error: unknown,
  setting: Extract<KeySetting, { kind: 'secret' }>,
  identity: CallerIdentity,
  profile: string | undefined,
): { detail: string; fix: string } {
  const message =
    error instanceof ActionableError ? error.namingSettings(settingAsFlag).problem : error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error ? error.cause : undefined;
  const name = cause instanceof Error ? cause.name : '';
  if (name === 'ResourceNotFoundException') {
    return {
      detail: message,
      fix:
        `Check --api-key-secret-arn (or ${CLI_ENV.apiKeySecretArn}): the secret must exist in ${setting.secretRegion}, ` +
        `the region of its ARN, and be readable from account ${identity.accountId}.`,
    };
  }
  if (cause !== undefined && isAccessDenied(cause)) {
    return {
      detail: message,
      fix: `Grant ${identity.arn} secretsmanager:GetSecretValue on ${setting.secretArn} (and kms:Decrypt on its key if it uses a customer-managed KMS key).`,
    };
  }
  if (cause === undefined) {
    // The secret was read but does not hold a usable key (placeholder, empty, wrong format).
    const keyError = error instanceof ApiKeyError ? error.namingSettings(settingAsFlag) : undefined;
    return {
      detail: keyError?.problem ?? message,
      fix: `Use a Datadog API key (32 hexadecimal characters; Organization settings > API keys).${keyError?.fix === undefined ? '' : ` ${keyError.fix}`}`,
    };
  }
  return {
    detail: message,
    fix: awsFailureFix(cause, profile) ?? `Check that this machine reaches Secrets Manager in ${setting.secretRegion}.`,
  };
}

const SITE_TITLE = 'Datadog API reachable';
const ACCEPTED_TITLE = 'API key accepted by Datadog';

/** One `GET /api/v1/validate` answers both: the site is reachable, and the key is valid there. */
async function checkDatadog(origin: string, key: string | undefined, observe: HttpObserver): Promise<CheckResult[]> {
  const url = `${origin}${VALIDATE_PATH}`;
  const notChecked = skip('api-key-accepted', ACCEPTED_TITLE, 'needs the Datadog API reachable');
  let response: DatadogAnswer;
  try {
    response = await datadogRequest({
      method: 'GET',
      origin,
      path: VALIDATE_PATH,
      ...(key === undefined ? {} : { apiKey: key }),
      timeoutMs: VALIDATE_TIMEOUT_MS,
      originSettings: DATADOG_ORIGIN_FLAGS,
      observe,
    });
  } catch (error) {
    // A redirect: the address answered, but not as Datadog's API does, and the key was not sent on.
    if (error instanceof DatadogSubmitError) return [fail('datadog-site', SITE_TITLE, error.problem, error.fix ?? ''), notChecked];
    return [
      fail(
        'datadog-site',
        SITE_TITLE,
        `no answer from ${origin}: ${noAnswerReason(error, VALIDATE_TIMEOUT_MS)}`,
        textOf(datadogUnreachableFix(origin), settingAsFlag),
      ),
      notChecked,
    ];
  }
  const body = response.text;
  const reachable = pass('datadog-site', SITE_TITLE, `${origin} answered HTTP ${response.status}`);
  if (key === undefined) return [reachable, skip('api-key-accepted', ACCEPTED_TITLE, 'needs a well-formed API key')];
  if (response.status === 200 && isValid(body)) {
    return [reachable, pass('api-key-accepted', ACCEPTED_TITLE, `Datadog accepted the key at ${origin}`)];
  }
  if (response.status === 403 || response.status === 200) {
    return [
      reachable,
      fail(
        'api-key-accepted',
        ACCEPTED_TITLE,
        `Datadog refused the key at ${origin} (HTTP ${response.status})`,
        'Use an API key (not an application key) of your Datadog organization. A key works only on its own site: ' +
          `check --site (${CLI_ENV.site}); the site is the host of your Datadog URL, such as datadoghq.eu or us5.datadoghq.com.`,
      ),
    ];
  }
  return [
    reachable,
    fail(
      'api-key-accepted',
      ACCEPTED_TITLE,
      `unexpected answer HTTP ${response.status} from ${url}`,
      `Check --api-url (${CLI_ENV.apiUrl}): it must be the origin of the Datadog API, or of a proxy that forwards to it.`,
    ),
  ];
}

function isValid(body: string): boolean {
  try {
    return (JSON.parse(body) as { valid?: unknown }).valid === true;
  } catch {
    return false;
  }
}

function awsFix(error: unknown, permissions: string, identity: CallerIdentity, profile: string | undefined): string {
  if (isAccessDenied(error)) return `Grant ${identity.arn} the IAM permission ${permissions}.`;
  return awsFailureFix(error, profile) ?? `Check that this machine reaches AWS in ${BILLING_REGION} (network, proxy, AWS_ENDPOINT_URL).`;
}

function pass(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: 'pass', detail };
}

function fail(id: string, title: string, detail: string, fix: string): CheckResult {
  return { id, title, status: 'fail', detail, fix };
}

function skip(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: 'skip', detail: `skipped: ${detail}` };
}

export function checkText(result: CheckResult): string {
  const head = `${MARK[result.status]} ${result.title}: ${result.detail}\n`;
  return result.fix === undefined ? head : `${head}    fix: ${result.fix}\n`;
}

function verdict(checks: readonly CheckResult[]): string {
  const failed = checks.filter((check) => check.status === 'fail').length;
  const skipped = checks.filter((check) => check.status === 'skip').length;
  const passed = checks.length - failed - skipped;
  const tally = `${passed} passed, ${failed} failed, ${skipped} skipped`;
  return failed === 0 ? `All checks passed (${tally}).` : `${plural(failed, 'check')} failed (${tally}).`;
}

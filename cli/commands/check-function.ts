/**
 * `check --function <name>`: the organization's accounts as the deployed function sees them. The
 * member roles trust only the collector's role, so this machine cannot try them itself: it
 * invokes the function with the check event and prints its answer, one row per account, ok or
 * the failure with its fix.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CHECK_EVENT, type AccountCheck, type CheckAnswer } from '../../lambda/check-event';
import { shownValue } from '../../lambda/secret-shape';
import { isAccessDenied } from '../../lambda/sources/aws-errors';
import { awsErrorText, awsFailureFix, credentialsFix } from '../aws';
import { EXIT, RunError, type ExitCode } from '../errors';
import { plural, table } from '../format';
import type { Io } from '../io';

export interface FunctionCheckOptions {
  /** The function's name or ARN: the stack's `FunctionName` output. */
  readonly functionName: string;
  readonly json: boolean;
  readonly profile?: string;
}

/**
 * The function reads every account within its own timeout (at most Lambda's 15 minutes): wait
 * that long, and never send the check twice.
 */
const INVOKE_TIMEOUT_MS = 15 * 60 * 1000 + 30_000;

export async function runFunctionCheck(options: FunctionCheckOptions, io: Io): Promise<ExitCode> {
  const name = shownValue(options.functionName);
  const answer = await invoke(options);
  const { accounts } = answer;
  const failed = accounts.filter((account) => !account.ok);
  if (options.json) {
    io.out(`${JSON.stringify({ ok: failed.length === 0, function: options.functionName, accounts }, null, 2)}\n`);
  } else {
    io.out(`The function ${name} tried ${plural(accounts.length, 'account')}:\n\n`);
    io.out(table(['ACCOUNT', 'NAME', 'RESULT'], accounts.map(row)));
    for (const account of failed) {
      io.out(`\n${account.id} (${account.name}): ${account.problem ?? 'not readable'}\n`);
      if (account.fix !== undefined) io.out(`  fix: ${account.fix}\n`);
    }
    io.out(`\n${accounts.length - failed.length} ok, ${failed.length} failed.\n`);
  }
  return failed.length === 0 ? EXIT.ok : EXIT.failure;
}

function row(account: AccountCheck): string[] {
  return [account.id, account.name, account.ok ? '✓ ok' : '✗ failed'];
}

/** The function's answer to the check event. @throws RunError saying what to do when there is none. */
async function invoke(options: FunctionCheckOptions): Promise<CheckAnswer> {
  const name = shownValue(options.functionName);
  const client = new LambdaClient({
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 5_000, requestTimeout: INVOKE_TIMEOUT_MS, throwOnRequestTimeout: true },
  });
  let payload: string;
  let functionError: string | undefined;
  try {
    const response = await client.send(
      new InvokeCommand({ FunctionName: options.functionName, Payload: new TextEncoder().encode(JSON.stringify(CHECK_EVENT)) }),
    );
    payload = new TextDecoder().decode(response.Payload ?? new Uint8Array());
    functionError = response.FunctionError;
  } catch (error) {
    throw new RunError(`Cannot invoke the function ${name}: ${awsErrorText(error)}`, {
      fix: invokeFix(error, options.profile),
      cause: error,
    });
  } finally {
    client.destroy();
  }
  if (functionError !== undefined) {
    const thrown = parse(payload) as { errorType?: unknown; errorMessage?: unknown } | undefined;
    const message = typeof thrown?.errorMessage === 'string' ? thrown.errorMessage : payload;
    throw new RunError(`The function ${name} failed the check: ${message}`, {
      fix: "Its log group has the error and its fix (the stack's LogsTailCommand output shows it); the check needs the account list, so a function that cannot list the accounts fails it whole.",
    });
  }
  const answer = checkAnswer(parse(payload));
  if (answer === undefined) {
    throw new RunError(`The function ${name} answered without a table of accounts`, {
      fix: 'Give the collector of organization mode: deployed with -c accounts=organization, at a version that answers the check event (docs/organizations.md).',
    });
  }
  return answer;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** The answer, if it has the shape of one. */
function checkAnswer(value: unknown): CheckAnswer | undefined {
  const accounts = (value as { accounts?: unknown } | undefined)?.accounts;
  if (!Array.isArray(accounts)) return undefined;
  const rows = accounts.filter(
    (item): item is AccountCheck =>
      typeof item === 'object' &&
      item !== null &&
      typeof (item as AccountCheck).id === 'string' &&
      typeof (item as AccountCheck).name === 'string' &&
      typeof (item as AccountCheck).ok === 'boolean',
  );
  return rows.length === accounts.length ? { accounts: rows } : undefined;
}

/** What to do when the invocation itself failed. */
function invokeFix(error: unknown, profile: string | undefined): string {
  if ((error as { name?: unknown } | undefined)?.name === 'ResourceNotFoundException') {
    return (
      "Give the function's name from the collector stack's FunctionName output, with credentials and a region " +
      '(AWS_REGION, or the region of --profile) of the account and region it is deployed in.'
    );
  }
  if (isAccessDenied(error)) return 'Allow lambda:InvokeFunction on the collector function to the credentials you use.';
  return awsFailureFix(error, profile) ?? credentialsFix(profile);
}

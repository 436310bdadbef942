/**
 * `check --function`: the real Lambda client invokes a function served on loopback the way
 * Lambda's Invoke API answers (REST JSON: the payload as the body, `X-Amz-Function-Error` when the
 * function threw, `x-amzn-ErrorType` when the call itself failed), and the tool prints the
 * function's account table with the exit code of `check`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CHECK_EVENT, type CheckAnswer } from '../../lambda/check-event';
import { runInProcess } from './in-process';

const FUNCTION = 'AwsBillingToDatadog-BillingCollectorFunction-AbC123';

interface Invocation {
  readonly path: string;
  readonly body: string;
}

/** What the fake function answers next: a status, headers and a body. */
let answer: { status: number; headers?: Record<string, string>; body: string };
let invocations: Invocation[] = [];
let server: Server;
const savedEnv: Record<string, string | undefined> = {};

/** The SDK reads its endpoint, region and credentials from the process's environment. */
const AWS_ENV = {
  AWS_ENDPOINT_URL_LAMBDA: '',
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'test-secret-not-a-real-one',
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
  AWS_EC2_METADATA_DISABLED: 'true',
};

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      invocations.push({ path: request.url ?? '', body: Buffer.concat(chunks).toString('utf8') });
      response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
      response.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  for (const [key, value] of Object.entries({ ...AWS_ENV, AWS_ENDPOINT_URL_LAMBDA: `http://127.0.0.1:${port}` })) {
    savedEnv[key] = process.env[key];
    process.env[key] = value;
  }
});

afterAll(async () => {
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  invocations = [];
});

const ANSWER: CheckAnswer = {
  accounts: [
    { id: '111111111111', name: 'management', ok: true },
    { id: '222222222222', name: 'équipe-paris', ok: true },
    {
      id: '333333333333',
      name: 'sandbox',
      ok: false,
      problem: 'AWS denied sts:AssumeRole',
      fix: "Deploy the member role aws-billing-to-datadog-reader to the account's organizational unit with the StackSet (docs/organizations.md).",
    },
  ],
};

const check = (...flags: string[]) => runInProcess(['check', '--function', FUNCTION, ...flags]);

describe('check --function', () => {
  it('invokes the function once with the check event and prints each account, the failure with its fix; exit 1', async () => {
    answer = { status: 200, body: JSON.stringify(ANSWER) };
    const run = await check();
    expect(invocations).toEqual([{ path: `/2015-03-31/functions/${FUNCTION}/invocations`, body: JSON.stringify(CHECK_EVENT) }]);
    expect(run.out).toMatch(/111111111111 +management +✓ ok/);
    expect(run.out).toMatch(/222222222222 +équipe-paris +✓ ok/);
    expect(run.out).toMatch(/333333333333 +sandbox +✗ failed/);
    expect(run.out).toContain(
      '333333333333 (sandbox): AWS denied sts:AssumeRole\n  fix: Deploy the member role aws-billing-to-datadog-reader',
    );
    expect(run.out).toContain('2 ok, 1 failed.');
    expect(run.code).toBe(1);
  });

  it('exits 0 when every account is readable, and --json gives the table as one document', async () => {
    const readable: CheckAnswer = { accounts: ANSWER.accounts.filter((account) => account.ok) };
    answer = { status: 200, body: JSON.stringify(readable) };
    const run = await check('--json');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.out)).toEqual({ ok: true, function: FUNCTION, accounts: readable.accounts });
  });

  it('reports a function that threw, with its message, as a failure of the check', async () => {
    answer = {
      status: 200,
      headers: { 'X-Amz-Function-Error': 'Unhandled' },
      body: JSON.stringify({ errorType: 'AccessDeniedError', errorMessage: 'AWS denied organizations:ListAccounts' }),
    };
    const run = await check();
    expect(run.code).toBe(1);
    expect(run.err).toContain(`error: The function "${FUNCTION}" failed the check: AWS denied organizations:ListAccounts`);
    expect(run.err).toContain('fix: Its log group has the error and its fix');
  });

  it('says a function that answers without an account table is not a collector of organization mode', async () => {
    answer = { status: 200, body: JSON.stringify({ status: 'success', seriesSent: 12 }) };
    const run = await check();
    expect(run.code).toBe(1);
    expect(run.err).toContain('answered without a table of accounts');
    expect(run.err).toContain('-c accounts=organization');
  });

  it("names the stack's FunctionName output when no such function exists", async () => {
    answer = {
      status: 404,
      headers: { 'x-amzn-ErrorType': 'ResourceNotFoundException' },
      body: JSON.stringify({ Type: 'User', Message: `Function not found: arn:aws:lambda:eu-west-1:123456789012:function:${FUNCTION}` }),
    };
    const run = await check();
    expect(run.code).toBe(1);
    expect(run.err).toContain(`error: Cannot invoke the function "${FUNCTION}"`);
    expect(run.err).toContain("fix: Give the function's name from the collector stack's FunctionName output");
  });
});

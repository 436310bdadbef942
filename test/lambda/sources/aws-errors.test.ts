/**
 * The one classifier of AWS failures, on real SDK errors: a real client pointed at a closed
 * loopback port, at a `.invalid` host, at a loopback server that never answers, with no
 * credentials in an empty environment, and at the fake AWS answering an expired token or an
 * access denial. The function's errors, its key read and the tool's fixes all take its word.
 */
import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { awsFailureFix } from '../../../cli/aws';
import { startFakeAws, type FakeAws } from '../../../fakes/aws/server';
import { SecretApiKey } from '../../../lambda/api-key';
import { AccessDeniedError, ApiKeyError, AwsCredentialsError, AwsUnreachableError } from '../../../lambda/errors';
import { awsFailure, callNeeding, unreachableAt } from '../../../lambda/sources/aws-errors';
import { closedPort } from '../../cli/run-cli';

const ACCOUNT = '123456789012';
const SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:datadog/api-key-AbCdEf';
const DUMMY = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/** One DescribeBudgets call with a real client, one attempt, and the error it ends in. */
async function budgetsError(config: ConstructorParameters<typeof BudgetsClient>[0]): Promise<unknown> {
  const client = new BudgetsClient({ region: 'us-east-1', maxAttempts: 1, ...config });
  try {
    await client.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT }));
  } catch (error) {
    return error;
  } finally {
    client.destroy();
  }
  throw new Error('the call succeeded');
}

describe('awsFailure, on real SDK errors', () => {
  let fake: FakeAws;
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    fake = await startFakeAws({ budgets: [] });
    // Accepts connections and never answers: the SDK's request time-out fires.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    silentPort = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    await fake.close();
    silent.close();
  });
  afterEach(() => fake.clearFailures());

  it('a closed loopback port (ECONNREFUSED) is AWS not reachable, at that address and port', async () => {
    const port = await closedPort();
    const error = await budgetsError({ endpoint: `http://127.0.0.1:${port}`, credentials: DUMMY });
    expect(awsFailure(error)).toBe('unreachable');
    expect(unreachableAt(error)).toEqual({ where: `127.0.0.1:${port}`, reason: 'ECONNREFUSED' });
  });

  it('a host whose name does not resolve (ENOTFOUND) is AWS not reachable, at that host, and fails fast offline', async () => {
    const started = Date.now();
    const error = await budgetsError({ endpoint: 'https://budgets.example.invalid', credentials: DUMMY });
    expect(awsFailure(error)).toBe('unreachable');
    expect(unreachableAt(error)).toEqual({ where: 'budgets.example.invalid', reason: 'ENOTFOUND' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an endpoint that never answers (the SDK’s time-out) is AWS not reachable', async () => {
    const error = await budgetsError({
      endpoint: `http://127.0.0.1:${silentPort}`,
      credentials: DUMMY,
      // `requestTimeout` only logs a warning in this SDK version; the socket's idle time-out throws.
      requestHandler: { socketTimeout: 200 },
    });
    expect(awsFailure(error)).toBe('unreachable');
    expect(unreachableAt(error)).toEqual({ where: 'the AWS endpoint', reason: 'no answer in time' });
  });

  describe('with no credentials anywhere in the environment', () => {
    const saved = { ...process.env };
    beforeEach(() => {
      for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
      Object.assign(process.env, {
        AWS_CONFIG_FILE: '/nonexistent/aws-config',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
        AWS_EC2_METADATA_DISABLED: 'true',
      });
    });
    afterEach(() => {
      for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
      Object.assign(process.env, saved);
    });

    it('the credential chain finding nothing (CredentialsProviderError) is no credentials', async () => {
      const error = await budgetsError({ endpoint: fake.endpoint });
      expect(error).toMatchObject({ name: 'CredentialsProviderError' });
      expect(awsFailure(error)).toBe('noCredentials');
      expect(awsFailureFix(error, 'team')).toMatch(/^Give the tool AWS credentials: .*aws sso login.* for the profile "team"/);
    });
  });

  it.each(['ExpiredTokenException', 'ExpiredToken', 'RequestExpired'])('AWS answering %s is expired credentials', async (type) => {
    fake.failOperation('DescribeBudgets', { type, status: 403 });
    const error = await budgetsError({ endpoint: fake.endpoint, credentials: DUMMY });
    expect(error).toMatchObject({ name: type });
    expect(awsFailure(error)).toBe('expiredCredentials');
  });

  it('an expired SSO session, as the credential chain reports it, is expired credentials', () => {
    const error = Object.assign(new Error('The SSO session associated with this profile has expired or is otherwise invalid.'), {
      name: 'TokenProviderError',
    });
    expect(awsFailure(error)).toBe('expiredCredentials');
  });

  it('AWS answering AccessDeniedException is access denied; throttling is none of the four', async () => {
    fake.failOperation('DescribeBudgets', { type: 'AccessDeniedException', status: 400 });
    expect(awsFailure(await budgetsError({ endpoint: fake.endpoint, credentials: DUMMY }))).toBe('accessDenied');
    fake.failOperation('DescribeBudgets', { type: 'ThrottlingException', status: 400 });
    expect(awsFailure(await budgetsError({ endpoint: fake.endpoint, credentials: DUMMY }))).toBeUndefined();
  });
});

describe('each failure, explained with its own fix', () => {
  let fake: FakeAws;
  beforeAll(async () => {
    fake = await startFakeAws({ budgets: [] });
  });
  afterAll(() => fake.close());
  afterEach(() => fake.clearFailures());

  const call = (endpoint: string): Promise<unknown> => {
    const client = new BudgetsClient({ region: 'us-east-1', maxAttempts: 1, endpoint, credentials: DUMMY });
    return callNeeding('budgets:ViewBudget', () => client.send(new DescribeBudgetsCommand({ AccountId: ACCOUNT }))).finally(() =>
      client.destroy(),
    );
  };

  it('the function: AWS not reachable names the host and says to check the endpoint, DNS, proxy and VPC path', async () => {
    const port = await closedPort();
    const error = await call(`http://127.0.0.1:${port}`).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AwsUnreachableError);
    expect((error as AwsUnreachableError).problem).toBe(
      `AWS could not be reached for budgets:ViewBudget at 127.0.0.1:${port} (ECONNREFUSED).`,
    );
    expect((error as AwsUnreachableError).fix).toBe(
      `Check the endpoint 127.0.0.1:${port}, DNS and proxy; in a VPC, a NAT gateway or VPC endpoint.`,
    );
    expect((error as AwsUnreachableError).fix).not.toMatch(/credentials/);
  });

  it('the function: expired credentials say so, apart from missing ones', async () => {
    fake.failOperation('DescribeBudgets', { type: 'ExpiredTokenException', status: 403 });
    const error = await call(fake.endpoint).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(AwsCredentialsError);
    expect((error as AwsCredentialsError).problem).toBe('The AWS credentials had expired when calling budgets:ViewBudget.');
  });

  it('the function: access denied keeps its message naming the IAM action', async () => {
    fake.failOperation('DescribeBudgets', { type: 'AccessDeniedException', status: 400 });
    await expect(call(fake.endpoint)).rejects.toBeInstanceOf(AccessDeniedError);
  });

  it('the key read: Secrets Manager not reachable is said as such, with the same fix', async () => {
    const port = await closedPort();
    const client = new SecretsManagerClient({
      region: 'us-east-1',
      maxAttempts: 1,
      endpoint: `http://127.0.0.1:${port}`,
      credentials: DUMMY,
    });
    const key = new SecretApiKey(client, { secretArn: SECRET_ARN, secretRegion: 'us-east-1', maxAgeMs: 60_000 });
    const error = await key.get().catch((thrown: unknown) => thrown);
    client.destroy();
    expect(error).toBeInstanceOf(ApiKeyError);
    expect((error as ApiKeyError).problem).toBe(
      `Could not read the secret ${SECRET_ARN}: AWS could not be reached for secretsmanager:GetSecretValue at 127.0.0.1:${port} (ECONNREFUSED).`,
    );
    expect((error as ApiKeyError).fix).toMatch(/DNS and proxy/);
  });

  it('the tool: AWS not reachable, expired credentials and no credentials each get their own fix', async () => {
    const port = await closedPort();
    const unreachable = await budgetsError({ endpoint: `http://127.0.0.1:${port}`, credentials: DUMMY });
    expect(awsFailureFix(unreachable, undefined)).toBe(
      `Nothing answered at 127.0.0.1:${port} (ECONNREFUSED): check AWS_ENDPOINT_URL if it is set, DNS, your proxy and your network connection to AWS.`,
    );
    fake.failOperation('DescribeBudgets', { type: 'ExpiredTokenException', status: 403 });
    const expired = await budgetsError({ endpoint: fake.endpoint, credentials: DUMMY });
    expect(awsFailureFix(expired, 'team')).toMatch(
      /^Your AWS credentials have expired: refresh them with "aws sso login" for the profile "team"/,
    );
    const denied = Object.assign(new Error('no'), { name: 'AccessDeniedException' });
    expect(awsFailureFix(denied, undefined)).toBeUndefined();
  });
});

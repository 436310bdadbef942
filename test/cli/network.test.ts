/**
 * The tool's side of the network rules, in-process: `datadog apply` against an address that
 * redirects or echoes the keys, and the lines `--verbose` prints for a request and an AWS call.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { awsCallLine, datadogRequestLine } from '../../cli/network';
import { TEST_APP_KEY } from '../../fakes/datadog/api';
import { startIntake, TEST_API_KEY, type Intake } from '../../fakes/datadog/intake';
import { runInProcess as run } from './in-process';

const keys = { DD_API_KEY: TEST_API_KEY, DD_APP_KEY: TEST_APP_KEY };

describe('datadog apply against a hostile or broken address', () => {
  let intake: Intake;

  beforeEach(async () => {
    intake = await startIntake();
  });
  afterEach(async () => {
    await intake.close();
  });

  it('does not follow a redirect with the keys: exit 1, an error naming the origin and the flags to check', async () => {
    intake.respondWith({ kind: 'redirect', status: 308 });
    const { code, out, err } = await run(['datadog', 'apply', '--dry-run', '--api-url', intake.url], keys);

    expect(code).toBe(1);
    expect(out).toBe('');
    expect(err).toContain(`error: ${intake.url} answered GET /api/v1/dashboard with a redirect (HTTP 308), which is not followed`);
    expect(err).toContain('  fix: Check the site (DD_SITE or --site) and the API URL (DD_API_URL or --api-url)');
    expect(intake.requests.map((request) => request.path)).toEqual(['/api/v1/dashboard']);
  });

  it('masks both keys in an answer that echoes them, on the terminal', async () => {
    intake.respondWith({ kind: 'echo', status: 400 });
    const { code, out, err } = await run(['datadog', 'apply', '--dry-run', '--api-url', intake.url], keys);

    expect(code).toBe(1);
    expect(err).toContain('error: GET /api/v1/dashboard answered 400: dd-api-key: [API key]; dd-application-key: [application key];');
    for (const key of [TEST_API_KEY, TEST_APP_KEY]) expect(out + err).not.toContain(key);
  });
});

describe('the lines of --verbose', () => {
  it.each([
    [{ method: 'POST', path: '/api/v2/series', status: 202, durationMs: 48 }, 'Datadog POST /api/v2/series answered 202 in 48 ms'],
    [
      { method: 'GET', path: '/api/v1/validate', failure: 'ECONNREFUSED', durationMs: 3 },
      'Datadog GET /api/v1/validate got no answer (ECONNREFUSED) after 3 ms',
    ],
  ])('a Datadog request: %j', (exchange, line) => {
    expect(datadogRequestLine(exchange)).toBe(line);
  });

  it.each([
    [
      { service: 'Budgets', operation: 'DescribeBudgets', status: 200, durationMs: 35 },
      'AWS Budgets DescribeBudgets answered 200 in 35 ms',
    ],
    [
      { service: 'CloudWatch', operation: 'ListMetrics', status: 400, error: 'AccessDenied', durationMs: 20 },
      'AWS CloudWatch ListMetrics failed with AccessDenied (HTTP 400) after 20 ms',
    ],
    [
      { service: 'STS', operation: 'GetCallerIdentity', error: 'CredentialsProviderError', durationMs: 2 },
      'AWS STS GetCallerIdentity failed with CredentialsProviderError after 2 ms',
    ],
  ])('an AWS call: %j', (call, line) => {
    expect(awsCallLine(call)).toBe(line);
  });
});

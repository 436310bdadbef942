/**
 * The run floor of the benchmark (bench/floor/run.ts) against the fake AWS and the fake intake:
 * it must make exactly the calls the collector's minimum is (which the benchmark shows the
 * collector makes), overlap them as the collector does, and send its one body, or the ratios
 * against it mean nothing.
 */
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBillingSeries, makeBudgets } from '../../bench/dataset';
import { minimumCalls } from '../../bench/minimum';
import { startFakeAws, type FakeAws } from '../../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../../fakes/aws/service';
import { startIntake, type Intake } from '../../fakes/datadog/intake';

const BUDGETS = 1001;
const SERIES = 1001;
const API_KEY = '0123456789abcdef0123456789abcdef';
const SECRET_ARN = `arn:aws:secretsmanager:us-east-1:${FAKE_ACCOUNT_ID}:secret:dd-key-AbCdEf`;
const CONTEXT = { invokedFunctionArn: `arn:aws:lambda:eu-west-1:${FAKE_ACCOUNT_ID}:function:bench` };
const BODY = gzipSync(
  JSON.stringify({
    series: [{ metric: 'aws.billing.estimated_charges', type: 3, points: [{ timestamp: Math.floor(Date.now() / 1000), value: 1 }] }],
  }),
);

let aws: FakeAws;
let intake: Intake;
let dir: string;
let handler: (event: unknown, context: typeof CONTEXT) => Promise<unknown>;

beforeAll(async () => {
  aws = await startFakeAws({
    budgets: makeBudgets(BUDGETS, new Date()),
    billingSeries: makeBillingSeries(SERIES),
    secrets: { [SECRET_ARN]: API_KEY },
    latencyMs: 20,
  });
  intake = await startIntake({ apiKey: API_KEY });
  dir = mkdtempSync(join(tmpdir(), 'run-floor-'));
  writeFileSync(join(dir, 'body.json.gz'), BODY);
  Object.assign(process.env, {
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_EC2_METADATA_DISABLED: 'true',
    DD_API_KEY_SECRET_ARN: SECRET_ARN,
    DD_API_URL: intake.url,
    BENCH_FLOOR_BODY: join(dir, 'body.json.gz'),
  });
  // The floor reads its body when it is loaded, as the benchmark's child requires it.
  ({ handler } = await import('../../bench/floor/run'));
});

afterAll(async () => {
  await aws?.close();
  await intake?.close();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function calls() {
  const operations = aws.take().operations;
  const datadog = intake.take();
  return {
    DescribeBudgets: operations.DescribeBudgets ?? 0,
    DescribeBudgetNotificationsForAccount: operations.DescribeBudgetNotificationsForAccount ?? 0,
    ListMetrics: operations.ListMetrics ?? 0,
    GetMetricData: operations.GetMetricData ?? 0,
    GetSecretValue: operations.GetSecretValue ?? 0,
    Datadog: datadog.requests,
    accepted: datadog.accepted,
    compressedBytes: datadog.compressedBytes,
  };
}

describe('the run floor', () => {
  it("makes the collector's calls of a cold run, overlapped as the collector overlaps them, and posts its body once", async () => {
    aws.take();
    aws.server.takeTimeline();
    await handler({}, CONTEXT);
    const timeline = aws.server.takeTimeline();
    expect(calls()).toEqual({ ...minimumCalls(BUDGETS, SERIES, true, 1), accepted: 1, compressedBytes: BODY.length });
    const of = (operation: string) => timeline.filter((entry) => entry.label.includes(operation));
    // GetMetricData starts while ListMetrics is still paging; the secret is read beside the sources.
    expect(Math.min(...of('GetMetricData').map((entry) => entry.start))).toBeLessThan(
      Math.max(...of('ListMetrics').map((entry) => entry.end)),
    );
    // (Before the budgets are all read: the first requests of four clients share the CPU at a cold start.)
    expect(of('GetSecretValue')[0].start).toBeLessThan(Math.max(...of('DescribeBudgets').map((entry) => entry.end)));
    // The notifications are read beside the budgets, not after them.
    expect(of('DescribeBudgetNotificationsForAccount')[0].start).toBeLessThan(Math.min(...of('DescribeBudgets').map((entry) => entry.end)));
  });

  it('reads no secret when warm, as the collector caches the key', async () => {
    await handler({}, CONTEXT);
    expect(calls()).toEqual({ ...minimumCalls(BUDGETS, SERIES, false, 1), accepted: 1, compressedBytes: BODY.length });
  });
});

/**
 * The floor of the run-time figures: the collector's AWS calls and its one Datadog request, with
 * nothing of the collector's own work. It makes exactly the calls the collector makes, through the
 * same SDK clients (the same options), with the same concurrency (the secret read beside the two
 * sources, and the budgets' notifications beside the budgets; GetMetricData batches of 500 started as soon as 500 series are listed, at most 8 at
 * once, each following its own NextToken), and discards the answers. Then it POSTs one body,
 * precomputed by the benchmark from what the collector sent (`BENCH_FLOOR_BODY`: a gzipped file,
 * read when the bundle is required), to the intake. No collector can do less for the same data.
 *
 * With `BENCH_FLOOR_ENCODE=1` it is the floor of a collector that builds its body: the series of
 * that body are parsed when the bundle is required, and each invocation encodes them, JSON then
 * gzip, before its POST. What the collector spends beyond that floor is its own work on the data.
 *
 * It is bundled like the collector and driven by the same scale child (bench/children/scale-child.ts),
 * with the same heap flags: it exports a `handler`, whose first invocation is the cold one.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BudgetsClient, DescribeBudgetNotificationsForAccountCommand, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { CloudWatchClient, GetMetricDataCommand, ListMetricsCommand, type Dimension } from '@aws-sdk/client-cloudwatch';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  BILLING_LOOKBACK_HOURS,
  BILLING_NAMESPACE,
  BILLING_PERIOD_SECONDS,
  BILLING_REGION,
  BUDGET_NOTIFICATIONS_PAGE_SIZE,
  BUDGETS_PAGE_SIZE,
  ESTIMATED_CHARGES_METRIC,
  METRIC_DATA_QUERIES_PER_CALL,
} from '../../lambda/billing-facts';

/** The collector's GetMetricData concurrency (lambda/sources/estimated-charges.ts) and SDK retries (lambda/handler.ts). */
const METRIC_DATA_CONCURRENCY = 8;
const AWS_MAX_ATTEMPTS = 5;

const body = readFileSync(process.env.BENCH_FLOOR_BODY ?? '');
/** The body's series, as objects, when each invocation encodes them itself (`BENCH_FLOOR_ENCODE`). */
const series =
  process.env.BENCH_FLOOR_ENCODE === '1' ? (JSON.parse(gunzipSync(body).toString('utf8')) as { series: unknown[] }).series : undefined;
const secretArn = process.env.DD_API_KEY_SECRET_ARN ?? '';

interface Clients {
  readonly budgets: BudgetsClient;
  readonly cloudWatch: CloudWatchClient;
  readonly secrets: SecretsManagerClient;
}
let clients: Clients | undefined;
let apiKey: string | undefined;

export async function handler(_event: unknown, context: { readonly invokedFunctionArn: string }): Promise<unknown> {
  // Made on the first invocation, as the collector's setUp() does.
  clients ??= {
    budgets: new BudgetsClient({ region: BILLING_REGION, maxAttempts: AWS_MAX_ATTEMPTS }),
    cloudWatch: new CloudWatchClient({ region: BILLING_REGION, maxAttempts: AWS_MAX_ATTEMPTS }),
    // In the secret's region, read from its ARN, as the collector's configuration does.
    secrets: new SecretsManagerClient({ region: secretArn.split(':')[3], maxAttempts: AWS_MAX_ATTEMPTS }),
  };
  const accountId = context.invokedFunctionArn.split(':')[4];
  const now = new Date();
  const [key] = await Promise.all([
    readKey(clients.secrets),
    budgets(clients.budgets, accountId),
    notifications(clients.budgets, accountId),
    charges(clients.cloudWatch, now),
  ]);
  const payload = series === undefined ? body : gzipSync(JSON.stringify({ series }));
  await post(key, payload);
  return { bytes: payload.length };
}

/** One read per execution environment: the collector caches the key for hours. */
async function readKey(client: SecretsManagerClient): Promise<string> {
  if (apiKey === undefined) {
    const answer = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    apiKey = answer.SecretString ?? '';
  }
  return apiKey;
}

async function budgets(client: BudgetsClient, accountId: string): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeBudgetsCommand({ AccountId: accountId, MaxResults: BUDGETS_PAGE_SIZE, NextToken: nextToken }),
    );
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
}

/** The budgets' alert thresholds, read beside the budgets as the collector reads them. */
async function notifications(client: BudgetsClient, accountId: string): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new DescribeBudgetNotificationsForAccountCommand({
        AccountId: accountId,
        MaxResults: BUDGET_NOTIFICATIONS_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
}

async function charges(client: CloudWatchClient, now: Date): Promise<void> {
  const hour = BILLING_PERIOD_SECONDS * 1000;
  const startTime = new Date(Math.floor((now.getTime() - BILLING_LOOKBACK_HOURS * hour) / hour) * hour);
  const queue: Dimension[][][] = [];
  const reads: Promise<void>[] = [];
  let running = 0;
  let first = 0;
  let pending: Dimension[][] = [];
  const start = (): void => {
    while (running < METRIC_DATA_CONCURRENCY && queue.length > 0) {
      const batch = queue.shift() as Dimension[][];
      const ids = first;
      first += batch.length;
      running += 1;
      reads.push(
        metricData(client, batch, ids, startTime, now).finally(() => {
          running -= 1;
          start();
        }),
      );
    }
  };
  const flush = (): void => {
    queue.push(pending);
    pending = [];
    start();
  };
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new ListMetricsCommand({ Namespace: BILLING_NAMESPACE, MetricName: ESTIMATED_CHARGES_METRIC, NextToken: nextToken }),
    );
    for (const metric of page.Metrics ?? []) {
      pending.push(metric.Dimensions ?? []);
      if (pending.length === METRIC_DATA_QUERIES_PER_CALL) flush();
    }
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  if (pending.length > 0) flush();
  // Batches queued behind the concurrency limit add their reads as earlier ones finish.
  for (let index = 0; index < reads.length; index += 1) await reads[index];
}

async function metricData(
  client: CloudWatchClient,
  batch: readonly Dimension[][],
  first: number,
  startTime: Date,
  now: Date,
): Promise<void> {
  const queries = batch.map((dimensions, offset) => ({
    Id: `q${first + offset}`,
    ReturnData: true,
    MetricStat: {
      Metric: { Namespace: BILLING_NAMESPACE, MetricName: ESTIMATED_CHARGES_METRIC, Dimensions: dimensions },
      Period: BILLING_PERIOD_SECONDS,
      Stat: 'Maximum',
    },
  }));
  let nextToken: string | undefined;
  do {
    const page = await client.send(
      new GetMetricDataCommand({
        MetricDataQueries: queries,
        StartTime: startTime,
        EndTime: now,
        ScanBy: 'TimestampDescending',
        NextToken: nextToken,
      }),
    );
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
}

/** The one Datadog request, read to the end of the answer. */
function post(key: string, body: Buffer): Promise<void> {
  const url = new URL('/api/v2/series', process.env.DD_API_URL);
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
          'Content-Length': String(body.length),
          'DD-API-KEY': key,
        },
      },
      (answer) => {
        answer.resume();
        answer.on('end', () => ((answer.statusCode ?? 0) < 300 ? resolve() : reject(new Error(`intake answered ${answer.statusCode}`))));
        answer.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

/**
 * A fake AWS endpoint on 127.0.0.1 that pages the way AWS does, for the three operations the
 * collector calls. moto cannot stand in here: it does not page DescribeBudgets and lists a
 * CloudWatch series once per data point, so the call counts would be wrong.
 *
 * Wire protocols, as the installed SDK clients speak them (checked by running them against
 * this server; see docs/performance.md):
 * - Budgets: AWS JSON 1.1, `X-Amz-Target: AWSBudgetServiceGateway.DescribeBudgets`.
 * - CloudWatch: AWS JSON 1.0 with awsQueryCompatible (`x-amzn-query-mode: true`),
 *   `X-Amz-Target: GraniteServiceVersion20100801.ListMetrics | .GetMetricData`.
 * - Secrets Manager: AWS JSON 1.1, `X-Amz-Target: secretsmanager.GetSecretValue`.
 * Timestamps travel as epoch seconds. Calls are counted here, on the server side.
 */
import type { IncomingMessage } from 'node:http';
import { BENCH_ACCOUNT_ID, type WireBudget, type WireDimensions } from './dataset';
import { startLoopbackServer, type Answer, type LoopbackServer } from './loopback';

/** AWS limits the fake enforces. */
export const AWS_LIMITS = {
  budgetsMaxResults: 1000,
  budgetsDefaultMaxResults: 100,
  listMetricsPageSize: 500,
  metricDataQueriesPerCall: 500,
  metricDataMaxDatapoints: 100_800,
} as const;

/** What the fake saw since the last `take()`. */
export interface AwsTally {
  /** Requests per operation (`DescribeBudgets`, ...), error answers included. */
  readonly operations: Record<string, number>;
  /** Error answers per error type. */
  readonly errors: Record<string, number>;
  /** Requests per signing `service@region` taken from the SigV4 credential scope. */
  readonly signing: Record<string, number>;
  /** GetMetricData queries (metrics requested), the unit CloudWatch bills. */
  metricsRequested: number;
}

export interface FakeAws {
  readonly server: LoopbackServer;
  /** Returns what was seen since the previous call and starts a new tally. */
  take(): AwsTally;
}

export interface FakeAwsOptions {
  readonly budgets: readonly WireBudget[];
  readonly series: readonly WireDimensions[];
  readonly secretArn: string;
  readonly secretString: string;
  readonly latencyMs: number;
  /** How far back the newest billing point of every series is. @default 60 s */
  readonly pointAgeSeconds?: number;
}

const BILLING_NAMESPACE = 'AWS/Billing';
const BILLING_METRIC = 'EstimatedCharges';
/** AWS publishes EstimatedCharges a few times a day. */
const POINT_SPACING_SECONDS = 6 * 3600;
const METRIC_DATA_ID = /^[a-z][a-zA-Z0-9_]*$/;

class AwsError extends Error {
  constructor(
    public readonly type: string,
    message: string,
    public readonly status = 400,
  ) {
    super(message);
  }
}

function emptyTally(): AwsTally {
  return { operations: {}, errors: {}, signing: {}, metricsRequested: 0 };
}

function bump(record: Record<string, number>, key: string, by = 1): void {
  record[key] = (record[key] ?? 0) + by;
}

function encodeToken(kind: string, offset: number): string {
  return Buffer.from(`${kind}:${offset}`).toString('base64');
}

function decodeToken(kind: string, token: unknown): number {
  if (token === undefined || token === null) return 0;
  const text = typeof token === 'string' ? Buffer.from(token, 'base64').toString() : '';
  const match = new RegExp(`^${kind}:(\\d+)$`).exec(text);
  if (match === null) throw new AwsError('InvalidNextTokenException', 'The next token is not valid');
  return Number(match[1]);
}

function dimensionKey(dimensions: readonly { Name?: unknown; Value?: unknown }[]): string {
  return dimensions
    .map(({ Name, Value }) => `${String(Name)}=${String(Value)}`)
    .sort()
    .join('|');
}

export async function startFakeAws(options: FakeAwsOptions): Promise<FakeAws> {
  let tally = emptyTally();
  const seriesIndex = new Map<string, number>();
  options.series.forEach((dimensions, index) => seriesIndex.set(dimensionKey(dimensions), index));
  const pageCache = new Map<string, string>();

  const describeBudgets = (input: Record<string, unknown>): string => {
    const accountId = input.AccountId;
    if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
      throw new AwsError('ValidationException', 'AccountId must be 12 digits');
    }
    if (accountId !== BENCH_ACCOUNT_ID) {
      throw new AwsError('AccessDeniedException', `Account ${accountId} is not accessible with these credentials`);
    }
    const max = input.MaxResults === undefined ? AWS_LIMITS.budgetsDefaultMaxResults : Number(input.MaxResults);
    if (!Number.isInteger(max) || max < 1 || max > AWS_LIMITS.budgetsMaxResults) {
      throw new AwsError('ValidationException', `MaxResults must be between 1 and ${AWS_LIMITS.budgetsMaxResults}`);
    }
    const offset = decodeToken('budgets', input.NextToken);
    const key = `budgets:${offset}:${max}`;
    let page = pageCache.get(key);
    if (page === undefined) {
      const next = offset + max;
      page = JSON.stringify({
        Budgets: options.budgets.slice(offset, next),
        ...(next < options.budgets.length ? { NextToken: encodeToken('budgets', next) } : {}),
      });
      pageCache.set(key, page);
    }
    return page;
  };

  const listMetrics = (input: Record<string, unknown>): string => {
    const filters = Array.isArray(input.Dimensions) ? (input.Dimensions as { Name?: string; Value?: string }[]) : [];
    const matches = (dimensions: WireDimensions): boolean =>
      filters.every((filter) => dimensions.some((d) => d.Name === filter.Name && (filter.Value === undefined || d.Value === filter.Value)));
    const namespaceOk = input.Namespace === undefined || input.Namespace === BILLING_NAMESPACE;
    const metricOk = input.MetricName === undefined || input.MetricName === BILLING_METRIC;
    const offset = decodeToken('metrics', input.NextToken);
    const key = `metrics:${JSON.stringify([input.Namespace, input.MetricName, filters])}:${offset}`;
    let page = pageCache.get(key);
    if (page === undefined) {
      const listed = namespaceOk && metricOk ? options.series.filter(matches) : [];
      const next = offset + AWS_LIMITS.listMetricsPageSize;
      page = JSON.stringify({
        Metrics: listed
          .slice(offset, next)
          .map((Dimensions) => ({ Namespace: BILLING_NAMESPACE, MetricName: BILLING_METRIC, Dimensions })),
        ...(next < listed.length ? { NextToken: encodeToken('metrics', next) } : {}),
      });
      pageCache.set(key, page);
    }
    return page;
  };

  const getMetricData = (input: Record<string, unknown>): string => {
    const queries = input.MetricDataQueries;
    if (!Array.isArray(queries) || queries.length === 0) {
      throw new AwsError('InvalidParameterValue', 'MetricDataQueries is required');
    }
    if (queries.length > AWS_LIMITS.metricDataQueriesPerCall) {
      throw new AwsError(
        'InvalidParameterValue',
        `The collection MetricDataQueries must not have a size greater than ${AWS_LIMITS.metricDataQueriesPerCall}.`,
      );
    }
    const start = Number(input.StartTime);
    const end = Number(input.EndTime);
    if (!Number.isFinite(start) || !Number.isFinite(end) || start >= end) {
      throw new AwsError('InvalidParameterValue', 'The parameter StartTime must be less than the parameter EndTime.');
    }
    const maxDatapoints = input.MaxDatapoints === undefined ? AWS_LIMITS.metricDataMaxDatapoints : Number(input.MaxDatapoints);
    const ascending = input.ScanBy === 'TimestampAscending';
    const ids = new Set<string>();
    // Results are written as JSON text directly: this runs inside the latency window, six calls at once.
    const results: { json: string; points: number }[] = [];
    const newest = Math.floor(Date.now() / 1000) - (options.pointAgeSeconds ?? 60);
    tally.metricsRequested += queries.length;
    for (const query of queries as Record<string, unknown>[]) {
      const id = query.Id;
      if (typeof id !== 'string' || !METRIC_DATA_ID.test(id) || ids.has(id)) {
        throw new AwsError('InvalidParameterValue', `The value ${String(id)} for parameter MetricDataQueries.member.Id is not valid or not unique.`);
      }
      ids.add(id);
      const stat = query.MetricStat as { Metric?: Record<string, unknown>; Period?: number; Stat?: string } | undefined;
      if (stat === undefined || query.Expression !== undefined) {
        throw new AwsError('InvalidParameterValue', 'The benchmark fake answers MetricStat queries only');
      }
      if (typeof stat.Period !== 'number' || stat.Period < 60 || stat.Period % 60 !== 0 || typeof stat.Stat !== 'string') {
        throw new AwsError('InvalidParameterValue', `Query ${id}: Period must be a multiple of 60 and Stat is required`);
      }
      const metric = stat.Metric ?? {};
      const dimensions = Array.isArray(metric.Dimensions) ? (metric.Dimensions as { Name?: unknown; Value?: unknown }[]) : [];
      const index =
        metric.Namespace === BILLING_NAMESPACE && metric.MetricName === BILLING_METRIC ? seriesIndex.get(dimensionKey(dimensions)) : undefined;
      const timestamps: number[] = [];
      const values: number[] = [];
      if (index !== undefined) {
        const base = 10 + ((index * 7_919) % 100_000) / 100;
        for (let t = newest, step = 0; t >= start && step < 64; t -= POINT_SPACING_SECONDS, step += 1) {
          if (t > end) continue;
          timestamps.push(t);
          values.push(Math.max(0, base - step * 0.5));
        }
        if (ascending) {
          timestamps.reverse();
          values.reverse();
        }
      }
      results.push({
        json: `{"Id":"${id}","Label":"${BILLING_METRIC}","Timestamps":[${timestamps.join(',')}],"Values":[${values.join(',')}],"StatusCode":"Complete"}`,
        points: timestamps.length,
      });
    }
    // Page by whole results once the datapoint cap would be passed (AWS may split finer).
    const first = decodeToken('data', input.NextToken);
    const page: string[] = [];
    let points = 0;
    let next = first;
    for (; next < results.length; next += 1) {
      if (page.length > 0 && points + results[next].points > maxDatapoints) break;
      page.push(results[next].json);
      points += results[next].points;
    }
    const token = next < results.length ? `,"NextToken":"${encodeToken('data', next)}"` : '';
    return `{"MetricDataResults":[${page.join(',')}],"Messages":[]${token}}`;
  };

  const getSecretValue = (input: Record<string, unknown>): string => {
    if (input.SecretId !== options.secretArn) {
      throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
    }
    return JSON.stringify({
      ARN: options.secretArn,
      Name: options.secretArn.split(':')[6],
      VersionId: '00000000-0000-4000-8000-000000000000',
      SecretString: options.secretString,
      VersionStages: ['AWSCURRENT'],
      CreatedDate: 1_700_000_000,
    });
  };

  const operations: Record<string, { readonly json: '1.0' | '1.1'; readonly run: (input: Record<string, unknown>) => string }> = {
    'AWSBudgetServiceGateway.DescribeBudgets': { json: '1.1', run: describeBudgets },
    'GraniteServiceVersion20100801.ListMetrics': { json: '1.0', run: listMetrics },
    'GraniteServiceVersion20100801.GetMetricData': { json: '1.0', run: getMetricData },
    'secretsmanager.GetSecretValue': { json: '1.1', run: getSecretValue },
  };

  const handle = (request: IncomingMessage, body: Buffer): Answer => {
    const target = String(request.headers['x-amz-target'] ?? '');
    const operation = target.split('.').pop() || `(${request.method} ${request.url})`;
    bump(tally.operations, operation);
    const scope = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/.exec(String(request.headers.authorization ?? ''));
    bump(tally.signing, scope === null ? 'unsigned' : `${scope[2]}@${scope[1]}`);
    const known = operations[target];
    const json = known?.json ?? '1.1';
    const headers = { 'content-type': `application/x-amz-json-${json}`, 'x-amzn-requestid': `bench-${Date.now()}` };
    try {
      if (known === undefined) throw new AwsError('UnknownOperationException', `The benchmark fake does not serve "${target}"`);
      if (request.method !== 'POST') throw new AwsError('UnknownOperationException', `${request.method} is not an AWS JSON call`);
      let input: Record<string, unknown>;
      try {
        input = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        throw new AwsError('SerializationException', 'The request body is not JSON');
      }
      return { status: 200, headers, body: known.run(input), label: operation };
    } catch (error) {
      const awsError = error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
      bump(tally.errors, awsError.type);
      const errorHeaders: Record<string, string> = { ...headers, 'x-amzn-errortype': awsError.type };
      // CloudWatch's awsQueryCompatible errors carry the query error code in a header.
      if (json === '1.0') errorHeaders['x-amzn-query-error'] = `${awsError.type};Sender`;
      return {
        status: awsError.status,
        headers: errorHeaders,
        body: JSON.stringify({ __type: awsError.type, message: awsError.message, Message: awsError.message }),
        label: operation,
      };
    }
  };

  const server = await startLoopbackServer(options.latencyMs, 16 * 1024 * 1024, handle);
  return {
    server,
    take: () => {
      const taken = tally;
      tally = emptyTally();
      return taken;
    },
  };
}

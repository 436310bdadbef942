/**
 * Seed a moto server through the real AWS SDK clients, so that the data a test reads back has
 * gone through the same serialisation as production calls.
 *
 * Every helper takes the moto `endpoint` and refuses anything that is not loopback: a seeding
 * helper pointed at real AWS would create real budgets and metrics.
 */
import { BudgetsClient, CreateBudgetCommand, type Budget, type BudgetType, type TimeUnit } from '@aws-sdk/client-budgets';
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

/** Where the billing metric lives in CloudWatch (always us-east-1 on AWS). */
export const BILLING = {
  region: 'us-east-1',
  namespace: 'AWS/Billing',
  metricName: 'EstimatedCharges',
} as const;

/** Most metric data items AWS accepts in one PutMetricData call. moto does not enforce it. */
export const PUT_METRIC_DATA_MAX_ITEMS = 1000;

/** Dummy credentials: moto accepts any, and explicit ones keep a developer's real ones unused. */
export const TEST_CREDENTIALS = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

/** Client configuration shared by every client that talks to moto. */
export interface MotoClientConfig {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: typeof TEST_CREDENTIALS;
  readonly maxAttempts: number;
  readonly requestHandler: { readonly connectionTimeout: number; readonly requestTimeout: number };
}

/**
 * Configuration for an AWS SDK v3 client talking to moto at `endpoint`, region us-east-1.
 *
 * One attempt per call: moto does not throttle, so a failure is a bug to see at once rather than
 * three times slower. Timeouts turn a stuck moto into an error instead of a hung test.
 *
 * @throws when `endpoint` is not an http URL on 127.0.0.1, localhost or [::1]
 */
export function motoClientConfig(endpoint: string): MotoClientConfig {
  assertLoopback(endpoint);
  return {
    endpoint,
    region: BILLING.region,
    credentials: TEST_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 15_000 },
  };
}

function assertLoopback(endpoint: string): void {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`\`endpoint\` must be a URL, got ${JSON.stringify(endpoint)}`);
  }
  if (url.protocol !== 'http:' || !['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
    throw new Error(`\`endpoint\` must be a loopback http URL (moto), got ${endpoint}: seeding never talks to real AWS`);
  }
}

/** Run `fn` with a client, then destroy the client so no keep-alive socket outlives the call. */
async function withClient<C extends { destroy(): void }, T>(client: C, fn: (client: C) => Promise<T>): Promise<T> {
  try {
    return await fn(client);
  } finally {
    client.destroy();
  }
}

/** A COST budget to create with {@link createCostBudget}. Amounts are strings, as in the API. */
export interface CostBudgetSeed {
  /** At most 100 characters, no `:` or `\` (AWS rejects them; moto does not). */
  readonly name: string;
  /**
   * The fixed `BudgetLimit`.
   * @default none: the budget is created with `PlannedBudgetLimits` for the current UTC month
   * instead (amount `plannedLimit`), which is the only way to get a COST budget that moto returns
   * without `BudgetLimit`. (AWS would also return the current month's planned amount as
   * `BudgetLimit`; moto does not.)
   */
  readonly limit?: string;
  /**
   * Amount of the current month's planned limit when `limit` is omitted.
   * @default '100'
   */
  readonly plannedLimit?: string;
  /** `CalculatedSpend.ActualSpend`: moto echoes it back, it does not compute spend. */
  readonly actual: string;
  /**
   * `CalculatedSpend.ForecastedSpend`.
   * @default none: DescribeBudgets then returns no `ForecastedSpend`, as AWS does early in a month
   */
  readonly forecast?: string;
  /** @default 'USD' */
  readonly unit?: 'USD';
  /** @default 'MONTHLY' */
  readonly timeUnit?: 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY' | 'DAILY';
}

/**
 * Create a COST budget in `accountId` with the given spend.
 *
 * moto keeps budgets per `AccountId` (123456789012 by default): the collector must ask for the
 * same account, for example through the function ARN of the test's invocation context.
 */
export async function createCostBudget(
  endpoint: string,
  accountId: string,
  seed: CostBudgetSeed,
  credentials?: SeedCredentials,
): Promise<void> {
  const unit = seed.unit ?? 'USD';
  await createBudget(
    endpoint,
    accountId,
    {
      name: seed.name,
      type: 'COST',
      unit,
      limit: seed.limit,
      plannedLimit: seed.limit === undefined ? (seed.plannedLimit ?? '100') : undefined,
      actual: seed.actual,
      forecast: seed.forecast,
      timeUnit: seed.timeUnit ?? 'MONTHLY',
    },
    credentials,
  );
}

/** Budget types whose amounts are percentages; AWS allows them only a limit of 100. */
type PercentBudgetType = 'RI_UTILIZATION' | 'RI_COVERAGE' | 'SAVINGS_PLANS_UTILIZATION' | 'SAVINGS_PLANS_COVERAGE';

/** Fields common to every {@link BudgetSeed}. */
interface BudgetSeedBase {
  readonly name: string;
  /** `CalculatedSpend.ActualSpend.Amount` (moto echoes it). */
  readonly actual: string;
  /** `CalculatedSpend.ForecastedSpend.Amount`. @default none */
  readonly forecast?: string;
  /** @default 'MONTHLY' */
  readonly timeUnit?: TimeUnit;
}

/**
 * A budget of any type, for {@link createBudget}. `unit` is that of limit and spend alike:
 * money for COST, a usage unit (`GB`, `Hrs`) for USAGE, `PERCENT` for RI and Savings Plans.
 */
export type BudgetSeed =
  | (BudgetSeedBase & {
      readonly type: 'COST' | 'USAGE';
      readonly unit: string;
      /** Fixed limit; give it or `plannedLimit` (AWS and moto require one of them). */
      readonly limit?: string;
      /** Amount planned for the current UTC month only, when there is no fixed `limit`. */
      readonly plannedLimit?: string;
    })
  | (BudgetSeedBase & {
      readonly type: PercentBudgetType;
      readonly unit?: 'PERCENT';
      /**
       * moto rejects an RI/SP budget without a limit (AWS defaults it to 100).
       * @default '100'
       */
      readonly limit?: string;
    });

/**
 * Credentials to seed with. moto keeps budgets per calling account, then per `AccountId`: a
 * member's budgets, read through its role, are created with credentials from that role.
 */
export interface SeedCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/**
 * Create a budget of any type (USAGE, RI/SP utilisation or coverage, COST) in `accountId`.
 * @param credentials @default TEST_CREDENTIALS (moto's default account)
 */
export async function createBudget(endpoint: string, accountId: string, seed: BudgetSeed, credentials?: SeedCredentials): Promise<void> {
  const config = { ...motoClientConfig(endpoint), ...(credentials === undefined ? {} : { credentials }) };
  const budget: Budget = {
    BudgetName: seed.name,
    BudgetType: seed.type satisfies BudgetType,
    TimeUnit: seed.timeUnit ?? 'MONTHLY',
  };
  if (seed.type === 'COST' || seed.type === 'USAGE') {
    if ((seed.limit === undefined) === (seed.plannedLimit === undefined)) {
      throw new Error(`budget \`${seed.name}\`: give exactly one of \`limit\` and \`plannedLimit\``);
    }
    if (seed.limit !== undefined) budget.BudgetLimit = { Amount: seed.limit, Unit: seed.unit };
    else budget.PlannedBudgetLimits = { [String(currentMonthStartEpochSeconds())]: { Amount: seed.plannedLimit, Unit: seed.unit } };
  } else {
    budget.BudgetLimit = { Amount: seed.limit ?? '100', Unit: 'PERCENT' };
  }
  const unit = budget.BudgetLimit?.Unit ?? seed.unit ?? 'PERCENT';
  budget.CalculatedSpend = {
    ActualSpend: { Amount: seed.actual, Unit: unit },
    ...(seed.forecast === undefined ? {} : { ForecastedSpend: { Amount: seed.forecast, Unit: unit } }),
  };
  await withClient(new BudgetsClient(config), (client) => client.send(new CreateBudgetCommand({ AccountId: accountId, Budget: budget })));
}

/** The key of `PlannedBudgetLimits`: the start of the current month, UTC, in epoch seconds. */
function currentMonthStartEpochSeconds(now = new Date()): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
}

/** One `AWS/Billing` `EstimatedCharges` data point. */
export interface EstimatedChargesPoint {
  /**
   * For example `{ Currency: 'USD' }` or `{ ServiceName: 'AmazonEC2', Currency: 'USD' }`.
   * Sent in the object's key order: moto matches GetMetricData dimensions in order, so query
   * them in the same order (or from ListMetrics, which returns them as put).
   */
  readonly dimensions: Readonly<Record<string, string>>;
  /** Month-to-date dollars. */
  readonly value: number;
  readonly timestamp: Date;
}

/**
 * Put `EstimatedCharges` points into moto's CloudWatch, at most
 * {@link PUT_METRIC_DATA_MAX_ITEMS} per PutMetricData call, one call after the other.
 *
 * Request compression is off: the SDK gzips bodies of 10 KiB or more and moto 5.2 decompresses
 * them twice, failing with an HTML error page.
 *
 * @returns the number of PutMetricData calls made
 */
export async function putEstimatedCharges(endpoint: string, points: readonly EstimatedChargesPoint[]): Promise<number> {
  const config = motoClientConfig(endpoint);
  const data: MetricDatum[] = points.map((p, i) => {
    if (!Number.isFinite(p.value)) throw new Error(`point ${i}: \`value\` must be a finite number, got ${p.value}`);
    if (Number.isNaN(p.timestamp.getTime())) throw new Error(`point ${i}: \`timestamp\` is an invalid Date`);
    return {
      MetricName: BILLING.metricName,
      Dimensions: Object.entries(p.dimensions).map(([Name, Value]) => ({ Name, Value })),
      Value: p.value,
      Timestamp: p.timestamp,
      // CloudWatch has no currency unit: the billing metric is published with unit None.
      Unit: 'None',
    };
  });
  let calls = 0;
  await withClient(new CloudWatchClient({ ...config, disableRequestCompression: true }), async (client) => {
    for (let start = 0; start < data.length; start += PUT_METRIC_DATA_MAX_ITEMS) {
      await client.send(
        new PutMetricDataCommand({ Namespace: BILLING.namespace, MetricData: data.slice(start, start + PUT_METRIC_DATA_MAX_ITEMS) }),
      );
      calls++;
    }
  });
  return calls;
}

/**
 * Create a Secrets Manager secret holding `value` as a plain string (Datadog's documented form
 * of the API key secret).
 *
 * @returns the secret's full ARN, which moto, like AWS, ends with `-` and six random characters
 */
export async function createApiKeySecret(endpoint: string, name: string, value: string): Promise<string> {
  const config = motoClientConfig(endpoint);
  const out = await withClient(new SecretsManagerClient(config), (client) =>
    client.send(new CreateSecretCommand({ Name: name, SecretString: value })),
  );
  if (out.ARN === undefined) throw new Error(`CreateSecret of \`${name}\` returned no ARN`);
  return out.ARN;
}

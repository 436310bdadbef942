/**
 * The demo's sample account: a payer account with three linked accounts, fifteen services and
 * five budgets, as plain objects the fake AWS is seeded from. Month-to-date figures in USD, made
 * up but shaped like what AWS returns (Budgets' long binary-float tails included).
 */
import type { BillingSeriesSeed, BudgetSeed, WireDimension } from '../../fakes';

/** The payer (management) account the function runs in. */
export const PAYER_ACCOUNT_ID = '123456789012';

/** The linked (member) accounts of the organization, by what they are used for. */
export const LINKED_ACCOUNTS = {
  production: '210987654321',
  staging: '345678901234',
  sandbox: '456789012345',
} as const;

type Linked = keyof typeof LINKED_ACCOUNTS;

/**
 * Month-to-date charges per service and linked account; a service an account does not use has
 * no entry (and no CloudWatch series).
 */
export const CHARGES: Readonly<Record<string, Partial<Record<Linked, number>>>> = {
  AmazonEC2: { production: 1843.27, staging: 412.8, sandbox: 96.15 },
  AmazonRDS: { production: 967.42, staging: 233.1 },
  AmazonS3: { production: 402.66, staging: 58.31, sandbox: 4.07 },
  AWSLambda: { production: 88.19, staging: 12.44, sandbox: 1.02 },
  AmazonCloudWatch: { production: 143.5, staging: 38.75, sandbox: 6.6 },
  AmazonDynamoDB: { production: 211.09, staging: 19.96 },
  AmazonVPC: { production: 126.3, staging: 64.8, sandbox: 21.6 },
  AWSDataTransfer: { production: 318.74, staging: 22.15, sandbox: 0.83 },
  AmazonCloudFront: { production: 275.12 },
  AmazonRoute53: { production: 12.5, staging: 3.5, sandbox: 1.5 },
  AmazonSQS: { production: 17.84, staging: 2.11 },
  AmazonSNS: { production: 4.36, staging: 0.52 },
  AWSKMS: { production: 23.0, staging: 9.0, sandbox: 2.0 },
  AWSSecretsManager: { production: 8.4, staging: 3.2, sandbox: 0.4 },
  AmazonECR: { production: 31.77, staging: 7.25 },
};

const USD: WireDimension = { Name: 'Currency', Value: 'USD' };
const cents = (value: number): number => Math.round(value * 100) / 100;
const sum = (values: readonly number[]): number => cents(values.reduce((total, value) => total + value, 0));

/**
 * The `AWS/Billing` `EstimatedCharges` series of the payer account, at the four dimension levels
 * CloudWatch publishes: the total, per service, per linked account, and per linked account and
 * service. Each level adds up from {@link CHARGES}.
 */
export function sampleBillingSeries(): BillingSeriesSeed[] {
  const cells = Object.entries(CHARGES).flatMap(([service, byAccount]) =>
    Object.entries(byAccount).map(([linked, value]) => ({ service, account: LINKED_ACCOUNTS[linked as Linked], value })),
  );
  const service = (name: string): WireDimension => ({ Name: 'ServiceName', Value: name });
  const account = (id: string): WireDimension => ({ Name: 'LinkedAccount', Value: id });
  return [
    { dimensions: [USD], value: sum(cells.map((cell) => cell.value)) },
    ...Object.keys(CHARGES).map((name) => ({
      dimensions: [service(name), USD],
      value: sum(cells.filter((cell) => cell.service === name).map((cell) => cell.value)),
    })),
    ...Object.values(LINKED_ACCOUNTS).map((id) => ({
      dimensions: [account(id), USD],
      value: sum(cells.filter((cell) => cell.account === id).map((cell) => cell.value)),
    })),
    ...cells.map((cell) => ({ dimensions: [account(cell.account), service(cell.service), USD], value: cell.value })),
  ];
}

/** Epoch seconds of the first of the month, `monthsFromNow` months away. */
function monthStart(now: Date, monthsFromNow: number): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + monthsFromNow, 1) / 1000;
}

/**
 * The five budgets: a plain one, planned limits, no forecast yet, a usage budget, and a name in
 * several scripts. The cost budgets carry alert thresholds, each in the state its spend puts it
 * in (percentages of the limit, one absolute amount); the usage budget has none. The collector
 * reads them with DescribeBudgetNotificationsForAccount, which alone answers them.
 */
export function sampleBudgets(now: Date): BudgetSeed[] {
  const usd = (amount: string) => ({ Amount: amount, Unit: 'USD' });
  const over = (
    NotificationType: 'ACTUAL' | 'FORECASTED',
    Threshold: number,
    NotificationState: 'OK' | 'ALARM',
    ThresholdType: 'PERCENTAGE' | 'ABSOLUTE_VALUE' = 'PERCENTAGE',
  ) => ({ NotificationType, ComparisonOperator: 'GREATER_THAN' as const, Threshold, ThresholdType, NotificationState });
  const planned: Record<string, { Amount: string; Unit: string }> = {};
  for (let month = -3; month <= 8; month += 1) planned[String(monthStart(now, month))] = usd(String(2400 + month * 50));
  return [
    {
      // Plain: well within its limit.
      BudgetName: 'Monthly total',
      BudgetType: 'COST',
      BudgetLimit: usd('8000.0'),
      CalculatedSpend: { ActualSpend: usd('5342.4560000000000172803993336856365203857421875'), ForecastedSpend: usd('7480.12') },
      Notifications: [over('ACTUAL', 80, 'OK'), over('FORECASTED', 100, 'OK')],
    },
    {
      // Planned limits, one per month: this month's applies. The forecast is over it.
      BudgetName: 'Data platform (planned)',
      BudgetType: 'COST',
      PlannedBudgetLimits: planned,
      CalculatedSpend: { ActualSpend: usd('1780.4'), ForecastedSpend: usd('2731.9') },
      // Against this month's planned limit (2,400): 74 % spent, the forecast over it.
      Notifications: [over('ACTUAL', 80, 'OK'), over('FORECASTED', 100, 'ALARM')],
    },
    {
      // Created this month: AWS has no forecast yet.
      BudgetName: 'Sandbox',
      BudgetType: 'COST',
      BudgetLimit: usd('300.0'),
      CalculatedSpend: { ActualSpend: usd('42.17') },
      Notifications: [over('ACTUAL', 250, 'OK', 'ABSOLUTE_VALUE')],
    },
    {
      // Counts gigabyte-months, not money: the collector skips it.
      BudgetName: 'S3 storage',
      BudgetType: 'USAGE',
      BudgetLimit: { Amount: '5000.0', Unit: 'GBMo' },
      CalculatedSpend: { ActualSpend: { Amount: '3120.5', Unit: 'GBMo' } },
    },
    {
      // Non-ASCII characters and punctuation, which Datadog's tag rules rewrite. Over 80 % used.
      BudgetName: 'Équipe Paris: R&D / ML 训练 (prod) — 50%',
      BudgetType: 'COST',
      BudgetLimit: usd('1200.0'),
      CalculatedSpend: { ActualSpend: usd('1010.45'), ForecastedSpend: usd('1152.3') },
      Notifications: [over('ACTUAL', 80, 'ALARM'), over('FORECASTED', 100, 'OK')],
    },
  ];
}

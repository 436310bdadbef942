/**
 * The synthetic account the benchmark reads: N budgets and M `AWS/Billing` `EstimatedCharges`
 * series, deterministic (no randomness), shaped like what AWS returns so that parsing and
 * payload sizes are realistic: long decimal tails, planned limits, non-cost budgets, the four
 * CloudWatch dimension sets of a payer account.
 */

import type { WireBudget } from '../fakes/aws/budgets';
import type { BillingSeriesSeed, WireDimension } from '../fakes/aws/cloudwatch';
import type { CostRowSeed } from '../fakes/aws/cost-explorer';
import type { FakeAwsSeed } from '../fakes/aws/server';
import { FAKE_ACCOUNT_ID } from '../fakes/aws/service';

/** One CloudWatch dimension set, in the order ListMetrics lists its dimensions. */
type WireDimensions = readonly WireDimension[];

const COST_TYPES = {
  IncludeTax: true,
  IncludeSubscription: true,
  UseBlended: false,
  IncludeRefund: false,
  IncludeCredit: false,
  IncludeUpfront: true,
  IncludeRecurring: true,
  IncludeOtherSubscription: true,
  IncludeSupport: true,
  IncludeDiscount: true,
  UseAmortized: false,
};

/** A binary-float tail like the ones AWS Budgets returns ("604.4560000000000172803993336856365203857421875"). */
const FLOAT_TAIL = '0000000000172803993336856365203857421875';

const TEAMS = ['Platform', 'Data Science', 'Équipe Paris', 'growth/eu', 'Mobile (iOS)', 'SRE on-call', 'Finance & Ops', 'ML 训练'];
const TIME_UNITS = ['MONTHLY', 'MONTHLY', 'MONTHLY', 'QUARTERLY', 'ANNUALLY', 'DAILY'];

function monthStartSeconds(now: Date, monthsAgo: number): number {
  return Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - monthsAgo, 1) / 1000;
}

/** `count` budgets: about 90 % COST (a tenth of them with planned limits), the rest USAGE and RI. */
export function makeBudgets(count: number, now: Date): WireBudget[] {
  const budgets: WireBudget[] = [];
  const start = monthStartSeconds(now, 0);
  for (let i = 0; i < count; i += 1) {
    const name = `${TEAMS[i % TEAMS.length]} budget ${String(i).padStart(5, '0')}`;
    const common = {
      BudgetName: name,
      TimeUnit: TIME_UNITS[i % TIME_UNITS.length],
      CostTypes: COST_TYPES,
      TimePeriod: { Start: start, End: 3_706_473_600 },
      LastUpdatedTime: start + 3600,
    };
    if (i % 20 === 7) {
      budgets.push({
        ...common,
        BudgetType: 'USAGE',
        BudgetLimit: { Amount: '500.0', Unit: 'GBMo' },
        CalculatedSpend: { ActualSpend: { Amount: `${(i % 97) + 0.5}`, Unit: 'GBMo' } },
      });
      continue;
    }
    if (i % 20 === 13) {
      budgets.push({
        ...common,
        BudgetType: 'RI_UTILIZATION',
        CalculatedSpend: { ActualSpend: { Amount: '87.5', Unit: 'PERCENT' } },
      });
      continue;
    }
    const actual = `${((i * 37) % 10_000) + 0.456}${FLOAT_TAIL}`;
    const spend = {
      ActualSpend: { Amount: actual, Unit: 'USD' },
      ...(i % 5 === 0 ? {} : { ForecastedSpend: { Amount: `${((i * 53) % 20_000) + 0.125}${FLOAT_TAIL}`, Unit: 'USD' } }),
    };
    if (i % 10 === 3) {
      const planned: Record<string, { Amount: string; Unit: string }> = {};
      for (let month = -6; month < 6; month += 1) {
        planned[String(monthStartSeconds(now, -month))] = { Amount: `${1000 + month * 10}.0`, Unit: 'USD' };
      }
      budgets.push({ ...common, BudgetType: 'COST', PlannedBudgetLimits: planned, CalculatedSpend: spend });
    } else {
      budgets.push({
        ...common,
        BudgetType: 'COST',
        BudgetLimit: { Amount: `${1000 + (i % 50) * 100}.0`, Unit: 'USD' },
        CalculatedSpend: spend,
      });
    }
  }
  return budgets;
}

const SERVICES = [
  'AmazonEC2',
  'AmazonS3',
  'AWSLambda',
  'AmazonCloudWatch',
  'AmazonRDS',
  'AmazonDynamoDB',
  'AmazonVPC',
  'AWSDataTransfer',
  'AmazonRoute53',
  'AmazonSNS',
  'AmazonSQS',
  'AWSKMS',
  'AWSSecretsManager',
  'AmazonECR',
  'AmazonECS',
  'AmazonEKS',
  'AWSGlue',
  'AmazonAthena',
  'AmazonKinesis',
  'AmazonCloudFront',
  'AWSCloudTrail',
  'AWSConfig',
  'AmazonGuardDuty',
  'AWSBackup',
  'AmazonElastiCache',
  'AmazonES',
  'AmazonRedshift',
  'AmazonSageMaker',
  'AWSCostExplorer',
  'AmazonApiGateway',
  'AWSStepFunctions',
  'AmazonEFS',
  'AWSShield',
  'AWSWAF',
  'AmazonInspector',
  'AWSSystemsManager',
  'AmazonMSK',
  'AWSCodeBuild',
  'AWSCodePipeline',
  'AmazonLightsail',
];

/** Service names: the real ones first, then made-up ones, `count` in all. */
function serviceNames(count: number): string[] {
  const names = SERVICES.slice(0, count);
  for (let i = names.length; i < count; i += 1) names.push(`AWSService${String(i).padStart(3, '0')}`);
  return names;
}

/**
 * `count` distinct dimension sets as a payer account has them: the total, per service, per
 * linked account, then per linked account and service until the count is reached.
 */
export function makeBillingSeries(count: number): BillingSeriesSeed[] {
  const currency = { Name: 'Currency', Value: 'USD' };
  const serviceCount = 80;
  const linkedCount = Math.max(40, Math.ceil((count - 1 - serviceCount) / (serviceCount + 1)));
  const services = serviceNames(serviceCount);
  const linked = Array.from({ length: linkedCount }, (_, i) => String(100_000_000_000 + i * 7_919));
  const all: WireDimensions[] = [[currency]];
  for (const service of services) all.push([{ Name: 'ServiceName', Value: service }, currency]);
  for (const account of linked) all.push([{ Name: 'LinkedAccount', Value: account }, currency]);
  for (const account of linked) {
    for (const service of services) {
      all.push([{ Name: 'LinkedAccount', Value: account }, { Name: 'ServiceName', Value: service }, currency]);
    }
  }
  return all.slice(0, count).map((dimensions) => ({ dimensions }));
}

/** How many COST budgets `makeBudgets(count)` makes, and how many points (series) they give. */
export function expectedBudgetSeries(
  budgets: readonly Omit<WireBudget, 'CostTypes' | 'TimeUnit' | 'TimePeriod' | 'LastUpdatedTime'>[],
  now: Date,
): number {
  let points = 0;
  for (const budget of budgets) {
    if (budget.BudgetType !== 'COST') continue;
    points += 1; // actual spend
    if (budget.CalculatedSpend?.ForecastedSpend !== undefined) points += 1;
    if (budget.BudgetLimit !== undefined) points += 1;
    else if (Object.keys(budget.PlannedBudgetLimits ?? {}).some((key) => Number(key) <= now.getTime() / 1000)) points += 1;
  }
  return points;
}

/** The organization scenario's data, as the fake AWS takes it: made when asked for, not listed up front. */
export interface OrganizationDataset {
  readonly seed: Pick<FakeAwsSeed, 'organization' | 'budgets' | 'budgetsByAccount' | 'roleOf' | 'billingSeries'>;
  /** Accounts in the organization (every one ACTIVE), the management account first. */
  readonly accounts: number;
  readonly budgetsPerAccount: number;
  /** COST budget points (series) all accounts' budgets give. */
  readonly budgetPoints: number;
  /** The payer's `AWS/Billing` series: the total, per service, and per linked account. */
  readonly series: number;
}

/** Member ids: this plus the account's position (the management account, at 0, is the fake's own). */
const FIRST_MEMBER_ID = 200_000_000_000;
/** Members' budget lists: a few shared ones, so the fake holds eight lists, not one per account. */
const BUDGET_VARIANTS = 8;
const ORGANIZATION_SERVICES = 80;

/**
 * An organization of `accounts` accounts (the management account, which is the fake's own and
 * the function's, then members), each with `budgetsPerAccount` budgets, and the payer's
 * EstimatedCharges: the total, per service and per linked account (organization mode leaves the
 * linked account × service level off by default). Accounts are generated as ListAccounts pages
 * reach them; members' budgets are one of a few shared lists; every member's reader role exists.
 */
export function makeOrganization(accounts: number, budgetsPerAccount: number, memberRoleName: string, now: Date): OrganizationDataset {
  const variants = Array.from({ length: BUDGET_VARIANTS }, (_, v) =>
    makeBudgets(budgetsPerAccount * BUDGET_VARIANTS, now).slice(v * budgetsPerAccount, (v + 1) * budgetsPerAccount),
  );
  const idAt = (index: number): string => (index === 0 ? FAKE_ACCOUNT_ID : String(FIRST_MEMBER_ID + index));
  const indexOf = (id: string): number => {
    if (id === FAKE_ACCOUNT_ID) return 0;
    const index = Number(id) - FIRST_MEMBER_ID;
    return /^\d{12}$/.test(id) && Number.isInteger(index) && index > 0 && index < accounts ? index : -1;
  };
  // The management account has the first list; member `index` the list `index % BUDGET_VARIANTS`.
  const pointsOf = variants.map((variant) => expectedBudgetSeries(variant, now));
  let budgetPoints = pointsOf[0];
  for (let index = 1; index < accounts; index += 1) budgetPoints += pointsOf[index % BUDGET_VARIANTS];
  const currency = { Name: 'Currency', Value: 'USD' };
  const services = serviceNames(ORGANIZATION_SERVICES);
  // The payer's charges per linked account: made once here, as CloudWatch lists them (a few
  // small objects each; the fake pages them).
  const billingSeries: BillingSeriesSeed[] = [
    { dimensions: [currency] },
    ...services.map((service) => ({ dimensions: [{ Name: 'ServiceName', Value: service }, currency] })),
    ...Array.from({ length: accounts - 1 }, (_, i) => ({ dimensions: [{ Name: 'LinkedAccount', Value: idAt(i + 1) }, currency] })),
  ];
  const rolePattern = new RegExp(`^arn:aws:iam::(\\d{12}):role/${memberRoleName.replace(/[.+]/g, '\\$&')}$`);
  return {
    accounts,
    budgetsPerAccount,
    budgetPoints,
    series: billingSeries.length,
    seed: {
      organization: {
        accounts: {
          count: accounts,
          at: (index) => ({ Id: idAt(index), Name: index === 0 ? 'management' : `${TEAMS[index % TEAMS.length]} ${index}` }),
          indexOf,
        },
      },
      budgets: variants[0],
      budgetsByAccount: (id) => {
        const index = indexOf(id);
        return index > 0 ? variants[index % BUDGET_VARIANTS] : undefined;
      },
      roleOf: (arn) => {
        const match = rolePattern.exec(arn);
        return match !== null && indexOf(match[1]) > 0 ? { arn } : undefined;
      },
      billingSeries,
    },
  };
}

/** The Cost Explorer scenario's data, as the fake AWS takes it, and the groups its families answer. */
export interface CostExplorerDataset {
  readonly seed: Required<Pick<FakeAwsSeed, 'costExplorer'>>;
  /** Accounts with costs: the linked accounts and the payer. */
  readonly accounts: number;
  readonly services: number;
  /** Groups in every period of each `billing_scope` a family of `costGroupBy` answers with (every account uses every service every day). */
  readonly groups: { readonly service: number; readonly linked_account: number; readonly linked_account_service: number };
}

/** Cost Explorer's own service names (not CloudWatch's `ServiceName`), then made-up ones. */
const COST_EXPLORER_SERVICES = [
  'Amazon Elastic Compute Cloud - Compute',
  'EC2 - Other',
  'Amazon Simple Storage Service',
  'Amazon Relational Database Service',
  'AWS Lambda',
  'Amazon CloudWatch',
  'Amazon Virtual Private Cloud',
  'AWS Key Management Service',
];

/**
 * An organization's Cost Explorer: `linkedAccounts` member accounts and the payer (the fake's
 * own account), each with a cost every day of last month and this month to yesterday for each
 * of `services` services, forecast at a daily rate. Each account's and service's cost differs,
 * so a ranking keeps the same groups in every run; with one account more than `costMaxGroups`,
 * the `LINKED_ACCOUNT` family's smallest group goes to `other`.
 */
export function makeCostExplorerOrganization(linkedAccounts: number, services: number, now: Date): CostExplorerDataset {
  const names = Array.from({ length: services }, (_, i) => COST_EXPLORER_SERVICES[i] ?? `AWS Service ${String(i).padStart(3, '0')}`);
  // The payer first, then the members.
  const ids = [FAKE_ACCOUNT_ID, ...Array.from({ length: linkedAccounts }, (_, i) => String(FIRST_MEMBER_ID + i + 1))];
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const first = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1);
  const costs: CostRowSeed[] = [];
  for (let day = first; day < today; day += 86_400_000) {
    const date = new Date(day).toISOString().slice(0, 10);
    ids.forEach((accountId, a) => {
      names.forEach((service, s) => {
        // A long decimal tail, as Cost Explorer's amounts have; a credit now and then.
        const amount = (a + 1) * (s + 1) * 0.0137 + ((a * 31 + s * 7) % 13) * 0.000001;
        costs.push({ date, accountId, service, UnblendedCost: (a + s) % 17 === 0 ? -amount / 10 : amount });
      });
    });
  }
  return {
    seed: {
      costExplorer: {
        costs,
        forecast: { dailyMean: 1234.5678, spread: 0.15 },
        accountNames: Object.fromEntries(ids.map((id, a) => [id, a === 0 ? 'management' : `${TEAMS[a % TEAMS.length]} ${a}`])),
        today: new Date(today).toISOString().slice(0, 10),
      },
    },
    accounts: ids.length,
    services,
    groups: { service: services, linked_account: ids.length, linked_account_service: ids.length * services },
  };
}

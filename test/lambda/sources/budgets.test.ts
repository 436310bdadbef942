import {
  AccessDeniedException,
  BudgetsClient,
  DescribeBudgetsCommand,
  ThrottlingException,
  type Budget,
  type BudgetType,
  type Spend,
} from '@aws-sdk/client-budgets';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AccessDeniedError } from '../../../lambda/errors';
import { createLogger, type Logger } from '../../../lambda/log';
import type { CallCounter } from '../../../lambda/samples';
import { collectBudgets, currentPlannedLimit } from '../../../lambda/sources/budgets';

const ACCOUNT_ID = '123456789012';
const NOW = new Date('2024-03-15T12:00:00Z');
const budgetsMock = mockClient(BudgetsClient);

interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [field: string]: unknown;
}

function capturingLogger(): { log: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  return { log: createLogger('DEBUG', (line) => lines.push(JSON.parse(line) as LogLine)), lines };
}

const usd = (Amount: string): Spend => ({ Amount, Unit: 'USD' });
const epochSeconds = (iso: string): string => String(Date.parse(iso) / 1000);

function costBudget(overrides: Partial<Budget> = {}): Budget {
  return {
    BudgetName: 'Team A',
    BudgetType: 'COST',
    TimeUnit: 'MONTHLY',
    BudgetLimit: usd('1000.0'),
    CalculatedSpend: { ActualSpend: usd('604.4560000000000172803993336856365203857421875'), ForecastedSpend: usd('950.25') },
    ...overrides,
  };
}

function teamATags(overrides: Partial<Record<string, string>> = {}): (readonly [string, string])[] {
  const tags = { budget_name: 'Team A', budget_type: 'cost', time_unit: 'monthly', currency: 'usd', account_id: ACCOUNT_ID, ...overrides };
  return Object.entries(tags).map(([key, value]) => [key, value ?? ''] as const);
}

/** The alert levels every budget gets are tested with the thresholds (budget-thresholds.test.ts). */
const LEVELS: readonly string[] = ['budgetAlertLevel', 'budgetForecastAlertLevel'];

/** The budget's own points: spend, forecast and limit. */
async function collect(budgets: Budget[], options: { now?: Date; log?: Logger; calls?: CallCounter } = {}) {
  budgetsMock.on(DescribeBudgetsCommand).resolves({ Budgets: budgets });
  const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
    accountId: ACCOUNT_ID,
    now: options.now ?? NOW,
    log: options.log ?? capturingLogger().log,
    calls: options.calls ?? {},
  });
  return { ...result, samples: result.samples.filter((sample) => !LEVELS.includes(sample.metric)) };
}

beforeEach(() => {
  budgetsMock.reset();
});

describe('collectBudgets: paging', () => {
  it('reads 2,000 budgets over two pages of 1000, passing the NextToken back, in two counted calls', async () => {
    const page = (first: number): Budget[] =>
      Array.from({ length: 1000 }, (_, i) =>
        costBudget({ BudgetName: `budget-${first + i}`, CalculatedSpend: { ActualSpend: usd(String(first + i)) } }),
      );
    budgetsMock
      .on(DescribeBudgetsCommand)
      .resolvesOnce({ Budgets: page(0), NextToken: 'page-2' })
      .resolvesOnce({ Budgets: page(1000) });
    const calls: CallCounter = {};

    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: capturingLogger().log,
      calls,
    });

    expect(calls).toEqual({ DescribeBudgets: 2 });
    expect(budgetsMock).toHaveReceivedCommandTimes(DescribeBudgetsCommand, 2);
    expect(budgetsMock).toHaveReceivedNthCommandWith(DescribeBudgetsCommand, 1, {
      AccountId: ACCOUNT_ID,
      MaxResults: 1000,
      NextToken: undefined,
    });
    expect(budgetsMock).toHaveReceivedNthCommandWith(DescribeBudgetsCommand, 2, {
      AccountId: ACCOUNT_ID,
      MaxResults: 1000,
      NextToken: 'page-2',
    });
    const actual = result.samples.filter((sample) => sample.metric === 'actualSpend');
    expect(actual).toHaveLength(2000);
    expect(actual.map((sample) => sample.value)).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(result.samples.filter((sample) => sample.metric === 'budgetLimit')).toHaveLength(2000);
  });

  it('follows every NextToken in order until a page has none', async () => {
    budgetsMock
      .on(DescribeBudgetsCommand)
      .resolvesOnce({ Budgets: [costBudget({ BudgetName: 'one' })], NextToken: 'token-b' })
      .resolvesOnce({ Budgets: [], NextToken: 'token-c' })
      .resolvesOnce({ Budgets: [costBudget({ BudgetName: 'three' })] });
    const calls: CallCounter = {};

    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: capturingLogger().log,
      calls,
    });

    expect(calls).toEqual({ DescribeBudgets: 3 });
    expect(budgetsMock.commandCalls(DescribeBudgetsCommand).map((call) => call.args[0].input.NextToken)).toEqual([
      undefined,
      'token-b',
      'token-c',
    ]);
    expect(new Set(result.samples.map((sample) => sample.tags[0][1]))).toEqual(new Set(['one', 'three']));
  });

  it('asks for the budgets of the account it is given', async () => {
    await collect([costBudget()]);
    expect(budgetsMock).toHaveReceivedCommandExactlyOnceWith(DescribeBudgetsCommand, { AccountId: ACCOUNT_ID, MaxResults: 1000 });
  });
});

describe('collectBudgets: COST budgets', () => {
  it('turns a COST budget into actual spend, forecasted spend and limit with exact values and tags', async () => {
    const result = await collect([costBudget()]);
    expect(result).toEqual({
      samples: [
        { metric: 'actualSpend', value: 604.456, currency: 'USD', tags: teamATags() },
        { metric: 'forecastedSpend', value: 950.25, currency: 'USD', tags: teamATags() },
        { metric: 'budgetLimit', value: 1000, currency: 'USD', tags: teamATags() },
      ],
      skipped: {},
    });
  });

  it('sends no forecasted spend when AWS has no forecast, and warns about nothing', async () => {
    const { log, lines } = capturingLogger();
    const result = await collect([costBudget({ CalculatedSpend: { ActualSpend: usd('10') } })], { log });
    expect(result.samples.map((sample) => [sample.metric, sample.value])).toEqual([
      ['actualSpend', 10],
      ['budgetLimit', 1000],
    ]);
    expect(result.skipped).toEqual({});
    expect(lines).toEqual([]);
  });

  it('takes the current planned limit when the budget has no BudgetLimit', async () => {
    const planned = {
      [epochSeconds('2024-01-01T00:00:00Z')]: usd('100'),
      [epochSeconds('2024-02-01T00:00:00Z')]: usd('200'),
      [epochSeconds('2024-03-01T00:00:00Z')]: usd('300'),
      [epochSeconds('2024-04-01T00:00:00Z')]: usd('400'),
    };
    const result = await collect([costBudget({ BudgetLimit: undefined, PlannedBudgetLimits: planned })]);
    expect(result.samples.find((sample) => sample.metric === 'budgetLimit')).toEqual({
      metric: 'budgetLimit',
      value: 300,
      currency: 'USD',
      tags: teamATags(),
    });
  });

  it('moves to the next planned limit at the first second of the new month', async () => {
    const planned = {
      [epochSeconds('2024-03-01T00:00:00Z')]: usd('300'),
      [epochSeconds('2024-04-01T00:00:00Z')]: usd('400'),
    };
    const limitAt = async (iso: string): Promise<number | undefined> => {
      budgetsMock.reset();
      const result = await collect([costBudget({ BudgetLimit: undefined, PlannedBudgetLimits: planned })], { now: new Date(iso) });
      return result.samples.find((sample) => sample.metric === 'budgetLimit')?.value;
    };
    expect(await limitAt('2024-03-31T23:59:59Z')).toBe(300);
    expect(await limitAt('2024-04-01T00:00:00Z')).toBe(400);
  });

  it('prefers BudgetLimit over the planned limits when AWS gives both', async () => {
    const planned = { [epochSeconds('2024-03-01T00:00:00Z')]: usd('300') };
    const result = await collect([costBudget({ BudgetLimit: usd('333'), PlannedBudgetLimits: planned })]);
    expect(result.samples.find((sample) => sample.metric === 'budgetLimit')?.value).toBe(333);
  });

  it('sends no limit, and counts and warns of it, when the budget has neither a limit nor a planned limit in force', async () => {
    const { log, lines } = capturingLogger();
    const future = { [epochSeconds('2024-06-01T00:00:00Z')]: usd('600') };
    const result = await collect(
      [
        costBudget({ BudgetName: 'no limit', BudgetLimit: undefined }),
        costBudget({ BudgetName: 'starts in June', BudgetLimit: undefined, PlannedBudgetLimits: future }),
      ],
      { log },
    );
    expect(result.samples.filter((sample) => sample.metric === 'budgetLimit')).toEqual([]);
    expect(result.samples).toHaveLength(4);
    expect(result.skipped).toEqual({ no_current_limit: 2 });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        budgetName: 'no limit',
        field: 'PlannedBudgetLimits',
        message: 'Skipped a point of budget "no limit": PlannedBudgetLimits has no limit in force now',
      }),
      expect.objectContaining({
        level: 'WARN',
        budgetName: 'starts in June',
        field: 'PlannedBudgetLimits',
        message: 'Skipped a point of budget "starts in June": PlannedBudgetLimits has no limit in force now',
      }),
    ]);
  });

  describe('currencies', () => {
    const spend = (Amount: string, Unit?: string): Spend => (Unit === undefined ? ({ Amount } as Spend) : { Amount, Unit });

    it.each([
      { case: 'an empty limit Unit', limit: spend('100', ''), actual: usd('10'), field: 'BudgetLimit.Unit' },
      { case: 'a blank limit Unit', limit: spend('100', '  '), actual: usd('10'), field: 'BudgetLimit.Unit' },
      { case: 'no limit Unit', limit: spend('100'), actual: usd('10'), field: 'BudgetLimit.Unit' },
      {
        case: 'no actual spend Unit',
        limit: usd('100'),
        actual: spend('10'),
        field: 'CalculatedSpend.ActualSpend.Unit',
      },
    ])('skips a point with $case, counted as unknown_currency, and never labels it USD', async ({ limit, actual, field }) => {
      const { log, lines } = capturingLogger();
      const result = await collect([costBudget({ BudgetLimit: limit, CalculatedSpend: { ActualSpend: actual } })], { log });
      expect(result.samples).toHaveLength(1);
      expect(result.samples[0]).toEqual(expect.objectContaining({ currency: 'USD', tags: teamATags() }));
      expect(result.skipped).toEqual({ unknown_currency: 1 });
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'WARN',
          field,
          message: `Skipped a point of budget "Team A": ${field} is missing or empty: currency unknown`,
        }),
      ]);
    });

    it('skips an actual spend or forecast in another currency than the limit, counted as currency_mismatch', async () => {
      const { log, lines } = capturingLogger();
      const result = await collect(
        [
          costBudget({
            BudgetLimit: spend('100', 'EUR'),
            CalculatedSpend: { ActualSpend: usd('10'), ForecastedSpend: spend('20', 'eur') },
          }),
        ],
        { log },
      );
      expect(result.samples).toEqual([
        { metric: 'forecastedSpend', value: 20, currency: 'eur', tags: teamATags({ currency: 'eur' }) },
        { metric: 'budgetLimit', value: 100, currency: 'EUR', tags: teamATags({ currency: 'eur' }) },
      ]);
      expect(result.skipped).toEqual({ currency_mismatch: 1 });
      expect(lines).toEqual([
        expect.objectContaining({
          field: 'CalculatedSpend.ActualSpend.Unit',
          message: `Skipped a point of budget "Team A": CalculatedSpend.ActualSpend.Unit is "USD", the limit's is "EUR"`,
        }),
      ]);
    });

    it('labels each spend with its own currency when the budget has no limit to compare it with', async () => {
      const result = await collect([
        costBudget({ BudgetLimit: undefined, CalculatedSpend: { ActualSpend: spend('10', 'JPY'), ForecastedSpend: usd('20') } }),
      ]);
      expect(result.samples.map((sample) => [sample.metric, sample.currency])).toEqual([
        ['actualSpend', 'JPY'],
        ['forecastedSpend', 'USD'],
      ]);
    });
  });

  it.each([
    { timeUnit: 'DAILY', tag: 'daily' },
    { timeUnit: 'MONTHLY', tag: 'monthly' },
    { timeUnit: 'QUARTERLY', tag: 'quarterly' },
    { timeUnit: 'ANNUALLY', tag: 'annually' },
    { timeUnit: 'CUSTOM', tag: 'custom' },
  ] as const)('tags a $timeUnit budget with time_unit $tag', async ({ timeUnit, tag }) => {
    const result = await collect([costBudget({ TimeUnit: timeUnit })]);
    expect(result.samples.map((sample) => sample.tags)).toEqual([
      teamATags({ time_unit: tag }),
      teamATags({ time_unit: tag }),
      teamATags({ time_unit: tag }),
    ]);
  });

  it('tags the currency from the amounts, lowercased, and keeps the ISO code on the sample', async () => {
    const eur = (Amount: string): Spend => ({ Amount, Unit: 'EUR' });
    const result = await collect([costBudget({ BudgetLimit: eur('500'), CalculatedSpend: { ActualSpend: eur('12') } })]);
    expect(result.samples).toEqual([
      { metric: 'actualSpend', value: 12, currency: 'EUR', tags: teamATags({ currency: 'eur' }) },
      { metric: 'budgetLimit', value: 500, currency: 'EUR', tags: teamATags({ currency: 'eur' }) },
    ]);
  });

  it("keeps the budget name raw: normalization is the Datadog layer's job", async () => {
    const result = await collect([costBudget({ BudgetName: 'Prod / EC2 (Team Ü)' })]);
    expect(result.samples[0].tags[0]).toEqual(['budget_name', 'Prod / EC2 (Team Ü)']);
  });

  it('sends credits: a negative actual spend is a point like any other', async () => {
    const result = await collect([costBudget({ CalculatedSpend: { ActualSpend: usd('-12.5') } })]);
    expect(result.samples[0]).toMatchObject({ metric: 'actualSpend', value: -12.5 });
  });
});

describe('collectBudgets: budgets that are not money', () => {
  it.each<BudgetType>(['USAGE', 'RI_UTILIZATION', 'RI_COVERAGE', 'SAVINGS_PLANS_UTILIZATION', 'SAVINGS_PLANS_COVERAGE'])(
    'counts a %s budget as not_a_cost_budget and sends nothing for it',
    async (type) => {
      const result = await collect([
        costBudget({ BudgetName: 'not money', BudgetType: type, BudgetLimit: { Amount: '80', Unit: 'PERCENTAGE' } }),
      ]);
      expect(result).toEqual({ samples: [], skipped: { not_a_cost_budget: 1 } });
    },
  );

  it('counts every skipped budget and still sends the COST ones beside them', async () => {
    const result = await collect([
      costBudget({ BudgetName: 'hours', BudgetType: 'USAGE' }),
      costBudget(),
      costBudget({ BudgetName: 'ri', BudgetType: 'RI_COVERAGE' }),
    ]);
    expect(result.skipped).toEqual({ not_a_cost_budget: 2 });
    expect(result.samples.map((sample) => sample.tags[0][1])).toEqual(['Team A', 'Team A', 'Team A']);
  });
});

describe('collectBudgets: unusable amounts', () => {
  it.each([
    {
      field: 'CalculatedSpend.ActualSpend',
      budget: costBudget({ CalculatedSpend: { ActualSpend: usd(''), ForecastedSpend: usd('2') } }),
      problem: 'is empty',
      kept: ['forecastedSpend', 'budgetLimit'],
    },
    {
      field: 'CalculatedSpend.ActualSpend',
      budget: costBudget({ CalculatedSpend: { ActualSpend: usd('NaN') } }),
      problem: 'is not a decimal number ("NaN")',
      kept: ['budgetLimit'],
    },
    {
      field: 'CalculatedSpend.ForecastedSpend',
      budget: costBudget({ CalculatedSpend: { ActualSpend: usd('1'), ForecastedSpend: usd('Infinity') } }),
      problem: 'is not a decimal number ("Infinity")',
      kept: ['actualSpend', 'budgetLimit'],
    },
    {
      field: 'CalculatedSpend.ForecastedSpend',
      budget: costBudget({ CalculatedSpend: { ActualSpend: usd('1'), ForecastedSpend: usd('1e309') } }),
      problem: 'is out of range ("1e309")',
      kept: ['actualSpend', 'budgetLimit'],
    },
    {
      field: 'BudgetLimit',
      budget: costBudget({ BudgetLimit: usd('abc') }),
      problem: 'is not a decimal number ("abc")',
      kept: ['actualSpend', 'forecastedSpend'],
    },
    {
      field: 'PlannedBudgetLimits',
      budget: costBudget({ BudgetLimit: undefined, PlannedBudgetLimits: { [epochSeconds('2024-03-01T00:00:00Z')]: usd('  ') } }),
      problem: 'is empty',
      kept: ['actualSpend', 'forecastedSpend'],
    },
  ])(
    'skips only the point whose $field $problem, with a warning naming the budget and the field',
    async ({ field, budget, problem, kept }) => {
      const { log, lines } = capturingLogger();
      const result = await collect([budget], { log });
      expect(result.samples.map((sample) => sample.metric)).toEqual(kept);
      expect(result.skipped).toEqual({ invalid_amount: 1 });
      expect(lines).toEqual([
        expect.objectContaining({
          level: 'WARN',
          message: `Skipped a point of budget "Team A": ${field} ${problem}`,
          budgetName: 'Team A',
          field,
        }),
      ]);
    },
  );

  it('never hands on NaN or Infinity', async () => {
    const result = await collect([
      costBudget({
        BudgetName: 'a',
        CalculatedSpend: { ActualSpend: usd('NaN'), ForecastedSpend: usd('-Infinity') },
        BudgetLimit: usd('1e400'),
      }),
    ]);
    expect(result.samples).toEqual([]);
    expect(result.skipped).toEqual({ invalid_amount: 3 });
  });

  it('skips the actual spend with a warning when the budget has no CalculatedSpend, and still sends its limit', async () => {
    const { log, lines } = capturingLogger();
    const result = await collect([costBudget({ CalculatedSpend: undefined })], { log });
    expect(result.samples).toEqual([{ metric: 'budgetLimit', value: 1000, currency: 'USD', tags: teamATags() }]);
    expect(result.skipped).toEqual({ invalid_amount: 1 });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'WARN',
        message: 'Skipped a point of budget "Team A": CalculatedSpend.ActualSpend is missing',
        field: 'CalculatedSpend.ActualSpend',
      }),
    ]);
  });
});

describe('collectBudgets: empty accounts and errors', () => {
  it.each([
    { name: 'an empty list', response: { Budgets: [] } },
    { name: 'no Budgets field', response: {} },
  ])('logs one informational line and returns nothing when the account has no budgets ($name)', async ({ response }) => {
    budgetsMock.on(DescribeBudgetsCommand).resolves(response);
    const { log, lines } = capturingLogger();
    const result = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), { accountId: ACCOUNT_ID, now: NOW, log, calls: {} });
    expect(result).toEqual({ samples: [], skipped: {} });
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'INFO',
        message: 'The account has no budgets; nothing to send from AWS Budgets',
        accountId: ACCOUNT_ID,
      }),
    ]);
  });

  it('does not log the no-budgets line when the account has only budgets that are not money', async () => {
    const { log, lines } = capturingLogger();
    await collect([costBudget({ BudgetType: 'USAGE' })], { log });
    expect(lines).toEqual([]);
  });

  it('turns AccessDeniedException into an AccessDeniedError naming budgets:ViewBudget, and still counts the call', async () => {
    const denied = new AccessDeniedException({
      message: 'User: arn:aws:sts::123456789012:assumed-role/x is not authorized',
      $metadata: {},
    });
    budgetsMock.on(DescribeBudgetsCommand).rejects(denied);
    const calls: CallCounter = {};

    const error = await collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
      accountId: ACCOUNT_ID,
      now: NOW,
      log: capturingLogger().log,
      calls,
    }).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(AccessDeniedError);
    expect((error as AccessDeniedError).action).toBe('budgets:ViewBudget');
    expect((error as AccessDeniedError).message).toContain('the function\'s role needs the IAM permission "budgets:ViewBudget"');
    expect((error as AccessDeniedError).cause).toBe(denied);
    expect(calls).toEqual({ DescribeBudgets: 1 });
  });

  it('lets any other AWS error through unchanged', async () => {
    const throttled = new ThrottlingException({ message: 'Rate exceeded', $metadata: {} });
    budgetsMock.on(DescribeBudgetsCommand).rejects(throttled);
    await expect(
      collectBudgets(new BudgetsClient({ region: 'us-east-1' }), {
        accountId: ACCOUNT_ID,
        now: NOW,
        log: capturingLogger().log,
        calls: {},
      }),
    ).rejects.toBe(throttled);
  });
});

describe('currentPlannedLimit', () => {
  const jan = epochSeconds('2024-01-01T00:00:00Z');
  const feb = epochSeconds('2024-02-01T00:00:00Z');
  const mar = epochSeconds('2024-03-01T00:00:00Z');
  const apr = epochSeconds('2024-04-01T00:00:00Z');
  const year = { [jan]: usd('1'), [feb]: usd('2'), [mar]: usd('3'), [apr]: usd('4') };
  const shuffled = { [apr]: usd('4'), [jan]: usd('1'), [mar]: usd('3'), [feb]: usd('2') };

  it.each([
    { case: 'no planned limits', planned: undefined, now: '2024-03-15T00:00:00Z', expected: undefined },
    { case: 'an empty map', planned: {}, now: '2024-03-15T00:00:00Z', expected: undefined },
    { case: 'mid-March', planned: year, now: '2024-03-15T00:00:00Z', expected: '3' },
    { case: 'keys in any order', planned: shuffled, now: '2024-03-15T00:00:00Z', expected: '3' },
    { case: 'a key exactly at now', planned: year, now: '2024-03-01T00:00:00Z', expected: '3' },
    { case: 'one second before a key', planned: year, now: '2024-02-29T23:59:59Z', expected: '2' },
    { case: 'after the last key', planned: year, now: '2025-01-15T00:00:00Z', expected: '4' },
    { case: 'before the first key', planned: year, now: '2023-12-31T23:59:59Z', expected: undefined },
    { case: 'only future keys', planned: { [apr]: usd('4') }, now: '2024-03-15T00:00:00Z', expected: undefined },
    { case: 'a key that is not a number', planned: { [feb]: usd('2'), later: usd('9') }, now: '2024-03-15T00:00:00Z', expected: '2' },
  ])('picks the newest key not after now: $case -> $expected', ({ planned, now, expected }) => {
    expect(currentPlannedLimit(planned, new Date(now))?.Amount).toBe(expected);
  });

  it('returns the entry itself, unit included', () => {
    expect(currentPlannedLimit({ [mar]: { Amount: '3', Unit: 'EUR' } }, new Date('2024-03-02T00:00:00Z'))).toEqual({
      Amount: '3',
      Unit: 'EUR',
    });
  });
});

/**
 * The one price table against the docs: every price README.md and docs/*.md state is parsed out
 * of them and held against AWS_PRICES, so a price changed in one place and not the other fails.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AWS_PRICES, HOURS_PER_MONTH, OPERATION_PRICES, cost, perRunLine, totalUsd, type Price } from '../../cli/cost-model';

/** Every price of the cost model: its own, and the sources' operations', by operation name. */
const PRICES: Readonly<Record<string, Price>> = {
  ...AWS_PRICES,
  ...Object.fromEntries(Object.entries(OPERATION_PRICES).map(([name, { price }]) => [name, price])),
};

type PriceKey = string;

const ROOT = join(__dirname, '..', '..');
const DOCS = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The words that name an item in the docs, and the price that item is billed at. */
const ITEM_WORDS: readonly [RegExp, PriceKey][] = [
  [/GetMetricData/g, 'GetMetricData'],
  [/ListMetrics/g, 'ListMetrics'],
  [/DescribeBudgets/g, 'DescribeBudgets'],
  [/GetSecretValue|Secrets Manager API/g, 'secretsManagerCalls'],
  [/Lambda requests/g, 'lambdaRequests'],
  [/GB-s/g, 'lambdaArmGbSeconds'],
];

/** The item named last before `at` in the text: the one a price statement there is about. */
function itemBefore(text: string, at: number): PriceKey | undefined {
  let best: { index: number; key: PriceKey } | undefined;
  for (const [words, key] of ITEM_WORDS) {
    for (const match of text.slice(0, at).matchAll(words)) {
      if (best === undefined || match.index > best.index) best = { index: match.index, key };
    }
  }
  return best?.key;
}

interface Statement {
  /** `file:line`. */
  readonly where: string;
  readonly text: string;
  readonly key: PriceKey | undefined;
  /** The price as stated, or what the statement implies the table must give. */
  readonly stated: number;
  readonly expected: (prices: Readonly<Record<PriceKey, Price>>) => number;
}

const usdOf = (price: Price): number => price.usd / price.per;

/** Every price statement in one document. */
function statements(file: string): Statement[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const where = (index: number): string => `${file}:${text.slice(0, index).split('\n').length}`;
  const found: Statement[] = [];
  const add = (pattern: RegExp, read: (match: RegExpMatchArray) => Omit<Statement, 'where' | 'text'>): void => {
    for (const match of text.matchAll(pattern))
      found.push({ where: where(match.index ?? 0), text: match[0].replace(/\s+/g, ' '), ...read(match) });
  };
  const amount = (digits: string): number => Number(digits.replace(/,/g, ''));
  // "$0.01 per 1,000 requests", "$0.05 / 10,000": a rate, about the item named last before it.
  add(/\$(\d+(?:\.\d+)?) (?:per|\/) ([\d,]+)/g, (match) => {
    const key = itemBefore(text, match.index ?? 0);
    return { key, stated: amount(match[1]) / amount(match[2]), expected: (prices) => (key === undefined ? NaN : usdOf(prices[key])) };
  });
  // The JSON output: "price": { "usd": 0.01, "per": 1000 }.
  add(/"price": \{\s*"usd": ([\d.]+),\s*"per": (\d+)/g, (match) => {
    const key = itemBefore(text, match.index ?? 0);
    return { key, stated: amount(match[1]) / amount(match[2]), expected: (prices) => (key === undefined ? NaN : usdOf(prices[key])) };
  });
  // The secret's storage: "$0.40 for the secret", "1 secret × $0.40/month", "the secret $0.40".
  add(/\$(\d+\.\d+) for the secret|secret × \$(\d+\.\d+)\/month|the secret \$(\d+\.\d+)/g, (match) => ({
    key: 'secretStorage',
    stated: amount(match[1] ?? match[2] ?? match[3]),
    expected: (prices) => prices.secretStorage.usd,
  }));
  // "3 alarm metrics (...): $0.30", a total.
  add(/(\d+) alarm metrics[^$\n×]*\$(\d+\.\d+)/g, (match) => ({
    key: 'alarmMetrics',
    stated: amount(match[2]),
    expected: (prices) => amount(match[1]) * prices.alarmMetrics.usd,
  }));
  // "3 alarm metrics × $0.10/month = $0.30", estimate's arithmetic: the price, then the total.
  add(/(\d+) alarm metrics × \$(\d+\.\d+)\/month = \$(\d+\.\d+)/g, (match) => ({
    key: 'alarmMetrics',
    stated: amount(match[2]) + amount(match[3]),
    expected: (prices) => prices.alarmMetrics.usd + amount(match[1]) * prices.alarmMetrics.usd,
  }));
  // "$0.0073 × M": GetMetricData for one series a month at the hourly default.
  add(/\$(\d+\.\d+) × M\b/g, (match) => ({
    key: 'GetMetricData',
    stated: amount(match[1]),
    expected: (prices) => cost(HOURS_PER_MONTH, prices.GetMetricData),
  }));
  return found;
}

const ALL = DOCS.flatMap(statements);

describe('the docs and the price table', () => {
  it('finds the prices of docs/cost.md in the docs (the parser reads what it should)', () => {
    const keys = new Set(ALL.map((statement) => statement.key));
    for (const key of ['GetMetricData', 'ListMetrics', 'secretsManagerCalls', 'secretStorage', 'alarmMetrics']) expect(keys).toContain(key);
  });

  it.each(ALL.map((statement) => [statement.where, statement.text, statement] as const))(
    '%s states "%s", which is the table\'s price',
    (_where, _text, statement) => {
      expect(statement.key, 'no item named before this price: say which item it is for').toBeDefined();
      expect(statement.stated).toBeCloseTo(statement.expected(PRICES), 10);
    },
  );

  it('would fail for a table price the docs no longer match', () => {
    const raised = { ...PRICES, GetMetricData: { usd: 0.02, per: 1_000 } };
    const getMetricData = ALL.filter((statement) => statement.key === 'GetMetricData');

    expect(getMetricData.length).toBeGreaterThan(0);
    for (const statement of getMetricData) expect(statement.stated).not.toBeCloseTo(statement.expected(raised), 10);
  });
});

describe('perRunLine', () => {
  it.each([
    {
      perRun: 45,
      units: { one: 'metric', many: 'metrics' },
      price: PRICES.GetMetricData,
      arithmetic: '45 metrics/run × 730 runs = 32,850 metrics × $0.01 / 1,000 = $0.329',
    },
    {
      perRun: 1,
      units: { one: 'call', many: 'calls' },
      price: AWS_PRICES.secretsManagerCalls,
      arithmetic: '1 call/run × 730 runs = 730 calls × $0.05 / 10,000 = $0.00365',
    },
  ])('writes the arithmetic out: $arithmetic', ({ perRun, units, price, arithmetic }) => {
    expect(perRunLine('item', perRun, 730, units, price).arithmetic).toBe(arithmetic);
  });
});

describe('totalUsd', () => {
  it('adds the lines without float noise', () => {
    const lines = [0.1, 0.2].map((usd) => perRunLine('item', usd, 1, { one: 'unit', many: 'units' }, { usd: 1, per: 1 }));
    expect(totalUsd(lines)).toBe(0.3);
  });
});

import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MAX_TAG_LENGTH, normalizeTag, shortHash, TagNormalizer } from '../../../lambda/datadog/tags';

/** Six hex characters of the SHA-256 of the raw value, computed here independently of the code. */
const hash6 = (raw: string): string => createHash('sha256').update(raw, 'utf8').digest('hex').slice(0, 6);

type RawTags = (readonly [string, string])[];
const budgetTags = (name: string, timeUnit = 'monthly'): RawTags => [
  ['budget_name', name],
  ['budget_type', 'cost'],
  ['time_unit', timeUnit],
  ['currency', 'usd'],
  ['account_id', '123456789012'],
];
const normalizedBudgetTags = (name: string, timeUnit = 'monthly'): string[] => [
  `budget_name:${name}`,
  'budget_type:cost',
  `time_unit:${timeUnit}`,
  'currency:usd',
  'account_id:123456789012',
];

describe('normalizeTag', () => {
  it.each([
    // Case and spaces
    ['Team:Billing', 'team:billing'],
    ['budget_name:Team A', 'budget_name:team_a'],
    ['budget_name:TEAM   A', 'budget_name:team_a'],
    ['currency:USD', 'currency:usd'],
    // Unicode letters are kept
    ['budget_name:Café', 'budget_name:café'],
    ['region:日本', 'region:日本'],
    ['name:Ünïcödé', 'name:ünïcödé'],
    ['name:Data🐨dog🐶 繋がっ⛰てて', 'name:data_dog_繋がっ_てて'],
    // Allowed punctuation is kept
    ['path:/a/b.c-d_e', 'path:/a/b.c-d_e'],
    ['servicename:Amazon Elastic Compute Cloud - Compute', 'servicename:amazon_elastic_compute_cloud_-_compute'],
    ['env:staging:east', 'env:staging:east'],
    // Other punctuation becomes one "_" per run
    ['name:a!!b??c', 'name:a_b_c'],
    ['name:a (b) [c]', 'name:a_b_c'],
    ['Test Conversion Of Weird !@#$%^&**() Characters', 'test_conversion_of_weird_characters'],
    ['name:a,b;c=d', 'name:a_b_c_d'],
    // Leading characters until a letter are dropped
    ['123abc', 'abc'],
    ['__abc', 'abc'],
    ['_1_a', 'a'],
    [' #hashtag!@#spaces #__<>#  ', 'hashtag_spaces'],
    ['$#weird_starting', 'weird_starting'],
    ['1love', 'love'],
    // The tail is trimmed of "_" and ":"
    ['foo_', 'foo'],
    ['foo:', 'foo'],
    ['foo_:_', 'foo'],
    ['foo!!', 'foo'],
    ['budget_name:', 'budget_name'],
    ['budget_name:!!!', 'budget_name'],
    // Nothing valid left
    ['', ''],
    ['   ', ''],
    ['123', ''],
    ['!!!', ''],
    ['🐨🐶', ''],
  ])('normalizes %j to %j', (raw, expected) => {
    expect(normalizeTag(raw)).toBe(expected);
  });

  // Datadog's rules for metric tags (docs.datadoghq.com/developers/guide/what-best-practices-are-
  // recommended-for-naming-metrics-and-tags): "Contiguous underscores are reduced to a single
  // underscore", whether they came from converted characters or were in the raw tag.
  it.each([
    ['contiguous_____underscores', 'contiguous_underscores'],
    ['budget_name:team__a', 'budget_name:team_a'],
    ['name:a _b', 'name:a_b'],
    ['name:a_ b', 'name:a_b'],
    ['fun:ky__tag/1', 'fun:ky_tag/1'],
  ])('reduces contiguous underscores in %j to one, as Datadog does: %j', (raw, expected) => {
    expect(normalizeTag(raw)).toBe(expected);
  });

  it.each([
    { case: 'ASCII', raw: 'a'.repeat(250), expected: 'a'.repeat(200) },
    { case: 'accented letters, counted as characters, not bytes', raw: 'é'.repeat(250), expected: 'é'.repeat(200) },
    { case: 'CJK letters', raw: `x${'日'.repeat(300)}`, expected: `x${'日'.repeat(199)}` },
    { case: 'letters outside the BMP, counted as one character each', raw: '𝒜'.repeat(201), expected: '𝒜'.repeat(200) },
    { case: 'a cut that ends on "_", trimmed after the cut', raw: `${'a'.repeat(199)} b`, expected: 'a'.repeat(199) },
    { case: 'exactly 200 characters, unchanged', raw: 'b'.repeat(200), expected: 'b'.repeat(200) },
  ])('cuts a tag at 200 characters: $case', ({ raw, expected }) => {
    const tag = normalizeTag(raw);
    expect(tag).toBe(expected);
    expect(Array.from(tag).length).toBeLessThanOrEqual(MAX_TAG_LENGTH);
  });

  it('returns a tag that normalizes to itself', () => {
    for (const raw of ['budget_name:Team A', 'x:Data🐨dog🐶 繋がっ⛰てて', `${'a'.repeat(199)} b`, 'a_:_b']) {
      const once = normalizeTag(raw);
      expect(normalizeTag(once)).toBe(once);
    }
  });
});

describe('shortHash', () => {
  it('is the first six hex characters of the SHA-256 of the raw value', () => {
    expect(shortHash('Team_A')).toBe(hash6('Team_A'));
    expect(shortHash('Team_A')).toMatch(/^[0-9a-f]{6}$/);
    expect(shortHash('team a')).not.toBe(shortHash('Team_A'));
  });
});

describe('TagNormalizer', () => {
  it('normalizes every tag of a series, in order', () => {
    const normalizer = new TagNormalizer();
    expect(normalizer.tags(budgetTags('Team A'))).toEqual(normalizedBudgetTags('team_a'));
    expect(normalizer.warnings).toEqual([]);
  });

  it('gives the same raw tags the same normalized tags every time, with no warning', () => {
    const normalizer = new TagNormalizer();
    const first = normalizer.tags(budgetTags('team a'));
    const second = normalizer.tags(budgetTags('team a'));
    const third = normalizer.tags(budgetTags('team a'));
    expect(second).toEqual(first);
    expect(third).toEqual(first);
    expect(normalizer.warnings).toEqual([]);
  });

  it('keeps "team a" and "Team_A" apart: the later gets "_" and a 6-hex hash of its raw name, with one warning', () => {
    const normalizer = new TagNormalizer();
    const first = normalizer.tags(budgetTags('team a'));
    const second = normalizer.tags(budgetTags('Team_A'));

    expect(first).toEqual(normalizedBudgetTags('team_a'));
    expect(second).toEqual(normalizedBudgetTags(`team_a_${hash6('Team_A')}`));
    expect(second[0]).toMatch(/^budget_name:team_a_[0-9a-f]{6}$/);
    expect(normalizer.warnings).toHaveLength(1);
    expect(normalizer.warnings[0]).toContain('budget_name "Team_A"');
    expect(normalizer.warnings[0]).toContain('"team a"');
    expect(normalizer.warnings[0]).toContain(`budget_name:team_a_${hash6('Team_A')}`);
  });

  it('gives every later series of the renamed value the same renamed tag, warning only once', () => {
    const normalizer = new TagNormalizer();
    normalizer.tags(budgetTags('team a'));
    const renamed = normalizer.tags(budgetTags('Team_A'));
    // The forecast and the limit of the same budget come next.
    expect(normalizer.tags(budgetTags('Team_A'))).toEqual(renamed);
    expect(normalizer.tags(budgetTags('Team_A'))).toEqual(renamed);
    // And the first budget keeps its plain tag.
    expect(normalizer.tags(budgetTags('team a'))).toEqual(normalizedBudgetTags('team_a'));
    expect(normalizer.warnings).toHaveLength(1);
  });

  it('gives a third colliding name its own hash', () => {
    const normalizer = new TagNormalizer();
    normalizer.tags(budgetTags('team a'));
    const second = normalizer.tags(budgetTags('Team_A'));
    const third = normalizer.tags(budgetTags('TEAM A!'));
    expect(third[0]).toBe(`budget_name:team_a_${hash6('TEAM A!')}`);
    expect(third[0]).not.toBe(second[0]);
    expect(normalizer.warnings).toHaveLength(2);
  });

  it('keeps "team_a" and "team__a" apart, since Datadog stores both as budget_name:team_a', () => {
    const normalizer = new TagNormalizer();
    const first = normalizer.tags(budgetTags('team_a'));
    const second = normalizer.tags(budgetTags('team__a'));
    expect(first[0]).toBe('budget_name:team_a');
    expect(second[0]).toBe(`budget_name:team_a_${hash6('team__a')}`);
    expect(normalizer.warnings).toHaveLength(1);
  });

  it('does not rename two budgets with the same normalized name when their other tags already tell them apart', () => {
    const normalizer = new TagNormalizer();
    expect(normalizer.tags(budgetTags('team a', 'monthly'))).toEqual(normalizedBudgetTags('team_a', 'monthly'));
    expect(normalizer.tags(budgetTags('Team_A', 'quarterly'))).toEqual(normalizedBudgetTags('team_a', 'quarterly'));
    expect(normalizer.warnings).toEqual([]);
  });

  it('keeps a renamed tag within 200 characters', () => {
    const normalizer = new TagNormalizer();
    const long = 'x'.repeat(250);
    normalizer.tags([['budget_name', long]]);
    const [renamed] = normalizer.tags([['budget_name', long.toUpperCase()]]);
    expect(Array.from(renamed).length).toBe(MAX_TAG_LENGTH);
    expect(renamed.endsWith(`_${hash6(long.toUpperCase())}`)).toBe(true);
  });
});

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
  const series = (tags: RawTags, metric = 'actualSpend') => ({ metric, tags });

  /** The budget_name tag each budget gets when the run holds exactly these budgets, and the warnings. */
  function budgetNameTags(...names: string[]): { tags: Record<string, string>; warnings: string[] } {
    const normalizer = new TagNormalizer(names.map((name) => series(budgetTags(name))));
    return { tags: Object.fromEntries(names.map((name) => [name, normalizer.tags(budgetTags(name))[0]])), warnings: normalizer.warnings };
  }

  it('normalizes every tag of a series, in order', () => {
    const normalizer = new TagNormalizer([series(budgetTags('Team A'))]);
    expect(normalizer.tags(budgetTags('Team A'))).toEqual(normalizedBudgetTags('team_a'));
    expect(normalizer.warnings).toEqual([]);
  });

  it('gives the same raw tags the same normalized tags every time, with no warning', () => {
    const normalizer = new TagNormalizer([series(budgetTags('team a')), series(budgetTags('team a'), 'forecastedSpend'), series(budgetTags('team a'), 'budgetLimit')]);
    const first = normalizer.tags(budgetTags('team a'));
    expect(normalizer.tags(budgetTags('team a'))).toEqual(first);
    expect(normalizer.tags(budgetTags('team a'))).toEqual(first);
    expect(normalizer.warnings).toEqual([]);
  });

  it('leaves the tag of "team_a" unchanged when "Team A" is created beside it: the new budget gets a hash of its own name', () => {
    const alone = budgetNameTags('team_a');
    const beside = budgetNameTags('team_a', 'Team A');

    expect(alone.tags.team_a).toBe('budget_name:team_a');
    expect(beside.tags.team_a).toBe('budget_name:team_a');
    expect(beside.tags['Team A']).toBe(`budget_name:team_a_${hash6('Team A')}`);
    expect(beside.warnings).toEqual([
      `budget_name "Team A" normalizes to the same Datadog tag as "team_a" (budget_name:team_a); sent as budget_name:team_a_${hash6('Team A')}` +
        ': only a value already in Datadog form keeps the plain tag',
    ]);
  });

  it('chooses the same tags whatever order the budgets are listed in', () => {
    const names = ['Team A', 'team_a', 'TEAM A!', 'team__a', 'Other'];
    const expected = budgetNameTags(...names).tags;
    for (const order of [[...names].reverse(), ['team__a', 'Other', 'team_a', 'TEAM A!', 'Team A'], ['TEAM A!', 'Team A', 'team__a', 'team_a', 'Other']]) {
      expect(budgetNameTags(...order).tags).toEqual(expected);
    }
    expect(expected).toEqual({
      team_a: 'budget_name:team_a',
      'Team A': `budget_name:team_a_${hash6('Team A')}`,
      'TEAM A!': `budget_name:team_a_${hash6('TEAM A!')}`,
      team__a: `budget_name:team_a_${hash6('team__a')}`,
      Other: 'budget_name:other',
    });
  });

  it('gives every colliding name a hash of its own when none is in normalized form, and keeps a name that collides with none plain', () => {
    const { tags, warnings } = budgetNameTags('team a', 'Team_A', 'Team B');
    expect(tags).toEqual({
      'team a': `budget_name:team_a_${hash6('team a')}`,
      Team_A: `budget_name:team_a_${hash6('Team_A')}`,
      'Team B': 'budget_name:team_b',
    });
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('budget_name "team a" normalizes to the same Datadog tag as "Team_A"');
  });

  it('warns once per renamed value, however many series carry it', () => {
    const normalizer = new TagNormalizer([
      series(budgetTags('team_a')),
      series(budgetTags('Team A')),
      series(budgetTags('Team A'), 'forecastedSpend'),
      series(budgetTags('Team A'), 'budgetLimit'),
    ]);
    expect(normalizer.tags(budgetTags('Team A'))).toEqual(normalizedBudgetTags(`team_a_${hash6('Team A')}`));
    expect(normalizer.warnings).toHaveLength(1);
  });

  it('keeps "team_a" and "team__a" apart, since Datadog stores both as budget_name:team_a', () => {
    const { tags } = budgetNameTags('team__a', 'team_a');
    expect(tags).toEqual({ team_a: 'budget_name:team_a', team__a: `budget_name:team_a_${hash6('team__a')}` });
  });

  it('keeps two budgets apart even when their other tags differ: on one metric, one budget_name tag names one budget', () => {
    const normalizer = new TagNormalizer([series(budgetTags('team_a', 'monthly')), series(budgetTags('Team A', 'quarterly'))]);
    expect(normalizer.tags(budgetTags('team_a', 'monthly'))).toEqual(normalizedBudgetTags('team_a', 'monthly'));
    expect(normalizer.tags(budgetTags('Team A', 'quarterly'))).toEqual(normalizedBudgetTags(`team_a_${hash6('Team A')}`, 'quarterly'));
  });

  it('gives a renamed value its renamed tag on every metric, even one where it collides with nothing', () => {
    const normalizer = new TagNormalizer([
      series(budgetTags('team_a')),
      series(budgetTags('Team A')),
      // Only "Team A" has a forecast.
      series(budgetTags('Team A'), 'forecastedSpend'),
    ]);
    expect(normalizer.tags(budgetTags('Team A'))[0]).toBe(`budget_name:team_a_${hash6('Team A')}`);
    expect(normalizer.warnings).toHaveLength(1);
  });

  it('lets two spellings of one value on different metrics share a tag: currency USD on one metric, usd on another', () => {
    const normalizer = new TagNormalizer([
      series([['currency', 'USD']], 'estimatedCharges'),
      series([['currency', 'usd']], 'actualSpend'),
    ]);
    expect(normalizer.tags([['currency', 'USD']])).toEqual(['currency:usd']);
    expect(normalizer.tags([['currency', 'usd']])).toEqual(['currency:usd']);
    expect(normalizer.warnings).toEqual([]);
  });

  it('does not land a renamed tag on the plain tag of another budget', () => {
    const taken = `team_a_${hash6('Team A')}`;
    const { tags } = budgetNameTags('Team A', 'team_a', taken);
    expect(tags[taken]).toBe(`budget_name:${taken}`);
    expect(tags['Team A']).toBe(`budget_name:team_a_${createHash('sha256').update('Team A').digest('hex').slice(0, 12)}`);
  });

  it('does not show the tags in the warning when a value looks like a secret', () => {
    const key = '0123456789abcdef0123456789abcdef';
    const { warnings } = budgetNameTags(key, key.toUpperCase());
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).not.toMatch(/0123456789/i);
    expect(warnings[0]).toContain('sent with a hash of its own');
  });

  it('keeps a renamed tag within 200 characters', () => {
    const long = 'x'.repeat(250);
    const { tags } = budgetNameTags(long.slice(0, 200), long.toUpperCase());
    expect(Array.from(tags[long.toUpperCase()]).length).toBe(MAX_TAG_LENGTH);
    expect(tags[long.toUpperCase()].endsWith(`_${hash6(long.toUpperCase())}`)).toBe(true);
  });

  describe('a value with no character Datadog keeps', () => {
    it.each([
      ['🔥🔥🔥', `budget_name:budget_${hash6('🔥🔥🔥')}`],
      ['!!!', `budget_name:budget_${hash6('!!!')}`],
      ['', `budget_name:budget_${hash6('')}`],
    ])('gives %j a stable value from its hash, under the same key: %s', (name, tag) => {
      const { tags, warnings } = budgetNameTags(name);
      expect(tags[name]).toBe(tag);
      expect(warnings).toEqual([`budget_name "${name}" has no character Datadog keeps; sent as ${tag}`]);
    });

    it('gives two such names two values, and never renames the key', () => {
      const { tags } = budgetNameTags('🔥🔥🔥', '🔥');
      expect(tags['🔥🔥🔥']).not.toBe(tags['🔥']);
      for (const tag of Object.values(tags)) expect(tag).toMatch(/^budget_name:budget_[0-9a-f]{6}$/);
    });

    it('names the value after its key for other keys', () => {
      const normalizer = new TagNormalizer([series([['servicename', '★']], 'estimatedCharges')]);
      expect(normalizer.tags([['servicename', '★']])).toEqual([`servicename:servicename_${hash6('★')}`]);
    });
  });
});

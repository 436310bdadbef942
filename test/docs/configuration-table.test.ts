/**
 * The docs' configuration table is written by hand, for its examples and detail; this test holds
 * it against the settings table, so a setting added, renamed or given a new default there fails
 * here until the docs say so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTEXT_KEYS, DEFAULTS, SETTING_NAMES, settingSpec, type SettingName } from '../../lambda/settings';

const ROOT = resolve(__dirname, '..', '..');
const HEADER = '| Context key | Lambda environment variable | Default | Meaning |';

/** The rows of the one table with that header, among the README and docs/. */
function configurationRows(): { file: string; rows: string[][] } {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join('docs', name)),
  ];
  const found = files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes(HEADER));
  expect(found, 'exactly one file holds the configuration table').toHaveLength(1);
  const lines = readFileSync(join(ROOT, found[0]), 'utf8').split('\n');
  const start = lines.indexOf(HEADER) + 2;
  const rows: string[][] = [];
  for (let index = start; index < lines.length && lines[index].startsWith('|'); index += 1) {
    rows.push(
      lines[index]
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return { file: found[0], rows };
}

describe("the docs' configuration table", () => {
  const { rows } = configurationRows();
  const byKey = new Map(rows.map((row) => [row[0].replace(/`/g, ''), row]));

  it('lists every context key of the settings table once, in its order', () => {
    expect(rows.map((row) => row[0].replace(/`/g, ''))).toEqual(CONTEXT_KEYS);
  });

  it.each(SETTING_NAMES.filter((name) => settingSpec(name).context !== undefined))(
    'gives %s its variable and default',
    (name: SettingName) => {
      const row = byKey.get(name) ?? [];
      const spec = settingSpec(name);
      if (spec.env === undefined) expect(row[1]).toBe('(none)');
      else expect(row[1]).toContain(`\`${spec.env}\``);
      const fallback = name in DEFAULTS ? DEFAULTS[name as keyof typeof DEFAULTS] : undefined;
      if (fallback !== undefined) expect(row[2]).toContain(`\`${String(fallback)}\``);
    },
  );
});

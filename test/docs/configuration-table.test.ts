/**
 * The docs' configuration table is written by hand, for its examples and detail; this test holds
 * it against the settings table, so a setting added, renamed or given a new default there fails
 * here until the docs say so.
 */
import { describe, expect, it } from 'vitest';
import { docTableRows } from './doc-tables';
import { CONTEXT_KEYS, DEFAULTS, SETTING_NAMES, settingSpec, type SettingName } from '../../lambda/settings';

const HEADER = '| Context key | Lambda environment variable | Default | Meaning |';

describe("the docs' configuration table", () => {
  const rows = docTableRows(HEADER, 'configuration');
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

/**
 * The troubleshooting guide's table of skip reasons is written by hand, for its explanations;
 * this test holds its reasons and their sources against the sources' declarations, so a reason
 * added to a source fails here until the docs say what it means and what to do.
 */
import { describe, expect, it } from 'vitest';
import { SOURCES } from '../../lambda/sources';
import { docTableRows } from './doc-tables';

const HEADER = '| Skip reason | Source | Why the point was not sent | What to do |';

describe("the docs' table of skip reasons", () => {
  const rows = docTableRows(HEADER, 'skip reasons');
  const documented = rows.map(([reason, source]) => [/^`([^`]+)`$/.exec(reason)?.[1] ?? reason, source]);

  it('names every skip reason of every source, with its source, and no other', () => {
    const declared = SOURCES.flatMap((source) => source.skipReasons.map((reason) => [reason, source.id]));
    expect([...documented].sort()).toEqual([...declared].sort());
  });

  it('says, for each, why and what to do', () => {
    for (const row of rows) expect(row.slice(2).every((cell) => cell.length > 0)).toBe(true);
  });
});

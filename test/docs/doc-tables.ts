/**
 * The hand-written tables of the docs that tests hold against the code: each is found by its
 * exact header row, in README.md or docs/*.md, wherever it lives.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

/** The cells of each row of the one table whose header row is `header`. */
export function docTableRows(header: string, what: string): string[][] {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((name) => name.endsWith('.md'))
      .map((name) => join('docs', name)),
  ];
  const found = files.filter((file) => readFileSync(join(ROOT, file), 'utf8').includes(header));
  expect(found, `exactly one file holds the ${what} table`).toHaveLength(1);
  const lines = readFileSync(join(ROOT, found[0]), 'utf8').split('\n');
  const rows: string[][] = [];
  for (let index = lines.indexOf(header) + 2; index < lines.length && lines[index].startsWith('|'); index += 1) {
    rows.push(
      lines[index]
        .split(/(?<!\\)\|/)
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

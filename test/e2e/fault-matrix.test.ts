/**
 * Keeps docs/fault-matrix.md and the tests in step: every test the table names exists, with
 * that exact title, and every test of the fault suite has a row.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { stripVTControlCharacters } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const MATRIX = path.join(ROOT, 'docs', 'fault-matrix.md');

interface TestId {
  readonly file: string;
  readonly title: string;
}

/** `vitest list` of the e2e tier: one line per test, `file > describe > ... > title`. */
function listTests(): Promise<TestId[]> {
  // Without vitest's own variables, so the child is a fresh vitest rather than a worker.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('VITEST')));
  return new Promise((resolve, reject) => {
    execFile(
      path.join(ROOT, 'node_modules', '.bin', 'vitest'),
      ['list', '--config', 'vitest.e2e.config.mts', 'test/e2e/faults', 'test/e2e/collector.e2e.test.ts', 'test/e2e/cli/cli.test.ts'],
      { cwd: ROOT, env: { ...env, NO_COLOR: '1', FORCE_COLOR: '0' }, timeout: 120_000, maxBuffer: 8 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`vitest list failed: ${error.message}\n${stderr}`));
          return;
        }
        const tests = stripVTControlCharacters(stdout)
          .split('\n')
          .filter((line) => line.startsWith('test/'))
          .map((line) => {
            const parts = line.split(' > ');
            return { file: parts[0].trim(), title: parts[parts.length - 1].trim() };
          });
        resolve(tests);
      },
    );
  });
}

/** The tests the matrix names in its rows' last cell: `` `file` › title; › title ``. */
function matrixTests(): TestId[] {
  const rows = readFileSync(MATRIX, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| ') && !line.startsWith('| Case') && !line.startsWith('| ---'));
  return rows.flatMap((row) => {
    const cells = row.split(' | ');
    const cell = cells[cells.length - 1].replace(/\s*\|\s*$/, '');
    const file = /^`([^`]+)`/.exec(cell)?.[1];
    if (file === undefined) throw new Error(`row without a test file: ${row}`);
    return cell
      .slice(file.length + 2)
      .split(/;\s*/)
      .map((title) => ({ file, title: title.replace(/^\s*›\s*/, '').trim() }));
  });
}

const key = (test: TestId): string => `${test.file} › ${test.title}`;

describe('docs/fault-matrix.md', () => {
  let listed: TestId[];

  beforeAll(async () => {
    listed = await listTests();
  }, 120_000);

  it('names only tests that exist, with their exact titles', () => {
    const existing = new Set(listed.map(key));
    expect(listed.length).toBeGreaterThan(0);
    expect(
      matrixTests()
        .map(key)
        .filter((name) => !existing.has(name)),
    ).toEqual([]);
  });

  it('has a row for every test of the fault suite under test/e2e/faults/', () => {
    const documented = new Set(matrixTests().map(key));
    const faults = listed.filter((test) => test.file.startsWith('test/e2e/faults/'));
    expect(faults.length).toBeGreaterThan(0);
    expect(faults.map(key).filter((name) => !documented.has(name))).toEqual([]);
  });
});

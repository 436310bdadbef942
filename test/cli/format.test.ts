/** Text rendering: what a user reads on stdout and stderr. */
import { describe, expect, it } from 'vitest';
import { humanLogLine, Progress, terminalSafe, type Io } from '../../cli/io';
import { checkText } from '../../cli/commands/check';
import { counts, seriesTable, table } from '../../cli/format';

describe('table', () => {
  it('pads columns to the widest cell, right-aligns the number columns and leaves no trailing blanks', () => {
    expect(
      table(
        ['NAME', 'N', 'NOTE'],
        [
          ['a', '1', ''],
          ['long name', '100', 'x'],
        ],
        new Set([1]),
      ),
    ).toBe('NAME         N  NOTE\n' + 'a            1\n' + 'long name  100  x\n');
  });
});

describe('seriesTable', () => {
  it('prints metric, value, unit and the tags as Datadog stores them', () => {
    const text = seriesTable([
      {
        metric: 'aws.billing.estimated_charges',
        type: 3,
        points: [{ timestamp: 1, value: 12.5 }],
        tags: ['account_id:1', 'billing_scope:total'],
        unit: 'dollar',
      },
      { metric: 'aws.billing.collector.run', type: 3, points: [{ timestamp: 1, value: 1 }], tags: ['status:success'] },
    ]);
    expect(text.split('\n')).toEqual([
      'METRIC                         VALUE  UNIT    TAGS',
      'aws.billing.estimated_charges   12.5  dollar  account_id:1,billing_scope:total',
      'aws.billing.collector.run          1          status:success',
      '',
    ]);
  });

  it('says so when there is nothing', () => {
    expect(seriesTable([])).toBe('No series.\n');
  });
});

describe('counts', () => {
  it.each([
    [{}, 'none'],
    [{ ListMetrics: 1, GetMetricData: 2 }, 'ListMetrics 1, GetMetricData 2'],
  ])('%o reads %s', (record, text) => {
    expect(counts(record)).toBe(text);
  });
});

describe('humanLogLine', () => {
  it('turns a collector log line into a readable one, without the timestamp', () => {
    const line = JSON.stringify({
      timestamp: '2025-01-01T00:00:00.000Z',
      level: 'WARN',
      message: 'Skipped a point',
      budgetName: 'b',
      field: 'f',
    });
    expect(humanLogLine(line)).toBe('warning: Skipped a point (budgetName=b, field=f)');
  });

  it('passes a line that is not JSON through', () => {
    expect(humanLogLine('plain')).toBe('plain');
  });
});

describe('checkText', () => {
  it.each([
    [{ id: 'a', title: 'AWS credentials', status: 'pass' as const, detail: 'account 1' }, '✓ AWS credentials: account 1\n'],
    [{ id: 'b', title: 'Budgets', status: 'fail' as const, detail: 'denied', fix: 'grant it' }, '✗ Budgets: denied\n    fix: grant it\n'],
    [{ id: 'c', title: 'Key', status: 'skip' as const, detail: 'skipped: no key' }, '- Key: skipped: no key\n'],
  ])('renders %o', (result, text) => {
    expect(checkText(result)).toBe(text);
  });
});

describe('Progress', () => {
  function io(tty: boolean): Io & { written: string[] } {
    const written: string[] = [];
    // As `runCli` gives it to commands: progress draws through `draw`, the one unescaped writer.
    return { ...terminalSafe({ out: () => undefined, err: (text) => written.push(text), errIsTty: tty, env: {} }), written };
  }

  it('draws nothing when stderr is not a terminal', () => {
    const target = io(false);
    const progress = new Progress(target);
    progress.step('Working');
    progress.clear();
    expect(target.written).toEqual([]);
  });

  it('redraws one line on a terminal and clears it', () => {
    const target = io(true);
    const progress = new Progress(target);
    progress.step('Working');
    progress.clear();
    progress.clear();
    expect(target.written).toEqual(['\r\x1b[KWorking…', '\r\x1b[K']);
  });
});

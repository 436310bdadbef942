/** Plain-text rendering of the tool's results. Pure: strings in, strings out. */
import { counted } from '../lambda/sources/source';
import type { RunSummary } from '../lambda/collect';
import type { MetricSeries } from '../lambda/datadog/series';

/**
 * Columns padded to their widest cell; `right` columns are right-aligned (numbers). The last
 * column is not padded, so long tag lists do not drag trailing blanks along.
 */
export function table(header: readonly string[], rows: readonly (readonly string[])[], right: ReadonlySet<number> = new Set()): string {
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((row) => (row[column] ?? '').length)));
  const line = (row: readonly string[]): string =>
    row
      .map((cell, column) => {
        if (column === row.length - 1) return right.has(column) ? cell.padStart(widths[column]) : cell;
        return right.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]);
      })
      .join('  ')
      .trimEnd();
  return `${all.map(line).join('\n')}\n`;
}

/** The series a run built, one per line: metric, value (with unit), tags. */
export function seriesTable(series: readonly MetricSeries[]): string {
  if (series.length === 0) return 'No series.\n';
  const rows = series.map((item) => [item.metric, `${item.points[0]?.value ?? ''}`, item.unit ?? '', item.tags.join(',')]);
  return table(['METRIC', 'VALUE', 'UNIT', 'TAGS'], rows, new Set([1]));
}

/** `{a: 1, b: 2}` as `a 1, b 2`, or `none`. */
export function counts(record: Readonly<Partial<Record<string, number>>>): string {
  const entries = Object.entries(record).filter((entry): entry is [string, number] => entry[1] !== undefined);
  return entries.length === 0 ? 'none' : entries.map(([key, value]) => `${key} ${value}`).join(', ');
}

/** The run summary as aligned `label  value` lines. */
export function summaryText(summary: RunSummary, apiOrigin: string): string {
  const datadog = summary.dryRun
    ? `nothing sent (dry run); would send ${summary.seriesTotal} series to ${apiOrigin}`
    : `${summary.datadog.seriesSent} of ${summary.seriesTotal} series sent to ${apiOrigin} ` +
      `in ${plural(summary.datadog.requests, 'request')} (${summary.datadog.bytes} bytes gzipped)` +
      (summary.datadog.unanswered === 0 ? '' : `; ${plural(summary.datadog.unanswered, 'attempt')} got no answer`);
  const rows: [string, string][] = [
    ['account', summary.accountId],
    ...(summary.accounts === undefined
      ? []
      : ([
          [
            'accounts',
            `${summary.accounts.read} read, ${summary.accounts.failed} failed` +
              (summary.accounts.failedAccounts.length === 0 ? '' : ` (${summary.accounts.failedAccounts.join(', ')})`) +
              `, skipped: ${counts(summary.accounts.skipped)}`,
          ],
        ] as [string, string][])),
    ['status', summary.status],
    ['series', `${summary.seriesTotal}${summary.seriesTotal === 0 ? '' : ` (${counts(summary.series)})`}`],
    ['skipped', counts(summary.skipped)],
    ['AWS calls', counts(summary.awsCalls)],
    ['Datadog', datadog],
    [
      'billing data age',
      summary.billingDataAgeHours === undefined ? 'unknown (no billing point read)' : `${summary.billingDataAgeHours} h`,
    ],
    ['duration', summary.durationMs < 1000 ? `${summary.durationMs} ms` : `${(summary.durationMs / 1000).toFixed(1)} s`],
    ['warnings', String(summary.warnings)],
    ['errors', summary.errors.length === 0 ? 'none' : String(summary.errors.length)],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  const lines = rows.map(([label, value]) => `  ${label.padEnd(width)}  ${value}`);
  for (const error of summary.errors) lines.push(`  - ${error}`);
  return `Run summary\n${lines.join('\n')}\n`;
}

/** "1 request", "3 requests": the collector's own wording. */
export const plural = counted;

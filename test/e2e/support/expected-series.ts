/**
 * What Datadog should receive for a seed, written from the metric and tag contract and
 * Datadog's documented tag rules, independently of the collector's own mapping code (nothing
 * here imports `lambda/`): a test that reuses the code under test to build its expectation
 * cannot catch that code's mistakes.
 *
 * Series are compared as lines, `metric [sorted tags] unit = value`, so a failing comparison
 * prints a readable diff.
 */
import { MOTO_DEFAULT_ACCOUNT_ID } from '../../support/moto-server';

export const ACCOUNT = MOTO_DEFAULT_ACCOUNT_ID;
export const ACCOUNT_TAG = `account_id:${ACCOUNT}`;

/** A series as the intake received it (the fields compared). */
export interface ReceivedSeries {
  readonly metric: string;
  readonly tags?: readonly string[];
  readonly unit?: string;
  readonly type?: number;
  readonly points: readonly { readonly timestamp?: number; readonly value?: number }[];
}

/** An expected series; `value: 'any'` for values that change from run to run (durations, ages). */
export interface ExpectedSeries {
  readonly metric: string;
  readonly tags: readonly string[];
  readonly unit?: string;
  readonly value: number | 'any';
}

/** Health metrics whose value depends on timing. */
const VOLATILE = new Set(['aws.billing.collector.duration', 'aws.billing.estimated_charges.age']);

export function lineOf(series: ReceivedSeries | ExpectedSeries): string {
  const value = 'points' in series ? (VOLATILE.has(series.metric) ? 'any' : series.points[0]?.value) : series.value;
  return `${series.metric} [${[...(series.tags ?? [])].sort().join(',')}] ${series.unit ?? '(no unit)'} = ${value}`;
}

/** Sorted lines, to compare two sets of series with `toEqual`. */
export function linesOf(series: readonly (ReceivedSeries | ExpectedSeries)[]): string[] {
  return series.map(lineOf).sort();
}

/** A COST budget as seeded, and the tag its name becomes (written out by hand in each test). */
export interface CostBudgetRow {
  readonly name: string;
  /** The expected `budget_name` tag value. */
  readonly tag: string;
  readonly timeUnit?: 'DAILY' | 'MONTHLY' | 'QUARTERLY' | 'ANNUALLY';
  readonly limit?: string;
  readonly plannedLimit?: string;
  readonly actual: string;
  readonly forecast?: string;
}

/** The tags of every series of a USD COST budget whose name becomes `budget_name:<tag>`. */
export function budgetTags(tag: string, timeUnit = 'MONTHLY', extraTags: readonly string[] = []): string[] {
  return [ACCOUNT_TAG, `budget_name:${tag}`, 'budget_type:cost', `time_unit:${timeUnit.toLowerCase()}`, 'currency:usd', ...extraTags];
}

/**
 * The series of a COST budget with valid amounts and no alert thresholds: spend, forecast when
 * present, limit, and the alert levels the monitors compare with, which for a budget without
 * thresholds are 80 % of the limit (actual) and the limit itself (forecast).
 */
export function budgetSeries(row: CostBudgetRow, extraTags: readonly string[] = []): ExpectedSeries[] {
  const tags = budgetTags(row.tag, row.timeUnit, extraTags);
  const series: ExpectedSeries[] = [{ metric: 'aws.billing.actual_spend', tags, unit: 'dollar', value: Number(row.actual) }];
  if (row.forecast !== undefined)
    series.push({ metric: 'aws.billing.forecasted_spend', tags, unit: 'dollar', value: Number(row.forecast) });
  const limit = row.limit ?? row.plannedLimit;
  if (limit !== undefined) {
    series.push(
      { metric: 'aws.billing.budget_limit', tags, unit: 'dollar', value: Number(limit) },
      ...defaultAlertLevels(tags, Number(limit)),
    );
  }
  return series;
}

/** The alert levels of a budget without thresholds whose limit is `limit`: 80 % of it, and all of it. */
export function defaultAlertLevels(tags: readonly string[], limit: number): ExpectedSeries[] {
  return [
    { metric: 'aws.billing.budget_alert_level', tags, unit: 'dollar', value: limit * 0.8 },
    { metric: 'aws.billing.budget_forecast_alert_level', tags, unit: 'dollar', value: limit },
  ];
}

/** One CloudWatch `EstimatedCharges` series as seeded, dimensions in the order AWS lists them. */
export interface ChargeRow {
  readonly dimensions: Readonly<Record<string, string>>;
  readonly value: number;
}

/** The `estimated_charges` series of a CloudWatch series: its dimensions as Datadog's integration tags them. */
export function chargeSeries(row: ChargeRow, extraTags: readonly string[] = []): ExpectedSeries {
  const { LinkedAccount: linked, ServiceName: service, Currency: currency } = row.dimensions;
  const scope =
    linked !== undefined && service !== undefined
      ? 'linked_account_service'
      : linked !== undefined
        ? 'linked_account'
        : service !== undefined
          ? 'service'
          : 'total';
  const tags = [ACCOUNT_TAG, `billing_scope:${scope}`, `currency:${currency.toLowerCase()}`, ...extraTags];
  if (service !== undefined) tags.push(`servicename:${service.toLowerCase()}`);
  if (linked !== undefined) tags.push(`linkedaccount:${linked}`);
  return { metric: 'aws.billing.estimated_charges', tags, unit: currency === 'USD' ? 'dollar' : undefined, value: row.value };
}

/** The collector's own metrics for a run that built `billingSeries` billing series. */
export function healthSeries(
  status: 'success' | 'partial' | 'failure',
  billingSeries: number,
  options: { readonly withAge: boolean; readonly extraTags?: readonly string[] },
): ExpectedSeries[] {
  const extra = options.extraTags ?? [];
  const series: ExpectedSeries[] = [
    { metric: 'aws.billing.collector.run', tags: [ACCOUNT_TAG, `status:${status}`, 'trigger:schedule', ...extra], value: 1 },
    { metric: 'aws.billing.collector.series', tags: [ACCOUNT_TAG, ...extra], value: billingSeries },
    { metric: 'aws.billing.collector.duration', tags: [ACCOUNT_TAG, ...extra], unit: 'second', value: 'any' },
  ];
  if (options.withAge)
    series.push({ metric: 'aws.billing.estimated_charges.age', tags: [ACCOUNT_TAG, ...extra], unit: 'hour', value: 'any' });
  return series;
}

/** Rounds to cents, so seeded dollar values are exact decimals. */
export function cents(value: number): number {
  return Math.round(value * 100) / 100;
}

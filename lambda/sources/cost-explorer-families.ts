/**
 * Cost Explorer's query families and how their answers become samples. Pure and without the SDK
 * (its types only), so that ranking, the `other` bucket, credits and tag values are unit-tested
 * on plain answers.
 *
 * A family is the ungrouped total or one entry of `costGroupBy`; each is asked for in two
 * queries (`cost-explorer.ts`), and every period of a family is cut to the same groups: the
 * `costMaxGroups` ranked first by month to date (by last month on the 1st, when month to date
 * is empty), the rest summed into one `other` series. Ranking once per run keeps a group from
 * flapping between its own series and `other` from one period to the next.
 */
import type { GetCostAndUsageResponse, GroupDefinition, MetricValue } from '@aws-sdk/client-cost-explorer';
import type { Logger } from '../log';
import type { MetricKey } from '../metrics';
import { increment, type RawTag, type Sample, type SkipReason } from '../samples';
import type { COST_METRICS } from '../settings';
import { shownValue } from '../secret-shape';
import { parseAmount } from './amount';

/** A cost metric as `costMetrics` names it, and as its `cost_metric` tag says it. */
export type CostMetricName = (typeof COST_METRICS)[number];

/** `unblended_cost` as GetCostAndUsage names it in `Metrics`: `UnblendedCost`. */
export function usageMetric(metric: CostMetricName): string {
  return metric.replace(/(^|_)([a-z])/g, (_, _separator: string, letter: string) => letter.toUpperCase());
}

/** The `billing_scope` of a family's series: one value per family kind, so that a query on one never double counts. */
export type BillingScope = 'total' | 'service' | 'linked_account' | 'linked_account_service' | 'tag';

/** One query family: the total, or one grouping of `costGroupBy`. */
export interface CostFamily {
  readonly scope: BillingScope;
  /** GetCostAndUsage's `GroupBy`; none for the total. */
  readonly groupBy: readonly GroupDefinition[];
  /** The tags of a group, from its `Keys` (in `groupBy`'s order) and the accounts' names. */
  tags(keys: readonly string[], names: ReadonlyMap<string, string>): RawTag[];
  /** The tags of the series that sums the groups past `costMaxGroups`. */
  readonly otherTags: readonly RawTag[];
}

/** The value of a group's tag for the groups past `costMaxGroups`, summed. */
export const OTHER = 'other';
/** `cost_tag_value` of the resources without the tag: Cost Explorer's empty value. */
export const UNTAGGED = 'untagged';

const SERVICE: GroupDefinition = { Type: 'DIMENSION', Key: 'SERVICE' };
const LINKED_ACCOUNT: GroupDefinition = { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' };

/**
 * A linked account's tags: its id, and its name as Cost Explorer gives it (`DimensionValueAttributes`),
 * as `account_name` names the account that owns the cost (`accounts/account-tags.ts`).
 */
function accountTags(id: string, names: ReadonlyMap<string, string>): RawTag[] {
  const name = names.get(id);
  return name === undefined || name === ''
    ? [['linkedaccount', id]]
    : [
        ['linkedaccount', id],
        ['account_name', name],
      ];
}

/** The total, then one family per `costGroupBy` entry, in its order. */
export function costFamilies(groupBy: readonly string[]): CostFamily[] {
  const families: CostFamily[] = [{ scope: 'total', groupBy: [], tags: () => [], otherTags: [] }];
  for (const entry of groupBy) {
    if (entry === 'SERVICE') {
      families.push({
        scope: 'service',
        groupBy: [SERVICE],
        tags: ([service]) => [['aws_service', service]],
        otherTags: [['aws_service', OTHER]],
      });
    } else if (entry === 'LINKED_ACCOUNT') {
      families.push({
        scope: 'linked_account',
        groupBy: [LINKED_ACCOUNT],
        tags: ([id], names) => accountTags(id, names),
        otherTags: [['linkedaccount', OTHER]],
      });
    } else if (entry === 'LINKED_ACCOUNT+SERVICE') {
      families.push({
        scope: 'linked_account_service',
        groupBy: [LINKED_ACCOUNT, SERVICE],
        tags: ([id, service], names) => [...accountTags(id, names), ['aws_service', service]],
        otherTags: [
          ['linkedaccount', OTHER],
          ['aws_service', OTHER],
        ],
      });
    } else {
      // TAG:<key>, as the settings table checks it. A tag's key is a value here, never a Datadog
      // tag key: it cannot collide with env, service or ours, and AWS keys may hold a colon.
      const key = entry.slice('TAG:'.length);
      families.push({
        scope: 'tag',
        groupBy: [{ Type: 'TAG', Key: key }],
        // Cost Explorer's key of a tag group is `<key>$<value>`, and `<key>$` without the tag.
        tags: ([group]) => [
          ['cost_tag', key],
          ['cost_tag_value', group.slice(key.length + 1) || UNTAGGED],
        ],
        otherTags: [
          ['cost_tag', key],
          ['cost_tag_value', OTHER],
        ],
      });
    }
  }
  return families;
}

/** One period of an answer, its pages merged. */
export interface PeriodAnswer {
  readonly estimated: boolean;
  /** The ungrouped amounts, by metric (`UnblendedCost`). */
  readonly total: Readonly<Record<string, MetricValue>>;
  /** The groups, by their keys joined. */
  readonly groups: Map<string, { readonly keys: readonly string[]; readonly metrics: Readonly<Record<string, MetricValue>> }>;
}

/** Every page of one query, merged: its periods by start date, and the accounts' names. */
export interface QueryAnswer {
  readonly periods: Map<string, PeriodAnswer>;
  readonly names: Map<string, string>;
}

export function emptyAnswer(): QueryAnswer {
  return { periods: new Map(), names: new Map() };
}

/** Adds a page: a period whose groups span two pages is on both, with its part of them on each. */
export function addPage(answer: QueryAnswer, page: GetCostAndUsageResponse): void {
  for (const result of page.ResultsByTime ?? []) {
    const start = result.TimePeriod?.Start ?? '';
    let period = answer.periods.get(start);
    if (period === undefined) {
      period = { estimated: result.Estimated ?? true, total: result.Total ?? {}, groups: new Map() };
      answer.periods.set(start, period);
    }
    for (const group of result.Groups ?? []) {
      const keys = group.Keys ?? [];
      period.groups.set(keys.join('\u0000'), { keys, metrics: group.Metrics ?? {} });
    }
  }
  for (const { Value, Attributes } of page.DimensionValueAttributes ?? []) {
    if (Value !== undefined && Attributes?.description !== undefined) answer.names.set(Value, Attributes.description);
  }
}

/** The groups a family keeps for the run, or undefined to keep them all (they are within `costMaxGroups`). */
export function rankGroups(period: PeriodAnswer | undefined, metric: string, maxGroups: number): ReadonlySet<string> | undefined {
  if (period === undefined || period.groups.size <= maxGroups) return undefined;
  const valueOf = (metrics: Readonly<Record<string, MetricValue>>): number => {
    const parsed = parseAmount(metrics[metric]?.Amount);
    return 'value' in parsed ? parsed.value : -Infinity;
  };
  // The most costly first; equal costs by key, so that the same answer always keeps the same groups.
  const ranked = [...period.groups.entries()].sort(
    ([keyA, a], [keyB, b]) => valueOf(b.metrics) - valueOf(a.metrics) || (keyA < keyB ? -1 : 1),
  );
  return new Set(ranked.slice(0, maxGroups).map(([key]) => key));
}

/** What the samples of one period are built with. */
export interface PeriodSamplesInput {
  readonly metric: MetricKey;
  readonly family: CostFamily;
  readonly period: PeriodAnswer;
  readonly names: ReadonlyMap<string, string>;
  /** The groups kept for the run; undefined keeps all, and there is no `other`. */
  readonly kept: ReadonlySet<string> | undefined;
  readonly costMetrics: readonly CostMetricName[];
  /** The tags of every series: `account_id`, and `estimated` for last month. */
  readonly baseTags: readonly RawTag[];
  readonly skipped: Partial<Record<SkipReason, number>>;
  readonly log: Pick<Logger, 'warn'>;
}

/** The samples of one period of a family, for every cost metric: its groups, or its total, and `other`. */
export function periodSamples(input: PeriodSamplesInput): Sample[] {
  const { metric, family, period, kept } = input;
  const samples: Sample[] = [];
  const skip = (reason: SkipReason, what: string, problem: string): void => {
    increment(input.skipped, reason);
    input.log.warn(`Skipped a Cost Explorer point: ${what} ${problem}`, { metric, scope: family.scope, reason });
  };
  for (const costMetric of input.costMetrics) {
    const name = usageMetric(costMetric);
    const add = (value: MetricValue | undefined, tags: readonly RawTag[], what: string): void => {
      const parsed = parseAmount(value?.Amount);
      if ('problem' in parsed) return skip('invalid_amount', `${what} ${name}`, parsed.problem);
      const currency = value?.Unit?.trim();
      if (!currency) return skip('unknown_currency', `${what} ${name}.Unit`, 'is missing or empty: currency unknown');
      samples.push({
        metric,
        value: parsed.value,
        currency,
        tags: [...input.baseTags, ['cost_metric', costMetric], ['currency', currency], ['billing_scope', family.scope], ...tags],
      });
    };
    if (family.groupBy.length === 0) {
      add(period.total[name], [], 'the total');
      continue;
    }
    // The groups past the kept ones, summed; `other` is sent in every period once the family has
    // more groups than it keeps, at 0 in a period without them, so that its series does not flap.
    let sum = 0;
    const currencies = new Set<string>();
    for (const [key, group] of period.groups) {
      const value = group.metrics[name];
      const unit = value?.Unit?.trim();
      if (unit) currencies.add(unit);
      const what = `group ${shownValue(group.keys.join(', '))}`;
      if (kept === undefined || kept.has(key)) {
        add(value, family.tags(group.keys, input.names), what);
        continue;
      }
      const parsed = parseAmount(value?.Amount);
      if ('problem' in parsed) skip('invalid_amount', `${what} ${name}`, parsed.problem);
      else sum += parsed.value;
    }
    if (kept === undefined || currencies.size === 0) continue;
    if (currencies.size > 1) {
      skip('currency_mismatch', `the ${OTHER} groups' ${name}`, 'is in more than one currency');
      continue;
    }
    add({ Amount: String(sum), Unit: [...currencies][0] }, family.otherTags, `the ${OTHER} groups`);
  }
  return samples;
}

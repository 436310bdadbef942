/**
 * The plain values sources produce and the Datadog layer consumes. Sources know nothing of
 * Datadog; the Datadog layer knows nothing of AWS.
 */
import type { MetricKey } from './metrics';

/** A raw tag: key and value as AWS gave them, normalized later by the Datadog layer. */
export type RawTag = readonly [key: string, value: string];

export interface Sample {
  readonly metric: MetricKey;
  readonly value: number;
  /** ISO 4217 code as AWS gave it (e.g. `USD`); absent for values that are not money. */
  readonly currency?: string;
  /** Datadog unit name for values that are not money (e.g. `second`). */
  readonly unit?: string;
  readonly tags: readonly RawTag[];
}

/** Why a point was not sent; each reason is counted in the run summary. */
export type SkipReason =
  | 'invalid_amount'
  | 'not_a_cost_budget'
  | 'stale_billing_point'
  | 'no_billing_point'
  | 'service_filtered'
  | 'linked_account_service_disabled'
  | 'unknown_currency'
  | 'currency_mismatch'
  | 'no_current_limit'
  | 'non_cost_budget_threshold'
  | 'threshold_without_limit'
  | 'unknown_dimension_set'
  | 'empty_dimension_value'
  | 'no_forecast';

/** What one source hands back: samples to send, and what it skipped or warned about. */
export interface SourceResult {
  readonly samples: Sample[];
  readonly skipped: Partial<Record<SkipReason, number>>;
  /** Newest timestamp among the data read, when the source has one (for the age metric). */
  readonly newestDataTime?: Date;
  /**
   * Failures that left out part of the source's metrics while the rest is sent (a second read
   * denied, say): the run reports each and ends partial.
   */
  readonly errors?: readonly unknown[];
}

/** AWS calls per operation name; the caller owns it so calls made before a failure still count. */
export type CallCounter = Partial<Record<string, number>>;

/** Adds one to a counter in a record of counters. */
export function increment<K extends string>(counters: Partial<Record<K, number>>, key: K, by = 1): void {
  counters[key] = (counters[key] ?? 0) + by;
}

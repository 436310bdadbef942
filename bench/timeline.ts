/**
 * Where an invocation's time went, from the fake servers' own clock: the chains the bound
 * counts, and the gaps between them where the collector computes. Robust to a busy machine in
 * a way a single wall time is not: each segment says which part of the collector to look at.
 */
import type { TimelineEntry } from '../fakes/loopback';
import { round } from './stats';

export interface Segments {
  /** First AWS request to the last ListMetrics answer (the ListMetrics chain). */
  readonly listing: number;
  /** Last ListMetrics answer to the last GetMetricData answer. */
  readonly metricDataAfterListing: number;
  /** First AWS request to the last DescribeBudgets answer. */
  readonly budgets: number;
  /** Last AWS answer to the first Datadog request: series building, packing, gzip. */
  readonly lastAwsAnswerToDatadog: number;
  /** First Datadog request to the last Datadog answer. */
  readonly datadog: number;
  /** The rest of the invocation: setup before the first request, and the summary after the last answer. */
  readonly outsideRequests: number;
}

export function segments(entries: readonly TimelineEntry[], invocationMs: number): Segments | undefined {
  const aws = entries.filter((entry) => entry.label !== 'Datadog');
  const datadog = entries.filter((entry) => entry.label === 'Datadog');
  if (aws.length === 0 || datadog.length === 0) return undefined;
  const first = Math.min(...aws.map((entry) => entry.start));
  const lastEnd = (label: string): number => Math.max(first, ...aws.filter((entry) => entry.label === label).map((entry) => entry.end));
  const listEnd = lastEnd('ListMetrics');
  const awsEnd = Math.max(...aws.map((entry) => entry.end));
  const datadogStart = Math.min(...datadog.map((entry) => entry.start));
  const datadogEnd = Math.max(...datadog.map((entry) => entry.end));
  return {
    listing: round(listEnd - first),
    metricDataAfterListing: round(Math.max(0, lastEnd('GetMetricData') - listEnd)),
    budgets: round(lastEnd('DescribeBudgets') - first),
    lastAwsAnswerToDatadog: round(datadogStart - awsEnd),
    datadog: round(datadogEnd - datadogStart),
    outsideRequests: round(invocationMs - (datadogEnd - first)),
  };
}

/**
 * Samples to Datadog v2 series. Pure: no I/O, the timestamp comes from the caller.
 */
import { shownValue } from '../secret-shape';
import { metricName, type MetricKey } from '../metrics';
import type { RawTag, Sample } from '../samples';
import { normalizeTag, TagNormalizer } from './tags';

/** Datadog's intake type for a gauge. */
export const GAUGE = 3;

/** One series of `POST /api/v2/series`. */
export interface MetricSeries {
  readonly metric: string;
  readonly type: typeof GAUGE;
  readonly points: readonly { readonly timestamp: number; readonly value: number }[];
  readonly tags: readonly string[];
  readonly unit?: string;
}

export interface SeriesOptions {
  readonly metricPrefix: string;
  /** Raw `key:value` tags added to every series (DD_TAGS, DD_ENV, DD_SERVICE). */
  readonly globalTags: readonly string[];
  /**
   * The collection time in POSIX seconds. Datadog drops points more than an hour old, and AWS
   * billing data is hours old when read, so every point carries the time it was collected.
   */
  readonly timestamp: number;
}

export interface BuiltSeries {
  readonly series: MetricSeries[];
  /** Tag collisions and unusable global tags, for the log. */
  readonly warnings: string[];
}

export function buildSeries(samples: readonly Sample[], options: SeriesOptions): BuiltSeries {
  const normalizer = new TagNormalizer(samples);
  const warnings: string[] = [];
  const globalTags: string[] = [];
  for (const raw of options.globalTags) {
    const tag = normalizeTag(raw);
    if (tag === '') warnings.push(`Global tag ${shownValue(raw)} has no character Datadog keeps; it is not sent`);
    else if (!globalTags.includes(tag)) globalTags.push(tag);
  }

  // A source may hand several samples one tags array (a budget's three metrics): its tags are built once.
  const tagsOf = new Map<readonly RawTag[], readonly string[]>();
  const names = new Map<MetricKey, string>();
  const series = samples.map((sample): MetricSeries => {
    let tags = tagsOf.get(sample.tags);
    if (tags === undefined) {
      const own = normalizer.tags(sample.tags);
      // The global tags are distinct, so checking the ones added already changes nothing.
      for (const tag of globalTags) if (!own.includes(tag)) own.push(tag);
      tags = own;
      tagsOf.set(sample.tags, tags);
    }
    let metric = names.get(sample.metric);
    if (metric === undefined) {
      metric = metricName(options.metricPrefix, sample.metric);
      names.set(sample.metric, metric);
    }
    const points = [{ timestamp: options.timestamp, value: sample.value }];
    const unit = sample.unit ?? (sample.currency?.toUpperCase() === 'USD' ? 'dollar' : undefined);
    return unit === undefined ? { metric, type: GAUGE, points, tags } : { metric, type: GAUGE, points, tags, unit };
  });
  return { series, warnings: [...warnings, ...normalizer.warnings] };
}

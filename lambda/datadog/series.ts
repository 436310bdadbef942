/**
 * Samples to Datadog v2 series. Pure: no I/O, the timestamp comes from the caller.
 */
import { shownValue } from '../secret-shape';
import { metricName } from '../metrics';
import type { Sample } from '../samples';
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

  const series = samples.map((sample): MetricSeries => {
    const tags = normalizer.tags(sample.tags);
    const unit = sample.unit ?? (sample.currency?.toUpperCase() === 'USD' ? 'dollar' : undefined);
    return {
      metric: metricName(options.metricPrefix, sample.metric),
      type: GAUGE,
      points: [{ timestamp: options.timestamp, value: sample.value }],
      tags: [...tags, ...globalTags.filter((tag) => !tags.includes(tag))],
      ...(unit === undefined ? {} : { unit }),
    };
  });
  return { series, warnings: [...warnings, ...normalizer.warnings] };
}

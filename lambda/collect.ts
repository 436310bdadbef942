/**
 * One collection run: sources -> samples -> series -> bodies -> Datadog, and a summary of it.
 *
 * The enabled sources (`sources/index.ts`) and the API key read run concurrently; one failing
 * does not stop the others' metrics from being sent. Errors are gathered into the summary instead of thrown, so the
 * caller can log the summary and then fail the run.
 */
import type { Config } from './config';
import { buildSeries, type MetricSeries } from './datadog/series';
import { packBodies } from './datadog/payload';
import type { HttpObserver } from './datadog/http';
import { submitBodies, type ApiKeySource } from './datadog/submit';
import { describeError, type SettingNamer } from './errors';
import type { Logger } from './log';
import type { RunStatus } from './metrics';
import { increment, type CallCounter, type Sample, type SkipReason } from './samples';
import { enabledSources } from './sources';
import type { AwsClientSource } from './aws-clients';

export interface CollectDependencies {
  readonly config: Config;
  /** The account whose billing data is read, sent as `account_id`. */
  readonly accountId: string;
  /** The clients of the sources, in us-east-1 with that account's credentials; only the enabled sources' are used. */
  readonly clients: AwsClientSource;
  readonly apiKey: ApiKeySource;
  readonly log: Logger;
  /** Epoch milliseconds by which the run must have finished sending. */
  readonly deadline: number;
  /** The clock; tests inject one to run on any day of the month. @default () => new Date() */
  readonly now?: () => Date;
  /** Build everything but send nothing (the command-line tool's preview). @default false */
  readonly dryRun?: boolean;
  /** Told of each Datadog request and its answer (the tool's `--verbose`). */
  readonly observeDatadog?: HttpObserver;
  /** How the summary's errors name a setting. @default the function's: variable and context key */
  readonly nameSetting?: SettingNamer;
}

/** What a run did; logged as one JSON line and returned to the caller. */
export interface RunSummary {
  readonly status: RunStatus;
  readonly accountId: string;
  /** Series built, per metric name (health metrics included). */
  readonly series: Record<string, number>;
  readonly seriesTotal: number;
  readonly skipped: Partial<Record<SkipReason, number>>;
  readonly awsCalls: CallCounter;
  /** Requests Datadog answered (any status), attempts that got no answer, bytes and series it accepted. */
  readonly datadog: { readonly requests: number; readonly unanswered: number; readonly bytes: number; readonly seriesSent: number };
  /** Hours since the newest CloudWatch billing point, when there was one. */
  readonly billingDataAgeHours?: number;
  readonly durationMs: number;
  readonly warnings: number;
  readonly errors: readonly string[];
  readonly dryRun: boolean;
}

export interface RunResult {
  readonly summary: RunSummary;
  /** Everything that was (or, in a dry run, would have been) sent. */
  readonly series: readonly MetricSeries[];
}

export async function collect(deps: CollectDependencies): Promise<RunResult> {
  const clock = deps.now ?? (() => new Date());
  const startedAt = clock();
  const { config } = deps;
  // Every warning the run logs (bad amounts, tag collisions) is counted in the summary.
  let warnings = 0;
  const log: Logger = {
    ...deps.log,
    warn: (message, fields) => {
      warnings += 1;
      deps.log.warn(message, fields);
    },
  };
  const errors: string[] = [];
  const awsCalls: CallCounter = {};
  const readsBefore = deps.apiKey.reads;

  // AWS calls that hang must not eat the time needed to send what was collected and to log
  // the summary: they are aborted when a quarter of the remaining time (at most 10 s) is left.
  const remainingMs = deps.deadline - startedAt.getTime();
  const signal = AbortSignal.timeout(Math.max(0, Math.floor(remainingMs - Math.min(10_000, remainingMs / 4))));

  // Read the key while the sources run, so the secret is off the critical path; a Secrets
  // Manager that does not answer is abandoned with the sources' calls.
  const apiKey = runKey(deps.apiKey, signal, deps.deadline);
  const keyReady = deps.dryRun
    ? Promise.resolve(true)
    : apiKey.get().then(
        () => true,
        (error: unknown) => {
          errors.push(describeError(error, deps.nameSetting));
          return false;
        },
      );
  const gathered = await gatherSources(deps, { log, calls: awsCalls, signal, now: startedAt });
  const { samples, skipped, newestDataTime } = gathered;
  errors.push(...gathered.errors);
  const billingDataAgeHours =
    newestDataTime === undefined ? undefined : round((startedAt.getTime() - newestDataTime.getTime()) / 3_600_000, 2);

  const status: RunStatus = errors.length === 0 ? 'success' : samples.length > 0 ? 'partial' : 'failure';
  const health = config.sendHealthMetrics
    ? healthSamples({ accountId: deps.accountId, status, billingSeries: samples.length, startedAt, now: clock(), billingDataAgeHours })
    : [];
  const built = buildSeries([...samples, ...health], {
    metricPrefix: config.metricPrefix,
    globalTags: config.globalTags,
    timestamp: Math.floor(startedAt.getTime() / 1000),
  });
  for (const warning of built.warnings) log.warn(warning);

  let datadog = { requests: 0, unanswered: 0, bytes: 0, seriesSent: 0 };
  if (!deps.dryRun && built.series.length > 0 && (await keyReady)) {
    const sent = await submitBodies(packBodies(built.series), {
      apiOrigin: config.apiOrigin,
      apiKey,
      deadline: deps.deadline,
      log,
      ...(deps.observeDatadog === undefined ? {} : { observe: deps.observeDatadog }),
      ...(deps.nameSetting === undefined ? {} : { nameSetting: deps.nameSetting }),
    });
    datadog = { requests: sent.requests, unanswered: sent.unanswered, bytes: sent.bytesSent, seriesSent: sent.seriesSent };
    errors.push(...sent.errors);
  }
  const secretReads = deps.apiKey.reads - readsBefore;
  if (secretReads > 0) increment(awsCalls, 'GetSecretValue', secretReads);

  const summary: RunSummary = {
    // A failure to send turns a clean collection into a partial or failed run.
    status: errors.length === 0 ? 'success' : deps.dryRun ? status : datadog.seriesSent > 0 ? 'partial' : 'failure',
    accountId: deps.accountId,
    series: countByMetric(built.series),
    seriesTotal: built.series.length,
    skipped,
    awsCalls,
    datadog,
    ...(billingDataAgeHours === undefined ? {} : { billingDataAgeHours }),
    durationMs: clock().getTime() - startedAt.getTime(),
    warnings,
    errors,
    dryRun: deps.dryRun ?? false,
  };
  return { summary, series: built.series };
}

/**
 * The key as one run uses it: read once, at its start, under the run's signal, and used by
 * every body whatever the cache's age (a key expiring mid-run, or a maximum age of 0, costs no
 * second read). A 403 may read it again once for the whole run, before the run's deadline.
 */
function runKey(source: ApiKeySource, signal: AbortSignal, deadline: number): ApiKeySource {
  let current: Promise<string> | undefined;
  let reread: Promise<string> | undefined;
  const refresh = source.refresh?.bind(source);
  return {
    origin: source.origin,
    get reads() {
      return source.reads;
    },
    get: () => (current ??= source.get(signal)),
    ...(refresh && {
      // The bodies refused with the first key share one re-read; later bodies start with its key.
      refresh: () => (current = reread ??= refresh(AbortSignal.timeout(Math.max(1, deadline - Date.now())))),
    }),
  };
}

interface Gathered {
  readonly samples: Sample[];
  readonly skipped: Partial<Record<SkipReason, number>>;
  /** The newest billing point read, for the age metric; filled in as sources settle. */
  newestDataTime?: Date;
  readonly errors: string[];
}

/** Runs the enabled sources concurrently; one failing leaves the others' samples intact. */
async function gatherSources(
  deps: CollectDependencies,
  run: { readonly log: Logger; readonly calls: CallCounter; readonly signal: AbortSignal; readonly now: Date },
): Promise<Gathered> {
  const sources = enabledSources(deps.config).map((source) =>
    source.collect(deps.clients.clientsFor(source), { config: deps.config, accountId: deps.accountId, ...run }),
  );

  const gathered: Gathered = { samples: [], skipped: {}, errors: [] };
  for (const settled of await Promise.allSettled(sources)) {
    if (settled.status === 'rejected') {
      gathered.errors.push(describeError(settled.reason, deps.nameSetting));
      continue;
    }
    gathered.samples.push(...settled.value.samples);
    for (const error of settled.value.errors ?? []) gathered.errors.push(describeError(error, deps.nameSetting));
    for (const [reason, count] of Object.entries(settled.value.skipped)) increment(gathered.skipped, reason as SkipReason, count);
    gathered.newestDataTime = settled.value.newestDataTime ?? gathered.newestDataTime;
  }
  return gathered;
}

interface HealthInput {
  readonly accountId: string;
  readonly status: RunStatus;
  readonly billingSeries: number;
  readonly startedAt: Date;
  readonly now: Date;
  readonly billingDataAgeHours: number | undefined;
}

/** The collector's own metrics: a fixed, small number of series per run. */
function healthSamples(input: HealthInput): Sample[] {
  const account = ['account_id', input.accountId] as const;
  const samples: Sample[] = [
    { metric: 'collectorRun', value: 1, tags: [account, ['status', input.status]] },
    { metric: 'collectorSeries', value: input.billingSeries, tags: [account] },
    {
      metric: 'collectorDuration',
      value: round((input.now.getTime() - input.startedAt.getTime()) / 1000, 3),
      unit: 'second',
      tags: [account],
    },
  ];
  if (input.billingDataAgeHours !== undefined) {
    samples.push({ metric: 'estimatedChargesAge', value: input.billingDataAgeHours, unit: 'hour', tags: [account] });
  }
  return samples;
}

function countByMetric(series: readonly MetricSeries[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of series) increment(counts, item.metric);
  return counts;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

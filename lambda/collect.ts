/**
 * One collection run: sources -> samples -> series -> bodies -> Datadog, and a summary of it.
 *
 * The enabled sources (`sources/index.ts`) and the API key read run concurrently; one failing
 * does not stop the others' metrics from being sent. Errors are gathered into the summary instead of thrown, so the
 * caller can log the summary and then fail the run. In organization mode (`accounts/read.ts`)
 * each account is read with its own clients, and its series are sent as they are built.
 */
import type { Config } from './config';
import { buildSeries, type MetricSeries } from './datadog/series';
import { packBodies } from './datadog/payload';
import type { HttpObserver } from './datadog/http';
import { functionOriginSettings, submitBodies, type ApiKeySource } from './datadog/submit';
import { ActionableError, describeError, type SettingNamer } from './errors';
import type { OrganizationAccess } from './accounts/access';
import { accountTimeoutMs, readOrganization, type AccountCounts, type OrganizationRead } from './accounts/read';
import { SeriesQueue } from './datadog/series-queue';
import type { Logger } from './log';
import type { RunStatus } from './metrics';
import { increment, type CallCounter, type Sample, type SkipReason } from './samples';
import { SOURCES, sourcesRunBy } from './sources';
import type { Trigger } from './trigger';
import { RequestCap } from './request-cap';
import type { RunEffects, SourceRun } from './sources/source';
import { eventPoster } from './datadog/events';
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
  /** Organization mode's way into the other accounts; needed when `config.accounts` is `organization`. */
  readonly organization?: OrganizationAccess;
  /** Which rule started the run, and so which sources it reads (`trigger.ts`). @default 'schedule' */
  readonly trigger?: Trigger;
}

/** What a run did; logged as one JSON line and returned to the caller. */
export interface RunSummary {
  readonly status: RunStatus;
  readonly accountId: string;
  /** The rule whose sources the run read. */
  readonly trigger: Trigger;
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
  /** In organization mode: the accounts read, failed (with their ids) and skipped. Absent in self mode. */
  readonly accounts?: AccountCounts;
  /** Cost Explorer requests made (each billed), on a `cost_explorer` run. */
  readonly costExplorerRequests?: number;
}

export interface RunResult {
  readonly summary: RunSummary;
  /**
   * Everything that was (or, in a dry run, would have been) sent. In organization mode only a
   * dry run keeps them: a run sends them as they are built, so memory stays flat.
   */
  readonly series: readonly MetricSeries[];
}

export async function collect(deps: CollectDependencies): Promise<RunResult> {
  const clock = deps.now ?? (() => new Date());
  const startedAt = clock();
  const { config } = deps;
  const trigger = deps.trigger ?? 'schedule';
  const costExplorerRequests = new RequestCap('Cost Explorer', config.costExplorerMaxRequests, 'costExplorerMaxRequests');
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
  const awsMs = Math.max(0, Math.floor(remainingMs - Math.min(10_000, remainingMs / 4)));
  const signal = AbortSignal.timeout(awsMs);

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
  // A run of a rule whose sources are all off reads nothing: it fails, naming their switches.
  const idle = idleTriggerError(config, trigger);
  if (idle !== undefined) errors.push(describeError(idle, deps.nameSetting));
  // A dry run posts no event and writes no state: its sources get no effects.
  const effects: RunEffects | undefined = deps.dryRun
    ? undefined
    : {
        ownClients: deps.clients,
        postEvent: eventPoster({
          apiOrigin: config.apiOrigin,
          apiKey,
          deadline: deps.deadline,
          originSettings: functionOriginSettings(config.apiOrigin),
          ...(deps.observeDatadog === undefined ? {} : { observe: deps.observeDatadog }),
        }),
      };
  if (config.accounts === 'organization') {
    return collectOrganization(deps, {
      log,
      errors,
      awsCalls,
      signal,
      awsMs,
      apiKey,
      keyReady,
      startedAt,
      clock,
      readsBefore,
      warnings: () => warnings,
      trigger,
      costExplorerRequests,
      effects,
    });
  }
  const gathered = await gatherSources(deps, trigger, {
    log,
    calls: awsCalls,
    signal,
    now: startedAt,
    costExplorerRequests,
    ...(effects === undefined ? {} : { effects }),
  });
  const { samples, skipped, newestDataTime } = gathered;
  errors.push(...gathered.errors);
  const billingDataAgeHours =
    newestDataTime === undefined ? undefined : round((startedAt.getTime() - newestDataTime.getTime()) / 3_600_000, 2);

  const health = config.sendHealthMetrics
    ? healthSamples({
        accountId: deps.accountId,
        trigger,
        status: runStatus(errors.length, samples.length),
        billingSeries: samples.length,
        startedAt,
        now: clock(),
        billingDataAgeHours,
        costExplorerRequests: costExplorerRequests.used,
      })
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
    status: runStatus(errors.length, samples.length, deps.dryRun ? undefined : datadog.seriesSent),
    accountId: deps.accountId,
    trigger,
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
    ...costExplorerCount(trigger, costExplorerRequests),
  };
  return { summary, series: built.series };
}

/**
 * A run's status: the one rule behind both the summary's `status` (the log line) and the
 * `status` tag of `collector.run` (what Datadog sees), worked out at two moments: the tag before
 * sending, the summary after. With an error, `failure` when the run read no billing series (the
 * health series alone are no partial success) or Datadog took none of what was sent, else
 * `partial`; without one, `partial` when an account failed, else `success`. Positional, as the
 * minifier keeps property names and the function's bundle is measured by the byte.
 * @param seriesSent series Datadog accepted, once sent; undefined before sending and in a dry run
 */
export function runStatus(errors: number, billingSeries: number, seriesSent?: number, accountsFailed = 0): RunStatus {
  if (errors > 0) return billingSeries === 0 || seriesSent === 0 ? 'failure' : 'partial';
  return accountsFailed > 0 ? 'partial' : 'success';
}

/** What a run has set up when it reads the organization. */
interface RunContext {
  readonly log: Logger;
  readonly errors: string[];
  readonly awsCalls: CallCounter;
  readonly signal: AbortSignal;
  /** Milliseconds the AWS calls may take, from the start. */
  readonly awsMs: number;
  readonly apiKey: ApiKeySource;
  readonly keyReady: Promise<boolean>;
  readonly startedAt: Date;
  readonly clock: () => Date;
  readonly readsBefore: number;
  readonly warnings: () => number;
  readonly trigger: Trigger;
  readonly costExplorerRequests: RequestCap;
  readonly effects: RunEffects | undefined;
}

/**
 * The organization's run: each account's series built from its own samples (tag collisions
 * matter within an account, as every series carries `account_id`) and queued for Datadog as they
 * are built, so that no account's samples or series are kept once their bodies are made.
 */
async function collectOrganization(deps: CollectDependencies, run: RunContext): Promise<RunResult> {
  const { config, organization } = deps;
  if (organization === undefined) throw new Error('collect: organization mode needs deps.organization');
  const seriesOptions = {
    metricPrefix: config.metricPrefix,
    globalTags: config.globalTags,
    timestamp: Math.floor(run.startedAt.getTime() / 1000),
  };
  const counts: Record<string, number> = {};
  const kept: MetricSeries[] = [];
  let seriesTotal = 0;
  let billingSeries = 0;
  const queue = deps.dryRun
    ? undefined
    : new SeriesQueue(async (bodies) =>
        (await run.keyReady)
          ? submitBodies(bodies, {
              apiOrigin: config.apiOrigin,
              apiKey: run.apiKey,
              deadline: deps.deadline,
              log: run.log,
              ...(deps.observeDatadog === undefined ? {} : { observe: deps.observeDatadog }),
              ...(deps.nameSetting === undefined ? {} : { nameSetting: deps.nameSetting }),
            })
          : { requests: 0, unanswered: 0, bytesSent: 0, seriesSent: 0, errors: [] },
      );
  const emit = async (samples: readonly Sample[]): Promise<void> => {
    const built = buildSeries(samples, seriesOptions);
    for (const warning of built.warnings) run.log.warn(warning);
    for (const item of built.series) increment(counts, item.metric);
    seriesTotal += built.series.length;
    if (queue === undefined) kept.push(...built.series);
    else await queue.add(built.series);
  };

  let read: OrganizationRead | undefined;
  try {
    read = await readOrganization({
      config,
      ownAccountId: deps.accountId,
      ownClients: deps.clients,
      trigger: run.trigger,
      costExplorerRequests: run.costExplorerRequests,
      ...(run.effects === undefined ? {} : { effects: run.effects }),
      access: organization,
      log: run.log,
      calls: run.awsCalls,
      signal: run.signal,
      now: run.startedAt,
      accountTimeoutMs: accountTimeoutMs(run.awsMs),
      ...(deps.nameSetting === undefined ? {} : { nameSetting: deps.nameSetting }),
      onSamples: async (samples) => {
        billingSeries += samples.length;
        await emit(samples);
      },
    });
    run.errors.push(...read.errors);
  } catch (error) {
    run.errors.push(describeError(error, deps.nameSetting));
  }
  const accounts = read?.accounts;
  const noneRead = accounts !== undefined && accounts.read === 0 && accounts.failed > 0;
  if (noneRead) run.errors.push(`No account of the organization could be read: all ${accounts.failed} failed (see the warnings).`);
  const newestDataTime = read?.newestDataTime;
  const billingDataAgeHours =
    newestDataTime === undefined ? undefined : round((run.startedAt.getTime() - newestDataTime.getTime()) / 3_600_000, 2);
  // No account read is a failed run, whatever the payer's own sources read.
  const billingRead = noneRead ? 0 : billingSeries;
  const collected = runStatus(run.errors.length, billingRead, undefined, accounts?.failed);
  if (config.sendHealthMetrics) {
    const health = healthSamples({
      accountId: deps.accountId,
      trigger: run.trigger,
      status: collected,
      billingSeries,
      startedAt: run.startedAt,
      now: run.clock(),
      billingDataAgeHours,
      costExplorerRequests: run.costExplorerRequests.used,
    });
    if (accounts !== undefined) health.push(...accountSamples(deps.accountId, accounts));
    await emit(health);
  }

  const sent = queue === undefined ? undefined : await queue.finish();
  const datadog =
    sent === undefined
      ? { requests: 0, unanswered: 0, bytes: 0, seriesSent: 0 }
      : { requests: sent.requests, unanswered: sent.unanswered, bytes: sent.bytesSent, seriesSent: sent.seriesSent };
  if (sent !== undefined) run.errors.push(...sent.errors);
  const secretReads = deps.apiKey.reads - run.readsBefore;
  if (secretReads > 0) increment(run.awsCalls, 'GetSecretValue', secretReads);
  const summary: RunSummary = {
    status: runStatus(run.errors.length, billingRead, deps.dryRun ? undefined : datadog.seriesSent, accounts?.failed),
    accountId: deps.accountId,
    trigger: run.trigger,
    series: counts,
    seriesTotal,
    skipped: read?.skipped ?? {},
    awsCalls: run.awsCalls,
    datadog,
    ...(billingDataAgeHours === undefined ? {} : { billingDataAgeHours }),
    durationMs: run.clock().getTime() - run.startedAt.getTime(),
    warnings: run.warnings(),
    errors: run.errors,
    dryRun: deps.dryRun ?? false,
    ...(accounts === undefined ? {} : { accounts }),
    ...costExplorerCount(run.trigger, run.costExplorerRequests),
  };
  return { summary, series: kept };
}

/** `collector.accounts`: the accounts read, failed and skipped, one series each. */
function accountSamples(accountId: string, accounts: AccountCounts): Sample[] {
  const skipped = Object.values(accounts.skipped).reduce((sum, count) => sum + count, 0);
  return (
    [
      ['ok', accounts.read],
      ['failed', accounts.failed],
      ['skipped', skipped],
    ] as const
  ).map(([status, value]) => ({
    metric: 'collectorAccounts',
    value,
    tags: [
      ['account_id', accountId],
      ['status', status],
    ],
  }));
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
async function gatherSources(deps: CollectDependencies, trigger: Trigger, run: Omit<SourceRun, 'config' | 'accountId'>): Promise<Gathered> {
  const sources = sourcesRunBy(deps.config, trigger).map((source) =>
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
  readonly trigger: Trigger;
  readonly status: RunStatus;
  readonly billingSeries: number;
  readonly startedAt: Date;
  readonly now: Date;
  readonly billingDataAgeHours: number | undefined;
  readonly costExplorerRequests: number;
}

/** The summary's count of Cost Explorer requests, on the runs of the rule that makes them. */
function costExplorerCount(trigger: Trigger, cap: RequestCap): { costExplorerRequests?: number } {
  return trigger === 'cost_explorer' ? { costExplorerRequests: cap.used } : {};
}

/** The error of a run whose trigger has no source on, naming the switches of that trigger's sources. */
function idleTriggerError(config: Config, trigger: Trigger): ActionableError | undefined {
  if (sourcesRunBy(config, trigger).length > 0) return undefined;
  const switches = SOURCES.filter((source) => source.trigger === trigger).map((source) => source.setting);
  return new ActionableError(`This run (trigger ${trigger}) has no source to read: each of its sources is off.`, {
    fix: (name) =>
      `Turn one on (${switches.map((setting) => name(setting, 'true')).join(', or ')}), or stop sending this event: the stack makes the rule that sends it only when one of them is on.`,
  });
}

/** The collector's own metrics: a fixed, small number of series per run. */
function healthSamples(input: HealthInput): Sample[] {
  const account = ['account_id', input.accountId] as const;
  const samples: Sample[] = [
    { metric: 'collectorRun', value: 1, tags: [account, ['status', input.status], ['trigger', input.trigger]] },
    { metric: 'collectorSeries', value: input.billingSeries, tags: [account] },
    {
      metric: 'collectorDuration',
      value: round((input.now.getTime() - input.startedAt.getTime()) / 1000, 3),
      unit: 'second',
      tags: [account],
    },
  ];
  if (input.trigger === 'cost_explorer') {
    samples.push({ metric: 'collectorCostExplorerRequests', value: input.costExplorerRequests, tags: [account] });
  }
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

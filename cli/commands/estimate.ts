/**
 * `estimate`: a dry-run collection, then what it means per month: Datadog custom metrics per
 * metric name, and the AWS API cost at a schedule, with the arithmetic shown.
 */
import type { Trigger } from '../../lambda/trigger';
import type { RunSummary } from '../../lambda/collect';
import { metricName } from '../../lambda/metrics';
import { NO_API_KEY } from '../api-key';
import { deployedRules, sourcesRunBy } from '../../lambda/sources';
import { AwsClientFactory, callerIdentity } from '../aws';
import { EXIT, type ExitCode } from '../errors';
import { num, usd } from '../cost-model';
import { deployedMemoryMb, estimate, type ChargeLevel, type Estimate } from '../estimate';
import { counts, table } from '../format';
import { Progress, stderrLogger, type Io } from '../io';
import { awsCallLine } from '../network';
import { runCollection } from '../run';
import type { MetricSeries } from '../../lambda/datadog/series';
import { increment } from '../../lambda/samples';
import { LEVEL_SWITCHES, type BillingScope } from '../../lambda/sources/estimated-charges';
import { settingSpec } from '../../lambda/settings';
import { resolveSettings, type CollectorFlags } from '../settings';

export interface EstimateOptions {
  readonly json: boolean;
  readonly profile?: string;
  readonly collector: CollectorFlags;
  readonly scheduleMinutes: number;
  /** The second rule's period, for the sources AWS bills per request (Cost Explorer). */
  readonly costExplorerScheduleMinutes: number;
  readonly includeLambda: boolean;
}

export interface EstimateReport extends Estimate {
  readonly accountId: string;
  readonly notes: readonly string[];
  /** Errors of the dry run: the counts above miss what they stopped. */
  readonly errors: readonly string[];
}

export async function runEstimate(options: EstimateOptions, io: Io): Promise<ExitCode> {
  // No Datadog flags: an estimate reads AWS only.
  const { config } = resolveSettings(options.collector, {}, io.env);
  const progress = new Progress(io);
  // Information lines (each AWS call among them) are shown with --verbose only.
  const log = stderrLogger(io, config.logLevel, options.json, progress);
  const aws = new AwsClientFactory({ profile: options.profile, observe: (call) => log.info(awsCallLine(call)) });
  try {
    progress.step('Resolving the AWS account (STS GetCallerIdentity)');
    const { accountId, arn } = await callerIdentity(aws, options.profile);
    // One dry run of a rule's sources, as its runs read them; a rule whose sources are all off is
    // not deployed (`deployedRules`), and is neither read nor priced.
    const dryRunOf = (trigger: Trigger) =>
      runCollection({ config, accountId, callerArn: arn, aws, apiKey: NO_API_KEY, log, dryRun: true, trigger });
    const rules = deployedRules(config);
    let hourly: Awaited<ReturnType<typeof dryRunOf>> | undefined;
    if (rules.schedule) {
      progress.step('Reading budgets and billing metrics (dry run)');
      hourly = await dryRunOf('schedule');
    }
    // The second rule's sources, read as its runs read them: each Cost Explorer request this
    // makes is billed $0.01, as the run's would be, and counted (pages included) to price them.
    let costExplorer: { summary: RunSummary } | undefined;
    if (rules.cost_explorer) {
      progress.step('Reading Cost Explorer (dry run; each request billed $0.01)');
      costExplorer = await dryRunOf('cost_explorer');
    }
    progress.clear();

    const result = estimate({
      seriesByMetric: hourly?.summary.series ?? {},
      notSent: hourly?.summary.skipped ?? {},
      perRun: { calls: (hourly?.summary.awsCalls ?? {}) as Record<string, number>, metricsRequested: aws.metricsRequestedSoFar },
      operations: sourcesRunBy(config, 'schedule').flatMap((source) => source.operations),
      scheduleMinutes: options.scheduleMinutes,
      hourlyRule: rules.schedule,
      apiKeyMaxAgeHours: config.apiKeyMaxAgeMs / 3_600_000,
      ...(config.collectEstimatedCharges && hourly !== undefined
        ? {
            chargeLevels: {
              sentByLevel: seriesByLevel(hourly.series, metricName(config.metricPrefix, 'estimatedCharges')),
              switches: config,
            },
          }
        : {}),
      ...(options.includeLambda
        ? {
            // The hourly run's duration; without the hourly rule, the second rule's.
            lambda: { memoryMb: deployedMemoryMb(config.accounts), durationMs: (hourly ?? costExplorer)?.summary.durationMs ?? 0 },
          }
        : {}),
      ...(costExplorer === undefined
        ? {}
        : {
            costExplorer: {
              scheduleMinutes: options.costExplorerScheduleMinutes,
              calls: costExplorer.summary.awsCalls as Record<string, number>,
              seriesByMetric: costExplorer.summary.series,
              operations: sourcesRunBy(config, 'cost_explorer').flatMap((source) => source.operations),
            },
          }),
    });
    const errors = [...(hourly?.summary.errors ?? []), ...(costExplorer?.summary.errors ?? [])];
    const report: EstimateReport = {
      accountId,
      ...result,
      notes: [...notes(errors.length > 0, config.metricPrefix, config.sendHealthMetrics), ...levelNotes(result.chargeLevels)],
      errors,
    };
    io.out(options.json ? `${JSON.stringify(report, null, 2)}\n` : estimateText(report));
    return report.errors.length === 0 ? EXIT.ok : EXIT.failure;
  } finally {
    progress.clear();
    aws.destroy();
  }
}

/** The dry run's estimated-charges series by their `billing_scope` tag. */
function seriesByLevel(series: readonly MetricSeries[], chargesMetric: string): Partial<Record<BillingScope, number>> {
  const byLevel: Partial<Record<BillingScope, number>> = {};
  for (const item of series) {
    if (item.metric !== chargesMetric) continue;
    const level = item.tags.find((tag) => tag.startsWith(BILLING_SCOPE_TAG))?.slice(BILLING_SCOPE_TAG.length) as BillingScope | undefined;
    if (level !== undefined) increment(byLevel, level);
  }
  return byLevel;
}

const BILLING_SCOPE_TAG = 'billing_scope:';

/** How to turn on each level that is switched off, and what it would add. */
function levelNotes(levels: readonly ChargeLevel[]): string[] {
  return levels.flatMap((level) => {
    const levelSwitch = LEVEL_SWITCHES[level.level];
    if (level.sent || levelSwitch === undefined) return [];
    return [
      `The ${level.level} level is switched off: ${num(level.series)} more series and ${usd(level.awsCost.monthlyUsd)} a month ` +
        `of CloudWatch GetMetricData with --${settingSpec(levelSwitch.setting).flag ?? levelSwitch.setting}.`,
    ];
  });
}

function notes(dryRunErrors: boolean, prefix: string, health: boolean): string[] {
  const list = [
    'Each series is one Datadog custom metric (a metric name with one combination of tags), billed by Datadog ' +
      'under your plan; the counts are those of this account today.',
    'Counts grow with the account: a service used for the first time this month adds an estimated_charges series, ' +
      'a new COST budget adds up to five, and two for each alert threshold it has.',
  ];
  if (health) {
    list.push(
      `${metricName(prefix, 'collectorRun')} carries the run's status and trigger tags: up to 3 series over time for each rule ` +
        '(success, partial, failure). ' +
        'Leave the health metrics out with --no-health-metrics.',
    );
  }
  if (dryRunErrors) list.push('The dry run had errors (listed below): the counts miss what they stopped.');
  return list;
}

export function estimateText(report: EstimateReport): string {
  const metrics = report.customMetrics;
  const rows = Object.entries(metrics.byMetric).map(([metric, count]) => [metric, num(count)]);
  rows.push(['total', num(metrics.total)]);
  const cost = report.awsCost;
  const costRows = cost.lines.map((line) => [line.item, line.arithmetic]);
  costRows.push(['total', usd(cost.monthlyUsd)]);
  const lineNotes = cost.lines.filter((line) => line.note !== undefined).map((line) => `  - ${line.item}: ${line.note}`);
  const levels = report.chargeLevels.map((level) => [
    level.level,
    level.sent ? 'yes' : 'no (switched off)',
    num(level.series),
    level.awsCost.arithmetic,
  ]);
  const parts = [
    `Datadog custom metrics for account ${report.accountId}, from a dry run with these switches`,
    '',
    table(['METRIC', 'SERIES'], rows, new Set([1])),
    `Not sent, by reason: ${counts(metrics.notSent)}`,
    '',
    report.schedule.hourlyRule
      ? `AWS cost per month, collecting every ${num(report.schedule.minutes)} minutes ` +
        `(${num(report.schedule.runsPerMonth)} runs in a ${report.schedule.hoursPerMonth}-hour month; us-east-1 list prices)`
      : `AWS cost per month, with no hourly rule (no source of it is on): the second rule's runs only ` +
        `(${report.schedule.hoursPerMonth}-hour month; us-east-1 list prices)`,
    '',
    table(['ITEM', 'ARITHMETIC'], costRows),
    ...(levels.length === 0
      ? []
      : [
          'Estimated charges by level (billing_scope): each series is one custom metric and one CloudWatch GetMetricData metric a run; ' +
            'a level switched off is counted from the series it skipped, and is not in the totals above',
          '',
          table(['LEVEL', 'SENT', 'SERIES', 'CLOUDWATCH GETMETRICDATA PER MONTH'], levels, new Set([2])),
        ]),
    ...(report.costExplorer === undefined
      ? []
      : [
          `Cost Explorer: ${num(report.costExplorer.requestsPerRun)} requests a run (each page one, $0.01 each), every ` +
            `${num(report.costExplorer.minutes)} minutes (${num(report.costExplorer.runsPerMonth)} runs a month, the second rule)`,
          '',
        ]),
    'Notes',
    ...lineNotes,
    ...report.notes.map((note) => `  - ${note}`),
    ...report.errors.map((error) => `  error: ${error}`),
  ];
  return `${parts.join('\n')}\n`;
}

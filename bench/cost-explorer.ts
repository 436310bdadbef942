/**
 * The benchmark's Cost Explorer scenario (issue 14; quick and full mode): one cold invocation of
 * the real bundle on the second rule's event (`triggerEvent('cost_explorer')`), with
 * `COLLECT_COST_EXPLORER=true` and the rest at the defaults, against the fake AWS seeded with the
 * Cost Explorer of an organization of 50 linked accounts and the payer × 50 services over the
 * last two months. AWS bills each request, so its figure is the requests of a run against the
 * minimum (`minimumCostExplorerCalls`), and what they cost a month at `costExplorerSchedule`.
 */
import { operationLine, runsPerMonth, totalUsd, type CostLine } from '../cli/cost-model';
import { DEPLOYMENT_DEFAULTS } from '../lambda/deployment';
import { metricName, type MetricKey } from '../lambda/metrics';
import { costExplorerSource } from '../lambda/sources/cost-explorer';
import { costFamilies } from '../lambda/sources/cost-explorer-families';
import { costPeriods } from '../lambda/sources/cost-periods';
import { DEFAULTS } from '../lambda/settings';
import { triggerEvent } from '../lambda/trigger';
import { makeCostExplorerOrganization, type CostExplorerDataset } from './dataset';
import { lambdaNodeFlags } from './machine';
import { COST_EXPLORER_CALL_NAMES, minimumCostExplorerCalls, type CostExplorerCalls } from './minimum';
import { callsAgainstMinimum, coldRunAgainstFakes, countedCalls, type ScenarioOptions } from './scale';
import { round } from './stats';

/** The organization of the price assumption ("up to 50 accounts and 50 services"), and its payer. */
export const COST_EXPLORER_ORGANIZATION = { linkedAccounts: 50, services: 50 } as const;

type Check = { readonly name: string; readonly ok: boolean; readonly detail: string };

export interface CostExplorerFigure {
  readonly linkedAccounts: number;
  readonly services: number;
  readonly latencyMs: number;
  readonly calls: {
    readonly measured: CostExplorerCalls;
    readonly minimum: CostExplorerCalls;
    readonly met: boolean;
    readonly over: string[];
  };
  /** Requests the run made, each billed: the sum of `calls.measured`. */
  readonly requestsPerRun: number;
  /** The second rule's schedule (the construct's default) and its runs in a 730-hour month. */
  readonly schedule: string;
  readonly runsPerMonth: number;
  /** The requests of a month, priced from the source's declared operations (cli/cost-model.ts). */
  readonly cost: { readonly lines: readonly CostLine[]; readonly totalUsd: number };
  /** The run's wall time, which includes the fake's own work on two months of rows: not a figure. */
  readonly durationMs: number;
  /** The function's CPU time in the run (user + system of its process). */
  readonly cpuMs: number;
  readonly seriesSent: number;
  readonly checks: readonly Check[];
}

export interface CostExplorerOptions extends ScenarioOptions {
  readonly timeoutMs: number;
}

export async function measureCostExplorer(options: CostExplorerOptions): Promise<CostExplorerFigure> {
  const { linkedAccounts, services } = COST_EXPLORER_ORGANIZATION;
  const now = new Date();
  const dataset = makeCostExplorerOrganization(linkedAccounts, services, now);
  options.progress(
    `Cost Explorer: one run of the second rule, ${linkedAccounts} linked accounts and the payer × ${services} services, ${options.latencyMs} ms latency`,
  );
  const { invocation } = await coldRunAgainstFakes(options, {
    label: 'Cost Explorer run',
    seed: dataset.seed,
    // As the stack deploys it with `collectCostExplorer` on, the rest at the defaults.
    env: { COLLECT_COST_EXPLORER: 'true', BENCH_EVENT: JSON.stringify(triggerEvent('cost_explorer')) },
    timeoutMs: options.timeoutMs,
    nodeFlags: lambdaNodeFlags(DEPLOYMENT_DEFAULTS.memorySizeMb),
  });
  const minimum = minimumCostExplorerCalls({
    groupBy: DEFAULTS.costGroupBy,
    costMetrics: DEFAULTS.costMetrics,
    groups: dataset.groups,
    now,
  });
  // The key is read once (a cold run); nothing else is called: the hourly sources wait for their rule.
  const calls = callsAgainstMinimum(invocation, COST_EXPLORER_CALL_NAMES, minimum, { GetSecretValue: 1 });
  const measured = calls.measured;
  const requestsPerRun = COST_EXPLORER_CALL_NAMES.reduce((sum, name) => sum + measured[name], 0);
  const schedule = DEPLOYMENT_DEFAULTS.costExplorerScheduleExpression;
  const runs = runsPerMonth(DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes);
  const lines = costExplorerSource.operations.map((operation) =>
    operationLine(operation, measured[operation.name as keyof CostExplorerCalls] ?? 0, 0, runs),
  );
  return {
    linkedAccounts,
    services,
    latencyMs: options.latencyMs,
    calls,
    requestsPerRun,
    schedule,
    runsPerMonth: runs,
    cost: { lines, totalUsd: totalUsd(lines) },
    durationMs: round(invocation.durationMs),
    cpuMs: round(invocation.cpuMs),
    seriesSent: invocation.datadog.series.length,
    checks: costExplorerChecks(invocation, dataset, now, requestsPerRun),
  };
}

/** What must hold for the run's figures to mean anything: it read every family, sent each series, and counted its requests. */
function costExplorerChecks(
  invocation: Parameters<typeof countedCalls>[0],
  dataset: CostExplorerDataset,
  now: Date,
  requests: number,
): Check[] {
  const summary = invocation.summary as { status?: string; costExplorerRequests?: number } | undefined;
  const prefix = DEFAULTS.metricPrefix;
  const sent = (key: MetricKey): number => invocation.datadog.seriesPerMetric[metricName(prefix, key)] ?? 0;
  // Each family sends its groups up to costMaxGroups, and one `other` beyond them; the total one series.
  const perPeriod = costFamilies(DEFAULTS.costGroupBy).reduce((sum, family) => {
    if (family.groupBy.length === 0) return sum + 1;
    const groups = dataset.groups[family.scope as keyof CostExplorerDataset['groups']];
    return sum + (groups > DEFAULTS.costMaxGroups ? DEFAULTS.costMaxGroups + 1 : groups);
  }, 0);
  const expected: Partial<Record<MetricKey, number>> = {
    costLastMonth: perPeriod,
    costDaily: perPeriod,
    // Month to date is empty on the 1st, and not sent.
    costMonthToDate: costPeriods(now).monthToDate === undefined ? 0 : perPeriod,
    costForecast: DEFAULTS.costMetrics.length,
    costForecastUpper: DEFAULTS.costMetrics.length,
  };
  const wrong = Object.entries(expected).filter(([key, count]) => sent(key as MetricKey) !== count);
  const health = invocation.datadog.series.find((series) => series.metric === metricName(prefix, 'collectorCostExplorerRequests'));
  const healthValue = health?.points[0]?.value;
  return [
    {
      name: 'Cost Explorer run: status success, and the summary counts the requests the fake answered',
      ok: summary?.status === 'success' && summary.costExplorerRequests === requests,
      detail: JSON.stringify({ status: summary?.status, costExplorerRequests: summary?.costExplorerRequests, counted: requests }),
    },
    {
      name: "Cost Explorer run: every family's series sent (the total, each group up to costMaxGroups, and other)",
      ok: wrong.length === 0,
      detail:
        wrong.length === 0
          ? `${perPeriod} series a period`
          : wrong.map(([key, count]) => `${metricName(prefix, key as MetricKey)} ${sent(key as MetricKey)} of ${count}`).join(', '),
    },
    {
      name: 'Cost Explorer run: its health metric counts its requests',
      ok: healthValue === requests,
      detail: `${metricName(prefix, 'collectorCostExplorerRequests')} ${String(healthValue)}, counted ${requests}`,
    },
    {
      // Not timed: the fake sums two months of rows per query, which may take longer than the latency.
      name: 'Cost Explorer run: no AWS error answers, Datadog accepted every request',
      ok: Object.keys(invocation.aws.errors).length === 0 && Object.keys(invocation.datadog.refused).length === 0,
      detail: JSON.stringify({ aws: invocation.aws.errors, datadog: invocation.datadog.refused }),
    },
  ];
}

/** The lines printed under the main table. */
export function costExplorerNotes(figure: CostExplorerFigure): string[] {
  return [
    `Cost Explorer run: GetCostAndUsage / GetCostForecast requests (each page one, each billed), counted by the fake AWS, of one run of the ` +
      `second rule's event against ${figure.linkedAccounts} linked accounts and the payer × ${figure.services} services, the defaults ` +
      `(costGroupBy ${DEFAULTS.costGroupBy.join(',')}, costMetrics ${DEFAULTS.costMetrics.join(',')}, costMaxGroups ${DEFAULTS.costMaxGroups}); ` +
      `${figure.seriesSent} series sent; the function's CPU time ${figure.cpuMs} ms.`,
    ...(figure.calls.met ? [] : [`  Cost Explorer run above the minimum: ${figure.calls.over.join(', ')}`]),
    ...figure.cost.lines.map((line) => `  ${line.item}: ${line.arithmetic}`),
  ];
}

/**
 * AWS Cost Anomaly Detection: each anomaly of the last 7 days posted once as a Datadog event
 * (again when its impact has grown), and per anomaly monitor the open anomalies and their impact
 * as metrics. Read in the payer (management) account, on the Cost Explorer rule's runs: AWS bills
 * each request, and these share the run's Cost Explorer request cap.
 *
 * Posting is the run's side effect (`SourceRun.effects`): a dry run reads and builds the metrics,
 * and posts nothing and writes no state. What was posted is kept in the stack's DynamoDB table
 * (`cost-anomaly-state.ts`).
 */
import {
  CostExplorerClient,
  GetAnomaliesCommand,
  GetAnomalyMonitorsCommand,
  type Anomaly,
  type AnomalyMonitor,
} from '@aws-sdk/client-cost-explorer';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { runWithConcurrency } from '../concurrency';
import { anomalyEvent, type AnomalyFinding } from '../datadog/events';
import { AnomalyStateTableError } from '../errors';
import type { MetricDefinition } from '../metrics';
import { awsListing, followPages } from '../paging';
import { increment, type Sample } from '../samples';
import { callNeeding } from './aws-errors';
import { AnomalyStateStore } from './cost-anomaly-state';
import { counted, defineSource, metricKeys, type RunEffects, type SourceRun } from './source';

/** The metrics of this source (see `metrics.ts`). */
export const COST_ANOMALY_METRICS = {
  /** Anomalies of one monitor whose end date is within the last 2 days (or still open). */
  costAnomalyOpen: {
    suffix: 'cost_anomaly.open',
    tagKeys: ['account_id', 'anomaly_monitor', 'account_name'],
  },
  /** The sum of those anomalies' total impact, in dollars. */
  costAnomalyImpact: {
    suffix: 'cost_anomaly.impact',
    tagKeys: ['account_id', 'anomaly_monitor', 'account_name'],
  },
  /** Health: the anomaly events the run posted to Datadog (none in a dry run). */
  costAnomalyEvents: {
    suffix: 'collector.anomaly_events',
    tagKeys: ['account_id', 'account_name'],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Anomalies whose end date is in the last 7 days are read, each run. */
export const ANOMALY_LOOK_BACK_DAYS = 7;
/** An anomaly that ended within the last 2 days counts as open. */
export const OPEN_ANOMALY_DAYS = 2;
/** Events posted at once. */
const POST_CONCURRENCY = 4;
const DAY_MS = 86_400_000;

const GET_ANOMALIES = 'ce:GetAnomalies';
const GET_ANOMALY_MONITORS = 'ce:GetAnomalyMonitors';
/** Each page is a billed request, and every one is counted against the run's cap: generous bounds. */
const MONITOR_PAGES = awsListing('GetAnomalyMonitors', 100);
const ANOMALY_PAGES = awsListing('GetAnomalies', 100);

const ymd = (date: Date): string => date.toISOString().slice(0, 10);

/** The monitors' names by ARN, every page, each page taken from the run's cap. */
async function readMonitors(client: CostExplorerClient, run: SourceRun): Promise<AnomalyMonitor[]> {
  const monitors: AnomalyMonitor[] = [];
  await followPages(MONITOR_PAGES, async (token) => {
    run.costExplorerRequests.take();
    increment(run.calls, 'GetAnomalyMonitors');
    const page = await callNeeding(GET_ANOMALY_MONITORS, () =>
      client.send(new GetAnomalyMonitorsCommand({ NextPageToken: token }), { abortSignal: run.signal }),
    );
    monitors.push(...(page.AnomalyMonitors ?? []));
    return page.NextPageToken;
  });
  return monitors;
}

/** The anomalies whose end date is in the last 7 days (or that are still open), every page. */
async function readAnomalies(client: CostExplorerClient, run: SourceRun): Promise<Anomaly[]> {
  const anomalies: Anomaly[] = [];
  const interval = { StartDate: ymd(new Date(run.now.getTime() - ANOMALY_LOOK_BACK_DAYS * DAY_MS)), EndDate: ymd(run.now) };
  await followPages(ANOMALY_PAGES, async (token) => {
    run.costExplorerRequests.take();
    increment(run.calls, 'GetAnomalies');
    const page = await callNeeding(GET_ANOMALIES, () =>
      client.send(new GetAnomaliesCommand({ DateInterval: interval, NextPageToken: token }), { abortSignal: run.signal }),
    );
    anomalies.push(...(page.Anomalies ?? []));
    return page.NextPageToken;
  });
  return anomalies;
}

/** An anomaly as its event needs it: its largest root cause names the account and the service. */
export function findingOf(anomaly: Anomaly, monitorName: string, readAccount: string): AnomalyFinding {
  const causes = [...(anomaly.RootCauses ?? [])]
    .sort((a, b) => (b.Impact?.Contribution ?? 0) - (a.Impact?.Contribution ?? 0))
    .map((cause) => ({
      service: cause.Service,
      accountId: cause.LinkedAccount,
      accountName: cause.LinkedAccountName,
      region: cause.Region,
      usageType: cause.UsageType,
      impact: cause.Impact?.Contribution,
    }));
  const main = causes[0];
  const accountId = main?.accountId ?? readAccount;
  const service = main?.service;
  const impact = anomaly.Impact;
  return {
    id: anomaly.AnomalyId ?? '',
    subject: anomaly.DimensionValue ?? service ?? 'AWS spend',
    accountId,
    accountName: main?.accountName ?? accountId,
    ...(service === undefined ? {} : { service }),
    monitorArn: anomaly.MonitorArn ?? '',
    monitorName,
    startDate: (anomaly.AnomalyStartDate ?? '').slice(0, 10),
    ...(anomaly.AnomalyEndDate === undefined ? {} : { endDate: anomaly.AnomalyEndDate.slice(0, 10) }),
    totalImpact: impact?.TotalImpact ?? 0,
    ...(impact?.TotalActualSpend === undefined ? {} : { actualSpend: impact.TotalActualSpend }),
    ...(impact?.TotalExpectedSpend === undefined ? {} : { expectedSpend: impact.TotalExpectedSpend }),
    ...(impact?.TotalImpactPercentage === undefined ? {} : { impactPercent: impact.TotalImpactPercentage }),
    causes,
  };
}

/** The anomalies read are posted: each claimed, posted, then marked (or released when refused). */
async function postAnomalies(
  findings: readonly AnomalyFinding[],
  run: SourceRun,
  effects: RunEffects,
): Promise<{ posted: number; errors: unknown[] }> {
  const { config } = run;
  const table = config.anomalyStateTable;
  if (table === undefined) {
    return {
      posted: 0,
      errors: [new AnomalyStateTableError(undefined)],
    };
  }
  // The table is the function's own, in its region (its ARN's), whichever account the source reads.
  const region = table.split(':')[3];
  const { stateTable } = effects.ownClients.clientsFor({
    clients: { stateTable: (options) => new DynamoDBClient({ ...options, region }) },
  });
  const store = new AnomalyStateStore(stateTable, table, config.anomalyRepostGrowthPercent);
  let posted = 0;
  const errors: unknown[] = [];
  let stateFailed = false;
  await runWithConcurrency(findings, POST_CONCURRENCY, async (finding) => {
    // A table that fails (missing, throttled past the retries) fails every claim alike: one error.
    if (stateFailed) return;
    let claim;
    try {
      claim = await store.claim(finding.id, finding.totalImpact);
    } catch (error) {
      // Claims already in flight fail alike: the first error says it.
      if (!stateFailed) errors.push(error);
      stateFailed = true;
      return;
    }
    if (claim === undefined) return;
    try {
      await effects.postEvent(
        anomalyEvent(finding, { globalTags: config.globalTags, errorImpactUsd: config.anomalyErrorImpactUsd, now: new Date() }),
      );
    } catch (error) {
      errors.push(error);
      // The next run posts it: a release that fails leaves a lease, which lapses before then.
      await store.release(claim).catch((released: unknown) => errors.push(released));
      return;
    }
    posted += 1;
    try {
      await store.markPosted(claim);
    } catch (error) {
      // Posted, not marked: the lease lapses and the next run posts it once more.
      errors.push(error);
    }
  });
  return { posted, errors };
}

export const costAnomaliesSource = defineSource({
  id: 'cost-anomalies',
  title: 'AWS Cost Anomaly Detection readable',
  setting: 'collectCostAnomalies',
  // The management account's anomalies cover every linked account.
  scope: 'payer',
  trigger: 'cost_explorer',
  switchDoc: 'Post each AWS Cost Anomaly Detection anomaly as a Datadog event, and send the open anomalies and their impact per monitor.',
  iam: [
    {
      sid: 'ReadCostAnomalies',
      actions: [GET_ANOMALIES, GET_ANOMALY_MONITORS],
      resource: '*',
      wildcardReason:
        'ce:GetAnomalies and ce:GetAnomalyMonitors are read across every anomaly monitor of the account, whose ARNs are not known at deploy time.',
    },
  ],
  clients: { costExplorer: (config) => new CostExplorerClient(config) },
  operations: [
    {
      name: 'GetAnomalies',
      title: 'AWS Cost Explorer GetAnomalies',
      billedPer: 'request',
      // Cost Explorer's pricing page: $0.01 per API request, each page a request.
      price: { usd: 0.01, per: 1 },
    },
    {
      name: 'GetAnomalyMonitors',
      title: 'AWS Cost Explorer GetAnomalyMonitors',
      billedPer: 'request',
      price: { usd: 0.01, per: 1 },
    },
  ],
  skipReasons: [],
  metrics: metricKeys(COST_ANOMALY_METRICS),
  collect: async ({ costExplorer }, run) => {
    // The monitors first: without their names no event can say which monitor found an anomaly.
    const monitors = await readMonitors(costExplorer, run);
    const anomalies = await readAnomalies(costExplorer, run);
    const names = new Map(monitors.map((monitor) => [monitor.MonitorArn ?? '', monitor.MonitorName ?? monitor.MonitorArn ?? '']));
    const nameOf = (arn: string | undefined): string => names.get(arn ?? '') ?? arn?.split('/').at(-1) ?? 'unknown';

    const openSince = ymd(new Date(run.now.getTime() - OPEN_ANOMALY_DAYS * DAY_MS));
    const perMonitor = new Map<string, { open: number; impact: number }>([...names.values()].map((name) => [name, { open: 0, impact: 0 }]));
    const findings: AnomalyFinding[] = [];
    for (const anomaly of anomalies) {
      if (anomaly.AnomalyId === undefined) continue;
      const finding = findingOf(anomaly, nameOf(anomaly.MonitorArn), run.accountId);
      findings.push(finding);
      if (finding.endDate !== undefined && finding.endDate < openSince) continue;
      const counts = perMonitor.get(finding.monitorName) ?? { open: 0, impact: 0 };
      counts.open += 1;
      counts.impact += finding.totalImpact;
      perMonitor.set(finding.monitorName, counts);
    }
    const samples: Sample[] = [];
    for (const [monitor, { open, impact }] of perMonitor) {
      const tags = [
        ['account_id', run.accountId],
        ['anomaly_monitor', monitor],
      ] as const;
      samples.push(
        { metric: 'costAnomalyOpen', value: open, tags },
        { metric: 'costAnomalyImpact', value: Math.round(impact * 100) / 100, currency: 'USD', tags },
      );
    }
    if (run.effects === undefined) return { samples, skipped: {} };
    const { posted, errors } = await postAnomalies(findings, run, run.effects);
    samples.push({ metric: 'costAnomalyEvents', value: posted, tags: [['account_id', run.accountId]] });
    return { samples, skipped: {}, errors };
  },
  probe: async ({ costExplorer }) => {
    const page = await callNeeding(GET_ANOMALY_MONITORS, () => costExplorer.send(new GetAnomalyMonitorsCommand({})));
    const found = page.AnomalyMonitors ?? [];
    if (found.length === 0) {
      return {
        ok: false,
        detail: 'readable, but the account has no Cost Anomaly Detection monitor: AWS finds no anomaly to post',
        fix:
          'Create one: Billing and Cost Management console > Cost Anomaly Detection > Create monitor ("AWS services" covers every ' +
          'service), or aws ce create-anomaly-monitor --anomaly-monitor \'{"MonitorName":"AWS services","MonitorType":"DIMENSIONAL","MonitorDimension":"SERVICE"}\'.',
      };
    }
    const more = page.NextPageToken === undefined ? '' : 'at least ';
    return { ok: true, detail: `${more}${counted(found.length, 'anomaly monitor')}` };
  },
});

/**
 * The benchmark's organization scenario (issue 13; full mode only): the real bundle in
 * organization mode, in the management account, against the fake AWS serving Organizations, STS
 * and Budgets for an organization of generated accounts with 5 budgets each, with the injected
 * latency on every request. One cold invocation per size, each in its own process with Lambda's
 * V8 flags for the memory the stack deploys in organization mode. It prints the calls against
 * the minimum, the run time against the critical-path bound, the CPU time and the implied Lambda
 * time at that memory, and the peak RSS at each size.
 */
import { ORGANIZATION_DEPLOYMENT } from '../lambda/deployment';
import { SETTINGS } from '../lambda/settings';
import { cpuShare, impliedArithmetic, impliedLambdaMs } from '../cli/lambda-time';
import { makeOrganization } from './dataset';
import { lambdaNodeFlags } from './machine';
import {
  minimumDatadogRequests,
  minimumOrganizationCalls,
  ORGANIZATION_BOUND_FORMULA,
  ORGANIZATION_CALL_NAMES,
  organizationBound,
  type OrganizationCalls,
  type OrganizationShape,
} from './minimum';
import { callsAgainstMinimum, coldRunAgainstFakes, type ScenarioOptions } from './scale';
import { ratio, round } from './stats';

/** The sizes measured: the memory goal compares the largest with the smallest. */
export const ORGANIZATION_SIZES = [1_000, 10_000] as const;
export const BUDGETS_PER_ACCOUNT = 5;
/** Issue 13's goals: run time ≤ 1.5 × the bound; RSS at 10,000 ≤ 1.2 × RSS at 1,000; at most 5 minutes of Lambda time. */
export const ORGANIZATION_GOALS = { runTime: 1.5, rssGrowth: 1.2, lambdaMinutes: 5 } as const;
/** The memory sizes the implied time is printed at, to choose the deployment's from. */
const MEMORY_SIZES_MB = [512, 1024, 1769, 3008] as const;

/** One size's figures. */
export interface OrganizationRun {
  readonly accounts: number;
  readonly calls: {
    readonly measured: OrganizationCalls;
    readonly minimum: OrganizationCalls;
    readonly met: boolean;
    readonly over: string[];
  };
  readonly durationMs: number;
  readonly boundMs: number;
  readonly formula: string;
  readonly ratio: number;
  readonly cpuMs: number;
  readonly maxRssMib: number;
  readonly seriesSent: number;
  /** Implied Lambda time (cli/lambda-time.ts) at each memory size, and at the deployed one. */
  readonly impliedMs: readonly { readonly memoryMb: number; readonly ms: number }[];
  readonly impliedAtDeployed: string;
  readonly checks: readonly { readonly name: string; readonly ok: boolean; readonly detail: string }[];
}

export interface OrganizationFigure {
  readonly latencyMs: number;
  readonly concurrency: number;
  readonly memoryMb: number;
  readonly timeoutSeconds: number;
  readonly initMs: number;
  readonly runs: readonly OrganizationRun[];
  /** RSS at the largest size ÷ at the smallest. */
  readonly rssGrowth: number;
  /**
   * The largest organization one function reads in the time goal at the deployed memory: from
   * the largest run's implied Lambda time per account (CPU ÷ share, or the bound at this latency).
   */
  readonly largestInGoal: number;
  /** The same from the wall time measured here, which a busy machine lengthens. */
  readonly largestAtMeasuredWall: number;
}

export interface OrganizationOptions extends ScenarioOptions {
  /** INIT of a cold start (the main scenario's), for the implied Lambda time. */
  readonly initMs: number;
  readonly sizes?: readonly number[];
}

const MEMBER_ROLE_NAME = SETTINGS.memberRoleName.default;
const CONCURRENCY = SETTINGS.accountConcurrency.default;

export async function measureOrganization(options: OrganizationOptions): Promise<OrganizationFigure> {
  const memoryMb = ORGANIZATION_DEPLOYMENT.memorySizeMb;
  const runs: OrganizationRun[] = [];
  for (const accounts of options.sizes ?? ORGANIZATION_SIZES) {
    options.progress(
      `organization: ${accounts.toLocaleString('en-US')} accounts × ${BUDGETS_PER_ACCOUNT} budgets, ${options.latencyMs} ms latency, ` +
        `concurrency ${CONCURRENCY}, Lambda V8 flags for ${memoryMb} MB`,
    );
    runs.push(await measureSize(accounts, memoryMb, options));
  }
  const first = runs[0];
  const last = runs[runs.length - 1];
  // Both sides of the implied time grow with the accounts (the ListAccounts chain and the
  // accounts' round trips, and the CPU per account): scaled from the largest run.
  const goalMs = ORGANIZATION_GOALS.lambdaMinutes * 60_000 - options.initMs;
  const largest = (perAccountMs: number): number => Math.floor(goalMs / perAccountMs / 1000) * 1000;
  const impliedPerAccount = impliedLambdaMs({ initMs: 0, cpuMs: last.cpuMs, boundMs: last.boundMs }, memoryMb) / last.accounts;
  return {
    latencyMs: options.latencyMs,
    concurrency: CONCURRENCY,
    memoryMb,
    timeoutSeconds: ORGANIZATION_DEPLOYMENT.timeoutSeconds,
    initMs: options.initMs,
    runs,
    rssGrowth: ratio(last.maxRssMib, first.maxRssMib),
    largestInGoal: largest(impliedPerAccount),
    largestAtMeasuredWall: largest(last.durationMs / last.accounts),
  };
}

async function measureSize(accounts: number, memoryMb: number, options: OrganizationOptions): Promise<OrganizationRun> {
  const now = new Date();
  const dataset = makeOrganization(accounts, BUDGETS_PER_ACCOUNT, MEMBER_ROLE_NAME, now);
  const {
    scaleRun: run,
    invocation,
    overrunMs,
  } = await coldRunAgainstFakes(options, {
    label: `organization run of ${accounts} accounts`,
    seed: dataset.seed,
    // The environment the stack gives the function in organization mode (the rest at their defaults).
    env: { ACCOUNTS: 'organization', BENCH_REMAINING_MS: String(ORGANIZATION_DEPLOYMENT.timeoutSeconds * 1000) },
    timeoutMs: (ORGANIZATION_DEPLOYMENT.timeoutSeconds + 60) * 1000,
    nodeFlags: lambdaNodeFlags(memoryMb),
  });
  const shape: OrganizationShape = {
    listed: accounts,
    assumed: accounts - 1,
    direct: 1,
    budgetsPerAccount: BUDGETS_PER_ACCOUNT,
    tagKeys: false,
    managementRole: false,
    concurrency: CONCURRENCY,
    series: dataset.series,
  };
  const minimum = minimumOrganizationCalls(shape, true, minimumDatadogRequests(invocation.datadog.series).requests);
  const calls = callsAgainstMinimum(invocation, ORGANIZATION_CALL_NAMES, minimum);
  const bound = organizationBound(options.latencyMs, shape, minimum);
  const cpuMs = round(invocation.cpuMs);
  const implied = { initMs: options.initMs, cpuMs, boundMs: bound.ms };
  const summary = invocation.summary as { status?: string; accounts?: { read?: number; failed?: number } } | undefined;
  const budgetPoints = ['actual_spend', 'forecasted_spend', 'budget_limit'].reduce(
    (sum, name) => sum + (invocation.datadog.seriesPerMetric[`aws.billing.${name}`] ?? 0),
    0,
  );
  return {
    accounts,
    calls,
    durationMs: round(invocation.durationMs),
    boundMs: bound.ms,
    formula: bound.formula,
    ratio: ratio(invocation.durationMs, bound.ms),
    cpuMs,
    maxRssMib: round(run.maxRssBytes / 2 ** 20),
    seriesSent: invocation.datadog.series.length,
    impliedMs: [...new Set([...MEMORY_SIZES_MB, memoryMb])]
      .sort((a, b) => a - b)
      .map((size) => ({ memoryMb: size, ms: round(impliedLambdaMs(implied, size)) })),
    impliedAtDeployed: impliedArithmetic(implied, memoryMb),
    checks: [
      {
        name: `${accounts} accounts: every account read, none failed, status success`,
        ok: summary?.status === 'success' && summary.accounts?.read === accounts && summary.accounts.failed === 0,
        detail: JSON.stringify({ status: summary?.status, accounts: summary?.accounts }),
      },
      {
        name: `${accounts} accounts: every COST budget point and every charge series sent`,
        ok:
          budgetPoints === dataset.budgetPoints &&
          (invocation.datadog.seriesPerMetric['aws.billing.estimated_charges'] ?? 0) === dataset.series,
        detail: `${budgetPoints} of ${dataset.budgetPoints} budget points, ${invocation.datadog.seriesPerMetric['aws.billing.estimated_charges'] ?? 0} of ${dataset.series} charges`,
      },
      {
        name: `${accounts} accounts: no AWS error answers, Datadog accepted every request`,
        ok: Object.keys(invocation.aws.errors).length === 0 && Object.keys(invocation.datadog.refused).length === 0,
        detail: JSON.stringify({ aws: invocation.aws.errors, datadog: invocation.datadog.refused }),
      },
      {
        name: `${accounts} accounts: the fakes answered on time`,
        ok: overrunMs <= 0,
        detail: `largest overrun ${round(overrunMs)} ms`,
      },
    ],
  };
}

const ms = (value: number): string => `${value.toLocaleString('en-US', { maximumFractionDigits: 1 })} ms`;
const calls = (counts: OrganizationCalls): string =>
  ORGANIZATION_CALL_NAMES.map((name) => counts[name].toLocaleString('en-US')).join(' / ');

/** The table of the organization scenario: one row per figure and size. */
export function organizationRows(figure: OrganizationFigure): string[][] {
  const rows: string[][] = [['Figure', 'Measured', 'Floor / bound', 'Ratio', 'Goal', 'Met']];
  for (const run of figure.runs) {
    const n = run.accounts.toLocaleString('en-US');
    const deployed = run.impliedMs.find((entry) => entry.memoryMb === figure.memoryMb)?.ms ?? Number.NaN;
    rows.push(
      [
        `${n} accounts: calls (LA / AR / DB / DN / LT / LM / GMD / SM / DD)`,
        calls(run.calls.measured),
        calls(run.calls.minimum),
        run.calls.met ? '=' : '>',
        'exactly',
        run.calls.met ? 'yes' : 'NO',
      ],
      [
        `${n} accounts: run time, ${figure.latencyMs} ms latency`,
        ms(run.durationMs),
        ms(run.boundMs),
        run.ratio.toFixed(3),
        `≤ ${ORGANIZATION_GOALS.runTime}`,
        run.ratio <= ORGANIZATION_GOALS.runTime ? 'yes' : 'NO',
      ],
      [`${n} accounts: CPU time`, ms(run.cpuMs), '—', '—', '(info)', ''],
      [
        `${n} accounts: implied Lambda time at ${figure.memoryMb.toLocaleString('en-US')} MB`,
        ms(deployed),
        '—',
        '—',
        `≤ ${ORGANIZATION_GOALS.lambdaMinutes} min`,
        deployed <= ORGANIZATION_GOALS.lambdaMinutes * 60_000 ? 'yes' : 'NO',
      ],
      [`${n} accounts: peak RSS`, `${run.maxRssMib.toFixed(1)} MiB`, '—', '—', '(info)', ''],
    );
  }
  rows.push([
    `Peak RSS, ${figure.runs[figure.runs.length - 1].accounts.toLocaleString('en-US')} ÷ ${figure.runs[0].accounts.toLocaleString('en-US')} accounts`,
    figure.rssGrowth.toFixed(3),
    '—',
    '—',
    `≤ ${ORGANIZATION_GOALS.rssGrowth}`,
    figure.rssGrowth <= ORGANIZATION_GOALS.rssGrowth ? 'yes' : 'NO',
  ]);
  return rows;
}

/** The implied Lambda time of each size at each memory size. */
export function organizationImpliedRows(figure: OrganizationFigure): string[][] {
  const sizes = figure.runs[0].impliedMs.map((entry) => entry.memoryMb);
  return [
    ['Accounts', ...sizes.map((size) => `${size.toLocaleString('en-US')} MB (share ${round(cpuShare(size), 3)})`)],
    ...figure.runs.map((run) => [run.accounts.toLocaleString('en-US'), ...run.impliedMs.map((entry) => ms(entry.ms))]),
  ];
}

/** The lines printed under the tables. */
export function organizationNotes(figure: OrganizationFigure): string[] {
  return [
    `Organization scenario: accounts of ${BUDGETS_PER_ACCOUNT} budgets each, every one ACTIVE, read from the management account (the function's), ` +
      `ACCOUNT_CONCURRENCY ${figure.concurrency}, ${figure.latencyMs} ms on every request; one cold invocation per size in its own process, ` +
      `Lambda V8 flags for ${figure.memoryMb} MB (the organization mode's deployment: ${figure.memoryMb} MB, timeout ${figure.timeoutSeconds} s).`,
    'Calls: ListAccounts / AssumeRole / DescribeBudgets / DescribeBudgetNotificationsForAccount / ListTagsForResource / ListMetrics / GetMetricData / GetSecretValue / Datadog requests, counted by the fakes.',
    `Run-time bound: ${ORGANIZATION_BOUND_FORMULA}`,
    ...figure.runs.map((run) => `  ${run.accounts.toLocaleString('en-US')} accounts: ${run.formula}`),
    ...figure.runs.map(
      (run) => `  implied at ${figure.memoryMb} MB, ${run.accounts.toLocaleString('en-US')} accounts: ${run.impliedAtDeployed}`,
    ),
    ...figure.runs
      .filter((run) => !run.calls.met)
      .map((run) => `  ${run.accounts} accounts above the minimum: ${run.calls.over.join(', ')}`),
    ...figure.runs.flatMap((run) =>
      run.checks.filter((check) => !check.ok).map((check) => `  check FAILED: ${check.name}: ${check.detail}`),
    ),
    `The largest organization one function reads in ${ORGANIZATION_GOALS.lambdaMinutes} minutes at ${figure.memoryMb} MB, ` +
      `from the ${figure.runs[figure.runs.length - 1].accounts.toLocaleString('en-US')}-account run's implied Lambda time per account ` +
      `(${figure.latencyMs} ms a request): about ${figure.largestInGoal.toLocaleString('en-US')} accounts; from the wall time measured on this machine, ` +
      `about ${figure.largestAtMeasuredWall.toLocaleString('en-US')}. The accounts' round trips dominate: ${ORGANIZATION_GOALS.lambdaMinutes} minutes hold about ` +
      `${ORGANIZATION_GOALS.lambdaMinutes * 60} s × concurrency ${figure.concurrency} ÷ (2 round trips × latency) accounts, ` +
      `${Math.floor((ORGANIZATION_GOALS.lambdaMinutes * 60_000 * figure.concurrency) / (2 * 150) / 1000) * 1000} at 150 ms a request.`,
  ];
}

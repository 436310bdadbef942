/** The demo's output: plain text for a person, or one JSON document. Pure: results in, strings out. */
import { DEPLOYMENT_DEFAULTS } from '../../lambda/deployment';
import { counts, plural, summaryText, table } from '../format';
import type { DemoResult, InvocationOutcome, ReceivedSeries } from './run-demo';
import type { Scenario } from './scenarios';

/** An error of the run, with what to do about it apart. */
export interface ExplainedError {
  readonly error: string;
  readonly fix?: string;
}

/** The run's errors, each split from the scenario's fix when the error ends with it. */
export function explainErrors(result: DemoResult, scenario: Scenario): ExplainedError[] {
  const errors = result.summary?.errors ?? [];
  const all = errors.length > 0 ? errors : outcomeError(result.invocation.outcome);
  return all.map((error) => {
    const fix = scenario.fix;
    if (fix === undefined) return { error };
    return { error: error.endsWith(` ${fix}`) ? error.slice(0, -fix.length - 1) : error, fix };
  });
}

/** How the invocation failed, when the run logged no errors of its own (it crashed, or timed out). */
function outcomeError(outcome: InvocationOutcome): string[] {
  switch (outcome.status) {
    case 'resolved':
      return [];
    case 'threw':
      return [outcome.error];
    case 'timed_out':
      return ['Task timed out: the invocation outlived the function timeout.'];
    case 'crashed':
      return [`The function's process ended without an answer: ${outcome.detail}`];
  }
}

/** Whether the function's run failed, as Lambda would count it. */
export function runFailed(result: DemoResult): boolean {
  return result.invocation.outcome.status !== 'resolved';
}

/** The series grouped by metric name, in the order Datadog received the first of each, largest value first. */
export function groupByMetric(series: readonly ReceivedSeries[]): Map<string, ReceivedSeries[]> {
  const groups = new Map<string, ReceivedSeries[]>();
  for (const item of series) groups.set(item.metric, [...(groups.get(item.metric) ?? []), item]);
  for (const list of groups.values()) list.sort((a, b) => b.value - a.value);
  return groups;
}

export function demoJson(result: DemoResult, scenario: Scenario, elapsedMs: number, exitCode: number): string {
  const received = Object.fromEntries(
    [...groupByMetric(result.datadog.series)].map(([metric, list]) => [
      metric,
      list.map(({ value, unit, tags }) => ({ value, unit, tags })),
    ]),
  );
  const document = {
    scenario: result.scenario,
    title: result.title,
    bundle: result.bundle,
    function: result.function,
    invocation: { outcome: result.invocation.outcome, ms: result.invocation.ms },
    datadog: { requests: result.datadog.requests, accepted: result.datadog.accepted, refused: result.datadog.refused, received },
    summary: result.summary,
    errors: explainErrors(result, scenario),
    monitors: result.monitors,
    exitCode,
    elapsedMs,
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export function demoText(result: DemoResult, scenario: Scenario, elapsedMs: number, exitCode: number): string {
  const parts: string[] = [];
  parts.push(
    `Scenario "${result.scenario}": ${result.title}.\nFake AWS and Datadog intake on 127.0.0.1; no AWS or Datadog account used.\n`,
  );
  parts.push(
    `The function: ${result.bundle.command} (${kb(result.bundle.bytes)}, ${seconds(result.bundle.ms)}), ` +
      `run by its handler in its own process with the stack's environment (${Object.keys(result.function.environment).join(', ')}) ` +
      `and a ${result.function.timeoutSeconds} s Lambda context for ${result.function.arn}.\n`,
  );
  parts.push(receivedText(result));
  parts.push(
    result.summary === undefined
      ? 'Run summary: none logged.\n'
      : summaryText(result.summary, result.function.environment.DD_API_URL ?? 'Datadog'),
  );
  parts.push(monitorsText(result));
  const errors = explainErrors(result, scenario);
  if (runFailed(result)) {
    const lines = errors.flatMap(({ error, fix }) => [`error: ${error}`, ...(fix === undefined ? [] : [`  fix: ${fix}`])]);
    parts.push(
      `The function's run failed: Lambda counts an error, the stack's alarm sees it, and Lambda tries the run ` +
        `again (up to ${DEPLOYMENT_DEFAULTS.retryAttempts} more times). ` +
        `What the logs say:\n${lines.join('\n')}\n`,
    );
  }
  parts.push(
    `Demo ran in ${seconds(elapsedMs)} from the process's start (bundle ${seconds(result.bundle.ms)}, function run ${seconds(result.invocation.ms)}); exit ${exitCode}.\n`,
  );
  return parts.join('\n');
}

function receivedText(result: DemoResult): string {
  const { requests, accepted, refused, series } = result.datadog;
  const heading =
    `What Datadog received: ${series.length} series in ${plural(accepted, 'accepted request')}, ` +
    `each body valid against Datadog's schema` +
    (requests > accepted ? `; ${plural(requests - accepted, 'request')} refused (${counts(refused)})` : '');
  if (series.length === 0) return `${heading}.\n`;
  const blocks = [...groupByMetric(series)].map(([metric, list]) => {
    const unit = list[0]?.unit === undefined ? '' : `, ${list[0].unit}`;
    // Tags every series of the metric carries are said once, in the heading.
    const common = list.length < 2 ? [] : list[0].tags.filter((tag) => list.every((item) => item.tags.includes(tag)));
    const also = common.length === 0 ? '' : `; each tagged ${common.join(',')}`;
    const rows = list.map((item) => [String(item.value), item.tags.filter((tag) => !common.includes(tag)).join(',')]);
    const body = table(['VALUE', 'TAGS'], rows, new Set([0]))
      .split('\n')
      .map((line) => (line === '' ? line : `  ${line}`))
      .join('\n');
    return `${metric} (${list.length} series${unit}${also})\n${body}`;
  });
  return `${heading}:\n\n${blocks.join('\n')}`;
}

function monitorsText(result: DemoResult): string {
  const rows = result.monitors.map(({ name, judgement }) => {
    if (judgement.verdict === 'needs history') return [name, 'needs history', judgement.reason];
    if (judgement.verdict === 'no data') return [name, 'no data', `Datadog received no series for ${judgement.condition}`];
    const worst = [...judgement.groups].sort((a, b) => b.value - a.value);
    const shown = judgement.verdict === 'alert' ? worst.filter((group) => group.alerts) : worst.slice(0, 1);
    const detail = shown.map((group) => `${group.group.join(',') || 'all'}: ${round(group.value)}`).join('; ');
    return [
      name,
      judgement.verdict === 'alert' ? 'WOULD ALERT' : 'ok',
      `${judgement.condition}; ${judgement.verdict === 'alert' ? detail : `highest ${detail}`}`,
    ];
  });
  return `The shipped monitors (datadog/monitors.json) on these numbers:\n${table(['MONITOR', 'VERDICT', 'WHY'], rows)
    .split('\n')
    .map((line) => (line === '' ? line : `  ${line}`))
    .join('\n')}`;
}

function round(value: number): string {
  return String(Math.round(value * 1000) / 1000);
}

function kb(bytes: number): string {
  return `${Math.round(bytes / 1024)} KiB`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

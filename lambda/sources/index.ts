/**
 * The registered sources (their metrics: `metric-definitions.ts`). `collect.ts`, the construct's policy and cdk-nag
 * notes, the command-line tool's `check` and `estimate`, the metric table and the tests loop
 * over these; adding a source is adding it here.
 */
import { budgetsSource } from './budgets';
import { estimatedChargesSource } from './estimated-charges';
import { costExplorerSource } from './cost-explorer';
import { costAnomaliesSource } from './cost-anomalies';
import { DEFAULTS } from '../settings';
import type { Source } from './source';
import { TRIGGERS, type Trigger } from '../trigger';

export const SOURCES: readonly Source[] = [
  estimatedChargesSource,
  budgetsSource,
  costExplorerSource,
  costAnomaliesSource,
] as readonly Source[];

/** The sources whose switch is on in these settings; a switch left unset takes its default. */
export function enabledSources(switches: { readonly [K in Source['setting']]?: boolean }): readonly Source[] {
  return SOURCES.filter((source) => switches[source.setting] ?? DEFAULTS[source.setting]);
}

/** The enabled sources a run of this trigger reads; the others wait for their own rule. */
export function sourcesRunBy(switches: { readonly [K in Source['setting']]?: boolean }, trigger: Trigger): readonly Source[] {
  return enabledSources(switches).filter((source) => source.trigger === trigger);
}

/**
 * The rules a deployment with these switches has: each trigger's, when a source it runs is on.
 * The construct makes each rule (and its alarms) by it, and `estimate` prices them by it.
 */
export function deployedRules(switches: { readonly [K in Source['setting']]?: boolean }): Record<Trigger, boolean> {
  return Object.fromEntries(TRIGGERS.map((trigger) => [trigger, sourcesRunBy(switches, trigger).length > 0])) as Record<Trigger, boolean>;
}

/**
 * Why no source would run, naming each switch as `name` gives it, or undefined when one runs.
 * @param name a switch as the reader knows it: its variable, its context key in backticks.
 */
export function noSourceProblem(
  switches: { readonly [K in Source['setting']]?: boolean },
  name: (setting: Source['setting']) => string,
): string | undefined {
  if (enabledSources(switches).length > 0) return undefined;
  const names = SOURCES.map((source) => name(source.setting));
  const listed =
    names.length === 2 ? `${names[0]} and ${names[1]} are both` : `${names.slice(0, -1).join(', ')} and ${names.at(-1)} are all`;
  return `${listed} false: nothing to collect; turn one of them on`;
}

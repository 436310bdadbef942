/**
 * The registered sources and their metrics. `collect.ts`, the construct's policy and cdk-nag
 * notes, the command-line tool's `check` and `estimate`, the metric table and the tests loop
 * over these; adding a source is adding it here.
 */
import { BUDGET_METRICS, budgetsSource } from './budgets';
import { ESTIMATED_CHARGES_METRICS, estimatedChargesSource } from './estimated-charges';
import { DEFAULTS } from '../settings';
import type { Source } from './source';

export const SOURCES: readonly Source[] = [estimatedChargesSource, budgetsSource] as readonly Source[];

/** Every source's metric definitions, which `metrics.ts` adds the collector's own to. */
export const SOURCE_METRICS = { ...ESTIMATED_CHARGES_METRICS, ...BUDGET_METRICS } as const;

/** The sources whose switch is on in these settings; a switch left unset takes its default. */
export function enabledSources(switches: { readonly [K in Source['setting']]?: boolean }): readonly Source[] {
  return SOURCES.filter((source) => switches[source.setting] ?? DEFAULTS[source.setting]);
}

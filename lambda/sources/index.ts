/**
 * The registered sources. `collect.ts`, the construct's policy, the command-line tool's `check`
 * and `estimate`, and the tests loop over this list; adding a source is adding it here.
 */
import { budgetsSource } from './budgets';
import { estimatedChargesSource } from './estimated-charges';
import { DEFAULTS } from '../settings';
import type { Source } from './source';

export const SOURCES: readonly Source[] = [budgetsSource, estimatedChargesSource] as readonly Source[];

/** The sources whose switch is on in these settings; a switch left unset takes its default. */
export function enabledSources(switches: { readonly [K in Source['setting']]?: boolean }): readonly Source[] {
  return SOURCES.filter((source) => switches[source.setting] ?? DEFAULTS[source.setting]);
}

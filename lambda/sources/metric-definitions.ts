/**
 * Every source's metric definitions, gathered for `metrics.ts`, which adds the collector's own.
 * Apart from the registry (`index.ts`) because the settings table reads the tag keys (a user's
 * tag may not reuse one) and the registry reads the settings table: this module reads neither.
 */
import { BUDGET_METRICS } from './budgets';
import { ESTIMATED_CHARGES_METRICS } from './estimated-charges';
import { COST_EXPLORER_METRICS } from './cost-explorer';
import { COST_ANOMALY_METRICS } from './cost-anomalies';

export const SOURCE_METRICS = {
  ...ESTIMATED_CHARGES_METRICS,
  ...BUDGET_METRICS,
  ...COST_EXPLORER_METRICS,
  ...COST_ANOMALY_METRICS,
} as const;

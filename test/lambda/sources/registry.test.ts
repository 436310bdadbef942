/**
 * The registered sources: what each declares must hold together, since every other layer
 * loops over these declarations instead of naming the sources.
 */
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../lambda/metrics';
import type { SkipReason } from '../../../lambda/samples';
import { DEFAULTS, settingSpec } from '../../../lambda/settings';
import { enabledSources, SOURCES } from '../../../lambda/sources';

/** Every skip reason; a reason added to the union and to no source fails the test below. */
const ALL_SKIP_REASONS: Record<SkipReason, true> = {
  invalid_amount: true,
  not_a_cost_budget: true,
  stale_billing_point: true,
  no_billing_point: true,
  service_filtered: true,
  linked_account_service_disabled: true,
  unknown_currency: true,
  currency_mismatch: true,
  no_current_limit: true,
  non_cost_budget_threshold: true,
  threshold_without_limit: true,
  unknown_dimension_set: true,
  empty_dimension_value: true,
  no_forecast: true,
};

describe('the registered sources', () => {
  it('have distinct ids, switches and statement ids', () => {
    for (const values of [SOURCES.map((s) => s.id), SOURCES.map((s) => s.setting), SOURCES.flatMap((s) => s.iam.map((g) => g.sid))]) {
      expect(new Set(values).size).toBe(values.length);
    }
  });

  it.each(SOURCES.map((source) => [source.id, source] as const))(
    '%s is switched by a boolean setting with an environment variable',
    (_id, source) => {
      const spec = settingSpec(source.setting);
      expect(spec.type).toBe('boolean');
      expect(spec.env).toBeDefined();
    },
  );

  it.each(SOURCES.map((source) => [source.id, source] as const))('%s declares metrics the metric table defines', (_id, source) => {
    for (const metric of source.metrics) expect(Object.keys(METRICS)).toContain(metric);
  });

  it.each(SOURCES.map((source) => [source.id, source] as const))(
    '%s names IAM actions as service:Action, and explains every wildcard resource',
    (_id, source) => {
      for (const grant of source.iam) {
        for (const action of grant.actions) expect(action).toMatch(/^[a-z0-9-]+:[A-Z][A-Za-z]+$/);
        if (grant.resource.includes('*')) expect(grant.wildcardReason).toBeTruthy();
      }
    },
  );

  it('define every metric but the collector’s own five, each in one source', () => {
    const declared = SOURCES.flatMap((source) => source.metrics);
    expect(new Set(declared).size).toBe(declared.length);
    const collectors = ['collectorRun', 'collectorSeries', 'collectorDuration', 'collectorAccounts', 'collectorCostExplorerRequests'];
    expect([...declared, ...collectors].sort()).toEqual(Object.keys(METRICS).sort());
  });

  it('declare every skip reason, each at most once a source (a reason two sources share has a docs row for each)', () => {
    const declared = SOURCES.flatMap((source) => source.skipReasons);
    expect([...new Set(declared)].sort()).toEqual(Object.keys(ALL_SKIP_REASONS).sort());
    for (const source of SOURCES) expect(new Set(source.skipReasons).size).toBe(source.skipReasons.length);
  });

  it("each take their switch's default, and each switch turns its own source on or off alone", () => {
    const byDefault = SOURCES.filter((source) => DEFAULTS[source.setting]);
    expect(enabledSources({})).toEqual(byDefault);
    // Sources that AWS bills per request (Cost Explorer, cost anomalies) are off unless asked for.
    expect(SOURCES.filter((source) => !DEFAULTS[source.setting]).map((source) => source.id)).toEqual(['cost-explorer', 'cost-anomalies']);
    for (const source of SOURCES) {
      const flipped = enabledSources({ [source.setting]: !DEFAULTS[source.setting] });
      expect(flipped).toEqual(SOURCES.filter((other) => (other === source ? !DEFAULTS[source.setting] : DEFAULTS[other.setting])));
    }
  });
});

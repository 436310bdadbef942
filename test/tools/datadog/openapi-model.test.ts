import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import datadogSchema from '../../../fakes/datadog/schemas/datadog-v1-dashboard-monitor.schema.json';
import dashboardJson from '../../../datadog/dashboard.json';
import monitorsJson from '../../../datadog/monitors.json';
import { buildDashboard } from '../../../tools/datadog/dashboard';
import { buildMonitors, monitorNames } from '../../../tools/datadog/monitors';
import { DEFAULT_ASSET_SETTINGS } from '../../../tools/datadog/settings';

const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
ajv.addSchema(datadogSchema);
const validateDashboard = ajv.getSchema('datadog-v1-dashboard-monitor#/$defs/Dashboard') as ValidateFunction;
const validateMonitor = ajv.getSchema('datadog-v1-dashboard-monitor#/$defs/Monitor') as ValidateFunction;

function problems(validate: ValidateFunction, value: unknown): string {
  return validate(value) ? '' : ajv.errorsText(validate.errors, { separator: '\n' });
}

/** A deep copy to break on purpose. */
function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

const custom = { metricPrefix: 'acme.cost', scheduleMinutes: 360, actualShareOfLimit: 0.65, notify: ['@slack-billing'] };

describe("the reduced OpenAPI model from Datadog's API client", () => {
  it('names the repository and file it was transcribed from', () => {
    expect(datadogSchema.description).toContain('DataDog/datadog-api-client-typescript');
    expect(datadogSchema.description).toContain('.generator/schemas/v1/openapi.yaml');
  });
});

describe('datadog/dashboard.json', () => {
  it("is a valid Dashboard of Datadog's v1 API", () => {
    expect(problems(validateDashboard, dashboardJson)).toBe('');
  });

  it('is valid for a custom prefix and schedule too', () => {
    expect(problems(validateDashboard, buildDashboard(custom))).toBe('');
  });

  it('uses the ordered layout with automatic reflow, so widgets need no positions', () => {
    expect(dashboardJson).toMatchObject({ layout_type: 'ordered', reflow_type: 'auto' });
    expect(JSON.stringify(dashboardJson)).not.toContain('"layout":');
  });

  it('computes budget utilization with formulas over named queries', () => {
    const formulas = JSON.stringify(dashboardJson).match(/"formula": ?"[^"]*"/g) ?? [];
    expect(formulas).toContain('"formula":"100 * actual / limit"');
    expect(formulas).toContain('"formula":"100 * forecast / limit"');
  });

  it('fails the model when a field is misspelt, so the check above can fail', () => {
    const broken = copy(dashboardJson) as { widgets: { definition: { widgets: { definition: { requests: { formulas: Record<string, unknown>[] }[] } }[] } }[] };
    broken.widgets[0].definition.widgets[0].definition.requests[0].formulas[0].formla = 'total';
    expect(validateDashboard(broken)).toBe(false);
  });

  it('fails the model when a required field is missing or a value is not in its enum', () => {
    const withoutLayout: Record<string, unknown> = copy(dashboardJson);
    delete withoutLayout.layout_type;
    expect(validateDashboard(withoutLayout)).toBe(false);
    expect(validateDashboard({ ...dashboardJson, reflow_type: 'sometimes' })).toBe(false);
  });
});

describe('datadog/monitors.json', () => {
  it('holds every monitor', () => {
    expect(monitorsJson).toHaveLength(Object.keys(monitorNames(DEFAULT_ASSET_SETTINGS.metricPrefix)).length);
  });

  it.each(monitorsJson.map((monitor) => [monitor.name, monitor] as const))("%s is a valid Monitor of Datadog's v1 API", (_name, monitor) => {
    expect(problems(validateMonitor, monitor)).toBe('');
  });

  it('are valid for a custom prefix, schedule, share and notification handle too', () => {
    for (const monitor of buildMonitors(custom)) expect(problems(validateMonitor, monitor)).toBe('');
  });

  it('have their critical threshold in the query and in the options alike, as Datadog requires', () => {
    for (const monitor of monitorsJson) {
      const threshold = /[<>]=?\s*(-?[\d.]+)\s*$/.exec(monitor.query)?.[1];
      expect(Number(threshold), monitor.name).toBe(monitor.options.thresholds.critical);
    }
  });

  it('fail the model with an unknown monitor type or option', () => {
    expect(validateMonitor({ ...monitorsJson[0], type: 'metric monitor' })).toBe(false);
    expect(validateMonitor({ ...monitorsJson[0], options: { ...monitorsJson[0].options, notify_nodata: true } })).toBe(false);
  });
});

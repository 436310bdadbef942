import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatadogSubmitError, PagingError } from '../../../lambda/errors';
import { applyDatadogAssets, UnfindableAssetError, type ApplyDatadogAssetsOptions } from '../../../tools/datadog/apply';
import { buildDashboard, dashboardTitle } from '../../../tools/datadog/dashboard';
import { buildMonitors, monitorNames } from '../../../tools/datadog/monitors';
import { DASHBOARD_MARKER, DEFAULT_ASSET_SETTINGS, MANAGED_BY_TAG, type MonitorSettings } from '../../../tools/datadog/settings';
import { TEST_APP_KEY, startFakeDatadogApi, type FakeDatadogApi } from '../../../fakes/datadog/api';
import { startIntake, TEST_API_KEY } from '../../../fakes/datadog/intake';

let datadog: FakeDatadogApi;

beforeEach(async () => {
  datadog = await startFakeDatadogApi();
});

afterEach(async () => {
  await datadog.close();
});

function options(settings: MonitorSettings = DEFAULT_ASSET_SETTINGS, extra: Partial<ApplyDatadogAssetsOptions> = {}): ApplyDatadogAssetsOptions {
  return {
    apiOrigin: datadog.origin,
    apiKey: TEST_API_KEY,
    appKey: TEST_APP_KEY,
    dashboard: buildDashboard(settings),
    monitors: buildMonitors(settings),
    ...extra,
  };
}

/** The shipped monitors, one per name. */
const MONITOR_COUNT = Object.keys(monitorNames('aws.billing')).length;

const ourMonitors = (): { id: number; name: string }[] =>
  [...datadog.monitors.values()].filter((monitor) => (monitor.tags ?? []).includes(MANAGED_BY_TAG));
const ourDashboards = () => [...datadog.dashboards.values()].filter((dashboard) => (dashboard.description ?? '').includes(DASHBOARD_MARKER));

describe('applyDatadogAssets', () => {
  it('creates the dashboard and every monitor on a first run', async () => {
    const result = await applyDatadogAssets(options());

    expect(result.dryRun).toBe(false);
    expect(result.steps.map((step) => [step.kind, step.action])).toEqual([
      ['dashboard', 'create'],
      ...Object.values(monitorNames('aws.billing')).map(() => ['monitor', 'create']),
    ]);
    expect(MONITOR_COUNT).toBe(9);
    expect(result.steps.every((step) => step.id !== undefined)).toBe(true);
    expect(ourDashboards().map((dashboard) => dashboard.title)).toEqual([dashboardTitle('aws.billing')]);
    expect(ourMonitors().map((monitor) => monitor.name).sort()).toEqual(Object.values(monitorNames('aws.billing')).sort());
    expect(result.warnings).toEqual([]);
  });

  it('updates the same dashboard and monitors on a second run, without duplicates', async () => {
    const first = await applyDatadogAssets(options());
    const second = await applyDatadogAssets(options());

    expect(second.steps.map((step) => step.action)).toEqual(first.steps.map(() => 'update'));
    expect(second.steps.map((step) => step.id)).toEqual(first.steps.map((step) => step.id));
    expect(ourDashboards()).toHaveLength(1);
    expect(ourMonitors()).toHaveLength(MONITOR_COUNT);
    expect(datadog.writes().filter((request) => request.method === 'PUT')).toHaveLength(1 + MONITOR_COUNT);
    expect(datadog.writes().every((request) => request.status === 200)).toBe(true);
  });

  it('sends the new definition on an update: a changed schedule changes the monitor in place', async () => {
    await applyDatadogAssets(options());
    const before = ourMonitors().find((monitor) => monitor.name === monitorNames('aws.billing').actualNearLimit);

    await applyDatadogAssets(options({ ...DEFAULT_ASSET_SETTINGS, scheduleMinutes: 360 }));

    const after = datadog.monitors.get(before?.id ?? -1);
    expect(after?.query).toMatch(/^max\(last_12h\):/);
    expect(ourMonitors()).toHaveLength(MONITOR_COUNT);
  });

  it('in a dry run reads what exists, returns the plan, and writes nothing', async () => {
    const plan = await applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { dryRun: true }));

    expect(plan.dryRun).toBe(true);
    expect(plan.steps.map((step) => `${step.action} ${step.kind} ${step.name}`)).toEqual([
      `create dashboard ${dashboardTitle('aws.billing')}`,
      ...buildMonitors(DEFAULT_ASSET_SETTINGS).map((monitor) => `create monitor ${monitor.name}`),
    ]);
    expect(datadog.writes()).toEqual([]);
    expect(datadog.dashboards.size + datadog.monitors.size).toBe(0);
  });

  it('in a dry run after an apply plans updates with the existing ids, still writing nothing', async () => {
    const applied = await applyDatadogAssets(options());
    const writesBefore = datadog.writes().length;

    const plan = await applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { dryRun: true }));

    expect(plan.steps.map((step) => [step.action, step.id])).toEqual(applied.steps.map((step) => ['update', step.id]));
    expect(datadog.writes()).toHaveLength(writesBefore);
  });

  it('leaves dashboards and monitors it does not manage alone, even with the same title or name', async () => {
    const title = dashboardTitle('aws.billing');
    const name = monitorNames('aws.billing').forecastAboveLimit;
    const theirDashboard = datadog.seedDashboard({ title, description: 'made by hand', layout_type: 'ordered', widgets: [] });
    const theirMonitor = datadog.seedMonitor({ name, type: 'query alert', query: 'avg(last_5m):avg:x{*} > 1', tags: ['team:finance'] });

    await applyDatadogAssets(options());

    expect(datadog.dashboards.get(theirDashboard.id)).toEqual(theirDashboard);
    expect(datadog.monitors.get(theirMonitor.id)).toEqual(theirMonitor);
    expect(ourDashboards()).toHaveLength(1);
    expect(ourMonitors()).toHaveLength(MONITOR_COUNT);
  });

  it('finds its dashboard on a later page of the dashboard list', async () => {
    for (let i = 0; i < 150; i += 1) datadog.seedDashboard({ title: `Team dashboard ${i}`, description: null, layout_type: 'ordered', widgets: [] });
    await applyDatadogAssets(options());
    for (let i = 0; i < 60; i += 1) datadog.seedDashboard({ title: `Later dashboard ${i}`, description: null, layout_type: 'ordered', widgets: [] });

    const second = await applyDatadogAssets(options());

    expect(second.steps[0].action).toBe('update');
    expect(ourDashboards()).toHaveLength(1);
    expect(datadog.requests.some((request) => request.url.includes('start=200'))).toBe(true);
  });

  it.each([
    ['dashboard', 'GET /api/v1/dashboard', 'start=100'],
    ['monitor', 'GET /api/v1/monitor', 'page=1'],
  ])('stops listing after the second page when the %s list ignores its offset, and writes nothing', async (kind, operation, second) => {
    for (let i = 0; i < 150; i += 1) {
      if (kind === 'dashboard') datadog.seedDashboard({ title: `Team dashboard ${i}`, description: null, layout_type: 'ordered', widgets: [] });
      else datadog.seedMonitor({ name: `Team monitor ${i}`, type: 'metric alert', query: 'avg(last_5m):avg:a.b{*} > 1', message: 'm', tags: [MANAGED_BY_TAG] });
    }
    datadog.ignorePaging();

    const failure = applyDatadogAssets(options()).catch((error: unknown) => error);

    const error = await failure;
    expect(error).toBeInstanceOf(PagingError);
    expect((error as PagingError).message).toBe(
      `Datadog kept answering ${operation} with a next-page token: stopped after 2 pages, as its last token had already been given. ` +
        "Nothing was written. Check the site (DD_SITE or --site) and the API URL (DD_API_URL or --api-url): they must give Datadog's API, or a proxy that passes the paging parameters on.",
    );
    const listed = datadog.requests.filter((request) => request.url.startsWith(operation.slice(4)));
    expect(listed).toHaveLength(2);
    expect(listed[1].url).toContain(second);
    expect(datadog.writes()).toEqual([]);
  });

  it('keeps the assets of two metric prefixes apart', async () => {
    const other = { ...DEFAULT_ASSET_SETTINGS, metricPrefix: 'acme.cost' };
    await applyDatadogAssets(options());
    const otherFirst = await applyDatadogAssets(options(other));
    const defaultAgain = await applyDatadogAssets(options());

    expect(otherFirst.steps.every((step) => step.action === 'create')).toBe(true);
    expect(defaultAgain.steps.every((step) => step.action === 'update')).toBe(true);
    expect(ourDashboards()).toHaveLength(2);
    expect(ourMonitors()).toHaveLength(2 * MONITOR_COUNT);
    expect(defaultAgain.warnings).toEqual([]);
  });

  it('updates the oldest of duplicate monitors and says which ones to delete', async () => {
    const name = monitorNames('aws.billing').collectorSilent;
    const older = datadog.seedMonitor({ name, type: 'query alert', query: 'sum(last_3h):sum:x{*} < 1', tags: [MANAGED_BY_TAG] });
    const newer = datadog.seedMonitor({ name, type: 'query alert', query: 'sum(last_3h):sum:x{*} < 1', tags: [MANAGED_BY_TAG] });

    const result = await applyDatadogAssets(options());

    expect(result.steps.find((step) => step.name === name)).toMatchObject({ action: 'update', id: older.id });
    expect(result.warnings.join('\n')).toContain(`delete the others (${newer.id})`);
  });

  it('warns about a monitor of its own prefix that is no longer in the set', async () => {
    const stale = datadog.seedMonitor({ name: '[aws.billing] An old monitor', type: 'query alert', query: 'avg(last_5m):avg:x{*} > 1', tags: [MANAGED_BY_TAG] });

    const result = await applyDatadogAssets(options());

    expect(result.warnings).toEqual([expect.stringContaining(`Monitor ${stale.id} "[aws.billing] An old monitor"`)]);
    expect(datadog.monitors.get(stale.id)).toEqual(stale);
  });

  it('sends both keys as headers and says what to check when Datadog refuses them, without the keys', async () => {
    const wrongAppKey = 'a'.repeat(40);
    const failure = applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { appKey: wrongAppKey }));

    await expect(failure).rejects.toThrow(DatadogSubmitError);
    const error = (await failure.catch((caught: unknown) => caught)) as DatadogSubmitError;
    expect(error.status).toBe(403);
    expect(error.message).toContain('DD_APP_KEY');
    expect(error.message).toContain('dashboards_write');
    expect(error.message).not.toContain(wrongAppKey);
    expect(error.message).not.toContain(TEST_API_KEY);
    expect(datadog.writes()).toEqual([]);
  });

  it("passes Datadog's own message on when it rejects a definition", async () => {
    const dashboard = { ...buildDashboard(DEFAULT_ASSET_SETTINGS), layout_type: 'sideways' } as unknown as ApplyDatadogAssetsOptions['dashboard'];

    await expect(applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { dashboard }))).rejects.toThrow(
      /POST \/api\/v1\/dashboard answered 400: \/layout_type must be equal to one of the allowed values/,
    );
  });

  it('says the address is wrong, not that something was deleted, when the list answers 404', async () => {
    // The metrics intake is a Datadog address, but not the one of the dashboards API: a wrong URL or proxy.
    const intake = await startIntake();
    try {
      const error = await applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { apiOrigin: intake.url })).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(DatadogSubmitError);
      expect((error as DatadogSubmitError).problem).toMatch(/^GET \/api\/v1\/dashboard answered 404/);
      expect((error as DatadogSubmitError).fix).toBe(`Check that ${intake.url} is Datadog's API (DD_SITE or --site, DD_API_URL or --api-url).`);
    } finally {
      await intake.close();
    }
  });

  it('names the origin when Datadog cannot be reached', async () => {
    const origin = datadog.origin;
    await datadog.close();
    datadog = await startFakeDatadogApi();

    await expect(applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { apiOrigin: origin, timeoutMs: 2000 }))).rejects.toThrow(
      `could not reach ${origin}`,
    );
  });

  it('refuses definitions a later run could not find again', async () => {
    const dashboard = { ...buildDashboard(DEFAULT_ASSET_SETTINGS), description: 'no marker' };
    const untagged = buildMonitors(DEFAULT_ASSET_SETTINGS).map((monitor) => ({ ...monitor, tags: [] }));
    const monitors = buildMonitors(DEFAULT_ASSET_SETTINGS);

    await expect(applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { dashboard }))).rejects.toThrow(UnfindableAssetError);
    await expect(applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { monitors: untagged }))).rejects.toThrow(MANAGED_BY_TAG);
    await expect(applyDatadogAssets(options(DEFAULT_ASSET_SETTINGS, { monitors: [monitors[0], monitors[0]] }))).rejects.toThrow(
      'names must be unique',
    );
    expect(datadog.requests).toEqual([]);
  });
});

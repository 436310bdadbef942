/**
 * The files under `datadog/`: the dashboard and monitors as formatted JSON. Pure; the generator
 * writes what this returns and the tests compare the committed files with it.
 */
import { buildDashboard } from './dashboard';
import { buildMonitors } from './monitors';
import type { MonitorSettings } from './settings';

/** Where the committed files live, relative to the repository root. */
export const ASSET_DIRECTORY = 'datadog';

export const ASSET_FILES = {
  dashboard: 'dashboard.json',
  monitors: 'monitors.json',
} as const;

/** File name → file content, for one set of settings. */
export function renderDatadogAssets(settings: MonitorSettings): Record<(typeof ASSET_FILES)[keyof typeof ASSET_FILES], string> {
  return {
    [ASSET_FILES.dashboard]: toJson(buildDashboard(settings)),
    [ASSET_FILES.monitors]: toJson(buildMonitors(settings)),
  };
}

/** Two-space JSON with a final newline, the way the committed files are formatted. */
function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * What the Datadog dashboard and monitors are generated from: the collector's metric prefix and
 * schedule, and the monitors' thresholds. Defaults are resolved here, once, and every setting is
 * checked here with a message that names it, so `datadog generate`, `datadog apply` and the code
 * that calls `buildDashboard` or `buildMonitors` itself all accept and refuse the same values.
 * The command-line tool names the flag instead (`--actual-share`), from the error's `setting`.
 */
import { shownValue } from '../../lambda/secret-shape';
import { DEPLOYMENT_DEFAULTS } from '../../lambda/deployment';
import { DEFAULTS } from '../../lambda/environment';
import { InvalidSettingError } from '../../lambda/errors';
import { metricPrefixProblem } from '../../lambda/metrics';
import { DEFAULT_ALERT_SHARE } from '../../lambda/sources/budget-thresholds';

/** The tag on every monitor this project manages, and the key `apply` finds them by. */
export const MANAGED_BY_TAG = 'managed-by:aws-billing-to-datadog';

/**
 * The marker in the description of the dashboard this project manages. Dashboard tags are
 * restricted to `team:` values, so the dashboard is found by this string instead.
 */
export const DASHBOARD_MARKER = `[${MANAGED_BY_TAG}]`;

export interface DashboardSettings {
  /** Prefix of every metric name, as the collector's `METRIC_PREFIX`. @default 'aws.billing' */
  readonly metricPrefix: string;
  /** Minutes between two collector runs: the stack's schedule period. @default 60 */
  readonly scheduleMinutes: number;
  /**
   * Minutes between two runs of the second rule, which reads Cost Explorer: the period of the
   * stack's `costExplorerSchedule`. @default 720
   */
  readonly costExplorerScheduleMinutes?: number;
  /**
   * Share of a budget's limit at which budget utilization turns from green to yellow on the
   * dashboard, as a fraction (0.8 is 80 %). The monitors compare with each budget's own alert
   * level instead, which the collector sends. @default 0.8, the collector's share for a budget
   * without an actual alert threshold
   */
  readonly actualShareOfLimit?: number;
}

export interface MonitorSettings extends DashboardSettings {
  /**
   * Datadog notification handles added to every monitor message, such as `@ops@example.com` or
   * `@slack-billing`. Without one, monitors alert in Datadog only. @default []
   */
  readonly notify?: readonly string[];
}

/** The settings of the committed `datadog/*.json` files. */
export const DEFAULT_ASSET_SETTINGS = {
  metricPrefix: DEFAULTS.metricPrefix,
  /** The stack's default schedule period. */
  scheduleMinutes: DEPLOYMENT_DEFAULTS.schedulePeriodMinutes,
  /** The stack's default period of the second rule. */
  costExplorerScheduleMinutes: DEPLOYMENT_DEFAULTS.costExplorerSchedulePeriodMinutes,
  actualShareOfLimit: DEFAULT_ALERT_SHARE,
  notify: [],
} as const satisfies Required<MonitorSettings>;

/**
 * The month-end forecast's share of last month's total above which the forecast monitor alerts
 * and the dashboard's forecast column turns red: more than 20 % above.
 */
export const FORECAST_GROWTH_ALERT = 1.2;

/** Yesterday's cost as a multiple of its 7-day average above which the daily cost monitor alerts. */
export const DAILY_COST_SPIKE = 1.5;

/** Longest schedule period accepted: one run a day. */
export const MAX_SCHEDULE_MINUTES = 24 * 60;

const NOTIFY_HANDLE = /^@\S+$/;

/** @throws InvalidSettingError naming the first setting that is not usable. */
export function checkDashboardSettings(settings: DashboardSettings): void {
  const { metricPrefix } = settings;
  const prefixProblem = metricPrefixProblem(metricPrefix);
  if (prefixProblem !== undefined) throw new InvalidSettingError('metricPrefix', prefixProblem);
  const periods = [
    ['scheduleMinutes', settings.scheduleMinutes, "the collector's schedule period"],
    ['costExplorerScheduleMinutes', settings.costExplorerScheduleMinutes, "the period of the collector's Cost Explorer schedule"],
  ] as const;
  for (const [name, minutes, meaning] of periods) {
    if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_SCHEDULE_MINUTES)) {
      throw new InvalidSettingError(name, `must be a whole number of minutes from 1 to ${MAX_SCHEDULE_MINUTES} (${meaning}), got ${minutes}`);
    }
  }
  const share = settings.actualShareOfLimit;
  if (share !== undefined && (!Number.isFinite(share) || share <= 0 || share > 1)) {
    throw new InvalidSettingError(
      'actualShareOfLimit',
      `must be a fraction above 0 and at most 1, such as 0.8 for 80 %, got ${share}`,
    );
  }
}

/** @throws InvalidSettingError naming the first setting that is not usable. */
export function checkMonitorSettings(settings: MonitorSettings): void {
  checkDashboardSettings(settings);
  for (const handle of settings.notify ?? []) {
    if (!NOTIFY_HANDLE.test(handle)) {
      throw new InvalidSettingError(
        'notify',
        `${shownValue(handle)} is not a Datadog notification handle; give one such as @ops@example.com or @slack-billing`,
      );
    }
  }
}

/** A share as a percentage for display: 0.8 is 80, 0.125 is 12.5. */
export function sharePercent(share: number): number {
  return Math.round(share * 100 * 100) / 100;
}

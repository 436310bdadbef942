/**
 * Creates or updates the dashboard and monitors through Datadog's v1 API, idempotently.
 *
 * Monitors are found by the {@link MANAGED_BY_TAG} tag and matched by name; the dashboard is
 * found by the {@link DASHBOARD_MARKER} in its description (dashboard tags are restricted) and
 * matched by title. What matches is updated in place, what does not is created, and nothing is
 * ever deleted: a run that fails half-way is repaired by running again. A dry run reads the
 * same lists and returns the plan without writing.
 *
 * The keys go into request headers and nowhere else: no message or error carries them. The
 * requests go through the HTTP client of every request that carries a Datadog key, which never
 * follows a redirect, bounds what it reads and masks the keys in what it returns.
 */
import { answerErrors, datadogRequest, noAnswerReason, type DatadogAnswer, type HttpObserver } from '../../lambda/datadog/http';
import { ActionableError, DatadogSubmitError } from '../../lambda/errors';
import { followPages, type PageLimit } from '../../lambda/paging';
import { ENV, SETTINGS } from '../../lambda/settings';
import type { DatadogDashboard, DatadogMonitor } from './model';
import { DASHBOARD_MARKER, MANAGED_BY_TAG } from './settings';

export interface ApplyDatadogAssetsOptions {
  /** Origin of the Datadog API, such as `https://api.datadoghq.com` (`https://api.<site>`). */
  readonly apiOrigin: string;
  /** A Datadog API key (`DD-API-KEY`). */
  readonly apiKey: string;
  /** A Datadog application key (`DD-APPLICATION-KEY`) that may read and write dashboards and monitors. */
  readonly appKey: string;
  readonly dashboard: DatadogDashboard;
  readonly monitors: readonly DatadogMonitor[];
  /** Read what exists and return the plan, but create and update nothing. @default false */
  readonly dryRun?: boolean;
  /** Told of each request and its answer (the tool's `--verbose`). */
  readonly observe?: HttpObserver;
  /** Milliseconds one request may take. @default 30000 */
  readonly timeoutMs?: number;
}

export type ApplyAction = 'create' | 'update';

/** One dashboard or monitor, and what was (or, in a dry run, would be) done to it. */
export interface ApplyStep {
  readonly kind: 'dashboard' | 'monitor';
  readonly action: ApplyAction;
  /** The dashboard's title or the monitor's name. */
  readonly name: string;
  /** Datadog's id: of the existing item for an update, of the new one after a create; none for a create in a dry run. */
  readonly id?: string | number;
}

export interface ApplyResult {
  readonly dryRun: boolean;
  /** The dashboard first, then the monitors in the order given. */
  readonly steps: readonly ApplyStep[];
  /** Duplicates and leftovers found on the way, each saying what to do about it. */
  readonly warnings: readonly string[];
}

/** A dashboard or monitor that a later run could not find again, so applying it twice would duplicate it. */
export class UnfindableAssetError extends ActionableError {
  public override readonly name = 'UnfindableAssetError';
}

/** Page size of both list calls; Datadog's default for dashboards. */
const PAGE_SIZE = 100;

/**
 * The most pages a list call may take: Datadog documents no cap on an organization's dashboards
 * or monitors, so this is one far above any organization's (100,000 of each), to stop an API that
 * never ends its list.
 */
const MAX_PAGES = 1_000;

/**
 * The paging guard of a list call. Datadog pages by offset, so the "token" of the next page is
 * the ids of the page just read: the same ids twice mean the API ignores the offset.
 */
function listing(operation: string): PageLimit {
  return {
    service: 'Datadog',
    operation,
    maxPages: MAX_PAGES,
    fix: `Nothing was written. Check ${ORIGIN_SETTINGS}: they must give Datadog's API, or a proxy that passes the paging parameters on.`,
  };
}

function pageKey(items: readonly unknown[]): string {
  return JSON.stringify(items.map((item) => (isRecord(item) ? item.id : undefined)));
}

/**
 * Bytes of an answer read at most: a page of 100 monitors with long messages stays well under
 * it, and an answer past it is not Datadog's.
 */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

/** The settings that give the API's address, for the fix of a redirect or a wrong address. */
const SITE = `${ENV.datadogSite} or --${SETTINGS.datadogSite.flag}`;
const API_URL = `${ENV.apiUrl} or --${SETTINGS.apiUrl.flag}`;
const ORIGIN_SETTINGS = `the site (${SITE}) and the API URL (${API_URL})`;

interface ExistingMonitor {
  readonly id: number;
  readonly name: string;
}

interface ExistingDashboard {
  readonly id: string;
  readonly title: string;
  readonly description: string;
}

/**
 * Creates or updates the dashboard and monitors, or with `dryRun` only plans it.
 * @throws DatadogSubmitError when Datadog refuses a request; steps before it have been applied.
 * @throws UnfindableAssetError when a later run could not find a definition again (no tag, no marker, a repeated name).
 */
export async function applyDatadogAssets(options: ApplyDatadogAssetsOptions): Promise<ApplyResult> {
  checkFindable(options.dashboard, options.monitors);
  const api = new DatadogApi(options);
  const warnings: string[] = [];

  const dashboards = await api.listManagedDashboards();
  const sameTitle = dashboards.filter((dashboard) => dashboard.title === options.dashboard.title);
  if (sameTitle.length > 1) {
    warnings.push(
      `${sameTitle.length} dashboards are titled "${options.dashboard.title}" and carry ${DASHBOARD_MARKER}: ` +
        `updating ${sameTitle[0].id}; delete the others (${sameTitle.slice(1).map((d) => d.id).join(', ')}) in Datadog`,
    );
  }

  const existingMonitors = await api.listManagedMonitors();
  const byName = new Map<string, ExistingMonitor[]>();
  for (const monitor of existingMonitors) byName.set(monitor.name, [...(byName.get(monitor.name) ?? []), monitor]);
  for (const [name, found] of byName) {
    if (found.length > 1) {
      warnings.push(
        `${found.length} monitors named "${name}" carry the tag ${MANAGED_BY_TAG}: updating ${found[0].id}; ` +
          `delete the others (${found.slice(1).map((m) => m.id).join(', ')}) in Datadog`,
      );
    }
  }
  const wanted = new Set(options.monitors.map((monitor) => monitor.name));
  const ours = new Set(options.monitors.map((monitor) => namePrefix(monitor.name)));
  for (const monitor of existingMonitors) {
    if (!wanted.has(monitor.name) && ours.has(namePrefix(monitor.name))) {
      warnings.push(
        `Monitor ${monitor.id} "${monitor.name}" carries the tag ${MANAGED_BY_TAG} but is not one of the monitors ` +
          'being applied (an older name?): delete it in Datadog if it is obsolete',
      );
    }
  }

  const plan: ApplyStep[] = [
    planStep('dashboard', options.dashboard.title, sameTitle[0]?.id),
    ...options.monitors.map((monitor) => planStep('monitor', monitor.name, byName.get(monitor.name)?.[0].id)),
  ];
  if (options.dryRun) return { dryRun: true, steps: plan, warnings };

  const steps: ApplyStep[] = [];
  const [dashboardStep, ...monitorSteps] = plan;
  steps.push(await api.putDashboard(dashboardStep, options.dashboard));
  for (const [index, monitor] of options.monitors.entries()) {
    steps.push(await api.putMonitor(monitorSteps[index], monitor));
  }
  return { dryRun: false, steps, warnings };
}

function planStep(kind: ApplyStep['kind'], name: string, id: string | number | undefined): ApplyStep {
  return id === undefined ? { kind, action: 'create', name } : { kind, action: 'update', name, id };
}

/** `[aws.billing]` of `[aws.billing] Budget forecast above its limit`; the whole name when it has none. */
function namePrefix(name: string): string {
  return /^\[[^\]]*\]/.exec(name)?.[0] ?? name;
}

/** Refuses definitions a later run could not find, since applying them twice would duplicate them. */
function checkFindable(dashboard: DatadogDashboard, monitors: readonly DatadogMonitor[]): void {
  if (!dashboard.description.includes(DASHBOARD_MARKER)) {
    throw new UnfindableAssetError(`The dashboard's description must contain ${DASHBOARD_MARKER}: it is how a later run finds the dashboard`);
  }
  const names = new Set<string>();
  for (const monitor of monitors) {
    if (!monitor.tags.includes(MANAGED_BY_TAG)) {
      throw new UnfindableAssetError(`Monitor "${monitor.name}" must carry the tag ${MANAGED_BY_TAG}: it is how a later run finds it`);
    }
    if (names.has(monitor.name)) {
      throw new UnfindableAssetError(`Two monitors are named "${monitor.name}": monitors are matched by name, so names must be unique`);
    }
    names.add(monitor.name);
  }
}

/** The few v1 endpoints `apply` needs, with Datadog's errors turned into messages that say what to check. */
class DatadogApi {
  private readonly timeoutMs: number;

  constructor(private readonly options: ApplyDatadogAssetsOptions) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Every live dashboard whose description carries the marker. */
  async listManagedDashboards(): Promise<ExistingDashboard[]> {
    const found: ExistingDashboard[] = [];
    let start = 0;
    await followPages(listing('GET /api/v1/dashboard'), async () => {
      const query = new URLSearchParams({ count: String(PAGE_SIZE), start: String(start) });
      const page = await this.request('GET', `/api/v1/dashboard?${query.toString()}`);
      const dashboards = isRecord(page) && Array.isArray(page.dashboards) ? page.dashboards : undefined;
      if (dashboards === undefined) throw this.unexpected('GET /api/v1/dashboard', 'no "dashboards" list');
      for (const item of dashboards) {
        if (!isRecord(item) || typeof item.id !== 'string') continue;
        const description = typeof item.description === 'string' ? item.description : '';
        if (description.includes(DASHBOARD_MARKER)) {
          found.push({ id: item.id, title: typeof item.title === 'string' ? item.title : '', description });
        }
      }
      start += PAGE_SIZE;
      return dashboards.length < PAGE_SIZE ? undefined : pageKey(dashboards);
    });
    return found;
  }

  /** Every monitor that carries the managed-by tag, lowest id first. */
  async listManagedMonitors(): Promise<ExistingMonitor[]> {
    const found: ExistingMonitor[] = [];
    let page = 0;
    await followPages(listing('GET /api/v1/monitor'), async () => {
      const query = new URLSearchParams({ monitor_tags: MANAGED_BY_TAG, page: String(page), page_size: String(PAGE_SIZE) });
      const monitors = await this.request('GET', `/api/v1/monitor?${query.toString()}`);
      if (!Array.isArray(monitors)) throw this.unexpected('GET /api/v1/monitor', 'not a list of monitors');
      for (const item of monitors) {
        // The tag filter is Datadog's; checking it again costs nothing and protects other monitors.
        if (isRecord(item) && typeof item.id === 'number' && typeof item.name === 'string' && hasTag(item, MANAGED_BY_TAG)) {
          found.push({ id: item.id, name: item.name });
        }
      }
      page += 1;
      return monitors.length < PAGE_SIZE ? undefined : pageKey(monitors);
    });
    return found.sort((a, b) => a.id - b.id);
  }

  async putDashboard(step: ApplyStep, dashboard: DatadogDashboard): Promise<ApplyStep> {
    const saved =
      step.action === 'update'
        ? await this.request('PUT', `/api/v1/dashboard/${encodeURIComponent(String(step.id))}`, dashboard)
        : await this.request('POST', '/api/v1/dashboard', dashboard);
    const id = isRecord(saved) && typeof saved.id === 'string' ? saved.id : undefined;
    if (id === undefined) throw this.unexpected('the dashboard answer', 'no dashboard id');
    return { ...step, id };
  }

  async putMonitor(step: ApplyStep, monitor: DatadogMonitor): Promise<ApplyStep> {
    const saved =
      step.action === 'update'
        ? await this.request('PUT', `/api/v1/monitor/${encodeURIComponent(String(step.id))}`, monitor)
        : await this.request('POST', '/api/v1/monitor', monitor);
    const id = isRecord(saved) && typeof saved.id === 'number' ? saved.id : undefined;
    if (id === undefined) throw this.unexpected('the monitor answer', 'no monitor id');
    return { ...step, id };
  }

  private async request(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<unknown> {
    const what = `${method} ${path.split('?')[0]}`;
    let response: DatadogAnswer;
    try {
      response = await datadogRequest({
        method,
        origin: this.options.apiOrigin,
        path,
        apiKey: this.options.apiKey,
        appKey: this.options.appKey,
        headers: { Accept: 'application/json', ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        ...(body === undefined ? {} : { body: Buffer.from(JSON.stringify(body)) }),
        timeoutMs: this.timeoutMs,
        originSettings: ORIGIN_SETTINGS,
        maxBodyBytes: MAX_ANSWER_BYTES,
        ...(this.options.observe === undefined ? {} : { observe: this.options.observe }),
      });
    } catch (error) {
      if (error instanceof DatadogSubmitError) throw error;
      const reason = noAnswerReason(error, this.timeoutMs);
      throw new DatadogSubmitError(`${what}: could not reach ${this.options.apiOrigin} (${reason}).`, undefined, {
        fix: `Check ${ORIGIN_SETTINGS} and the network.`,
        cause: error,
      });
    }
    const ok = response.status >= 200 && response.status < 300;
    if (!ok) throw refusal(what, response, method === 'PUT' ? 'one-item' : this.checkOriginFix());
    if (response.truncated) {
      throw new DatadogSubmitError(`${what} answered ${response.status} with more than ${MAX_ANSWER_BYTES} bytes, which is not Datadog's answer.`, response.status, {
        fix: this.checkOriginFix(),
      });
    }
    const text = response.text;
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new DatadogSubmitError(`${what} answered ${response.status} with a body that is not JSON.`, response.status, {
        fix: this.checkOriginFix(),
        cause: error,
      });
    }
  }

  private unexpected(where: string, problem: string): DatadogSubmitError {
    return new DatadogSubmitError(`${where} has ${problem}.`, undefined, { fix: this.checkOriginFix() });
  }

  /** For an answer that is not Datadog's: the origin is probably not its API. */
  private checkOriginFix(): string {
    return `Check that ${this.options.apiOrigin} is Datadog's API (${SITE}, ${API_URL}).`;
  }
}

/**
 * Datadog's refusal: its own error list, and what to do about the status.
 * @param notFound what a 404 means: `one-item` for a request about one dashboard or monitor (it
 *   was deleted meanwhile), else the fix to give, since a 404 on a list or a create means the
 *   address is not Datadog's API (a wrong site, URL or proxy).
 */
function refusal(what: string, answer: DatadogAnswer, notFound: 'one-item' | string): DatadogSubmitError {
  const { status } = answer;
  const errors = answerErrors(answer);
  const problem = `${what} answered ${status}${errors.length > 0 ? `: ${errors.join('; ')}.` : '.'}`;
  const fix = status === 404 && notFound !== 'one-item' ? notFound : refusalFix(status);
  return new DatadogSubmitError(problem, status, { fix });
}

function refusalFix(status: number): string {
  if (status === 401 || status === 403) {
    return (
      `Check that DD_API_KEY and DD_APP_KEY are keys of the same organization on this site (${SITE}), and ` +
      'that the application key may read and write dashboards and monitors (scopes dashboards_read, dashboards_write, ' +
      'monitors_read, monitors_write).'
    );
  }
  if (status === 404) return 'It was probably deleted while this ran; run again to create it.';
  if (status === 429) return 'Datadog is rate limiting; wait a minute and run again (applying twice is safe).';
  if (status >= 500) return 'Datadog failed; run again later (applying twice is safe).';
  return 'Datadog rejected the request; change what its errors name and run again.';
}

function hasTag(item: Record<string, unknown>, tag: string): boolean {
  return Array.isArray(item.tags) && item.tags.includes(tag);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

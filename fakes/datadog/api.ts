/**
 * The dashboard and monitor endpoints of Datadog's v1 API, on loopback, for tests.
 *
 * It checks both key headers, validates every body it is sent against the reduced OpenAPI
 * model (answering 400 with the errors, as Datadog does), keeps dashboards and monitors in
 * memory, paginates its lists like Datadog, and records every request. Bound to 127.0.0.1:
 * tests never reach the real Datadog.
 */
import type { IncomingMessage } from 'node:http';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import { startLoopbackServer, type Body } from '../loopback';
import { TEST_API_KEY } from './intake';
import datadogSchema from './schemas/datadog-v1-dashboard-monitor.schema.json';

/** The application key the API expects when given none: 40 hex characters, like a real one. */
export const TEST_APP_KEY = 'fedcba9876543210fedcba9876543210fedcba98';

type Json = Record<string, unknown>;

/** Far larger than any dashboard; bounds memory. */
const MAX_BODY_BYTES = 8 * 1024 * 1024;

export interface StoredDashboard extends Json {
  readonly id: string;
  readonly title: string;
  readonly description?: string | null;
}

export interface StoredMonitor extends Json {
  readonly id: number;
  readonly name: string;
  readonly tags?: readonly string[];
}

export interface RecordedRequest {
  readonly method: string;
  /** Path and query string. */
  readonly url: string;
  readonly status: number;
}

/** A running dashboards and monitors API. */
export interface FakeDatadogApi {
  /** `http://127.0.0.1:<port>`, to pass as the API origin. */
  readonly origin: string;
  readonly dashboards: Map<string, StoredDashboard>;
  readonly monitors: Map<number, StoredMonitor>;
  readonly requests: RecordedRequest[];
  /** Adds a dashboard as if someone had created it in Datadog. */
  seedDashboard(dashboard: Json & { title: string }): StoredDashboard;
  /** Adds a monitor as if someone had created it in Datadog. */
  seedMonitor(monitor: Json & { name: string }): StoredMonitor;
  /** Requests that changed something. */
  writes(): RecordedRequest[];
  /** From now on, answer every list call with its first page, whatever `start` or `page` asks: a broken API or proxy. */
  ignorePaging(): void;
  close(): Promise<void>;
}

const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
ajv.addSchema(datadogSchema);
const validators: Record<'dashboard' | 'monitor', ValidateFunction> = {
  dashboard: ajv.getSchema('datadog-v1-dashboard-monitor#/$defs/Dashboard') as ValidateFunction,
  monitor: ajv.getSchema('datadog-v1-dashboard-monitor#/$defs/Monitor') as ValidateFunction,
};

/**
 * Starts the API on 127.0.0.1, on a port the system picks.
 * @param keys the keys it expects. @default TEST_API_KEY and TEST_APP_KEY
 */
export async function startFakeDatadogApi(keys: { apiKey?: string; appKey?: string } = {}): Promise<FakeDatadogApi> {
  const apiKey = keys.apiKey ?? TEST_API_KEY;
  const appKey = keys.appKey ?? TEST_APP_KEY;
  const dashboards = new Map<string, StoredDashboard>();
  const monitors = new Map<number, StoredMonitor>();
  const requests: RecordedRequest[] = [];
  let nextMonitorId = 1000;
  let nextDashboard = 0;
  let pagingIgnored = false;

  const newDashboardId = (): string => {
    nextDashboard += 1;
    const digits = String(nextDashboard).padStart(9, '0');
    return `${digits.slice(0, 3)}-${digits.slice(3, 6)}-${digits.slice(6)}`;
  };
  const storeDashboard = (id: string, body: Json & { title: string }): StoredDashboard => {
    const stored: StoredDashboard = { ...body, id, url: `/dashboard/${id}` };
    dashboards.set(id, stored);
    return stored;
  };
  const storeMonitor = (id: number, body: Json & { name: string }): StoredMonitor => {
    const stored: StoredMonitor = { ...body, id, overall_state: 'No Data' };
    monitors.set(id, stored);
    return stored;
  };

  const route = (request: IncomingMessage, raw: Body): [number, unknown] => {
    if (request.headers['dd-api-key'] !== apiKey || request.headers['dd-application-key'] !== appKey) {
      return [403, { errors: ['Forbidden'] }];
    }
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const method = request.method ?? 'GET';
    const body = method === 'POST' || method === 'PUT' ? parseJson(raw.bytes) : undefined;
    if (body instanceof Error) return [400, { errors: [`Invalid JSON: ${body.message}`] }];
    const invalid = (kind: 'dashboard' | 'monitor'): [number, unknown] | undefined => {
      const validate = validators[kind];
      return validate(body) ? undefined : [400, { errors: (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`) }];
    };

    if (url.pathname === '/api/v1/dashboard' && method === 'GET') {
      const count = Number(url.searchParams.get('count') ?? 100);
      const start = pagingIgnored ? 0 : Number(url.searchParams.get('start') ?? 0);
      const page = [...dashboards.values()].slice(start, start + count);
      return [200, { dashboards: page.map(({ id, title, description, url: link }) => ({ id, title, description, url: link, layout_type: 'ordered' })) }];
    }
    if (url.pathname === '/api/v1/dashboard' && method === 'POST') {
      return invalid('dashboard') ?? [200, storeDashboard(newDashboardId(), body as Json & { title: string })];
    }
    const dashboardId = /^\/api\/v1\/dashboard\/([^/]+)$/.exec(url.pathname)?.[1];
    if (dashboardId !== undefined && method === 'PUT') {
      if (!dashboards.has(dashboardId)) return [404, { errors: ['Dashboard not found'] }];
      return invalid('dashboard') ?? [200, storeDashboard(dashboardId, body as Json & { title: string })];
    }
    if (url.pathname === '/api/v1/monitor' && method === 'GET') {
      const wantedTags = (url.searchParams.get('monitor_tags') ?? '').split(',').filter((tag) => tag !== '');
      const matching = [...monitors.values()]
        .filter((monitor) => wantedTags.every((tag) => (monitor.tags ?? []).includes(tag)))
        .sort((a, b) => a.id - b.id);
      const page = url.searchParams.get('page');
      if (page === null) return [200, matching];
      const size = Number(url.searchParams.get('page_size') ?? 100);
      const first = pagingIgnored ? 0 : Number(page) * size;
      return [200, matching.slice(first, first + size)];
    }
    if (url.pathname === '/api/v1/monitor' && method === 'POST') {
      return invalid('monitor') ?? [200, storeMonitor((nextMonitorId += 1), body as Json & { name: string })];
    }
    const monitorId = /^\/api\/v1\/monitor\/(\d+)$/.exec(url.pathname)?.[1];
    if (monitorId !== undefined && method === 'PUT') {
      if (!monitors.has(Number(monitorId))) return [404, { errors: ['Monitor not found'] }];
      return invalid('monitor') ?? [200, storeMonitor(Number(monitorId), body as Json & { name: string })];
    }
    return [404, { errors: ['Not found'] }];
  };

  const server = await startLoopbackServer({
    maxBodyBytes: MAX_BODY_BYTES,
    handle: (request, raw) => {
      const [status, payload] = route(request, raw);
      requests.push({ method: request.method ?? '', url: request.url ?? '', status });
      return { status, body: JSON.stringify(payload) };
    },
  });

  return {
    origin: server.origin,
    dashboards,
    monitors,
    requests,
    seedDashboard: (dashboard) => storeDashboard(newDashboardId(), dashboard),
    seedMonitor: (monitor) => storeMonitor((nextMonitorId += 1), monitor),
    writes: () => requests.filter((request) => request.method !== 'GET'),
    ignorePaging: () => {
      pagingIgnored = true;
    },
    close: () => server.close(),
  };
}

function parseJson(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8')) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}

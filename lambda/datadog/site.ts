/** Datadog sites and the API origin the collector talks to. */

/** The sites Datadog lists; the API host of each is `api.<site>`. */
export const DATADOG_SITES = [
  'datadoghq.com',
  'us3.datadoghq.com',
  'us5.datadoghq.com',
  'datadoghq.eu',
  'ap1.datadoghq.com',
  'ap2.datadoghq.com',
  'uk1.datadoghq.com',
  'ddog-gov.com',
  'us2.ddog-gov.com',
] as const;

export type DatadogSite = (typeof DATADOG_SITES)[number];

export function isDatadogSite(value: string): value is DatadogSite {
  return (DATADOG_SITES as readonly string[]).includes(value);
}

export function siteApiOrigin(site: DatadogSite): string {
  return `https://api.${site}`;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function isLoopback(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

/**
 * Checks an API origin override (`DD_API_URL`) and returns it without a trailing slash.
 * Plain http is refused except on loopback, so a typo cannot send the key in clear text.
 * @returns the origin, or a message saying what is wrong with it.
 */
export function parseApiOrigin(value: string): { origin: string } | { problem: string } {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'is not a URL; give an origin such as https://proxy.example:8443' };
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return { problem: 'must be an origin only (scheme, host and port), with no path or query' };
  }
  if (url.username !== '' || url.password !== '') {
    return { problem: 'must not carry credentials' };
  }
  if (url.protocol === 'https:') return { origin: url.origin };
  if (url.protocol === 'http:' && isLoopback(url.hostname)) return { origin: url.origin };
  return { problem: 'must use https (plain http is allowed only for a loopback host)' };
}

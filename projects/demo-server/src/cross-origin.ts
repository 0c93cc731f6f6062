import type { IncomingHttpHeaders } from 'node:http';

/**
 * Why a state-changing request looks cross-origin, or `null` when it may proceed.
 *
 * Browsers send `Sec-Fetch-Site` on every request, and `Origin` on every cross-origin one and on
 * same-origin POSTs: a request whose `Sec-Fetch-Site` is not `same-origin` (or `none`, typed by the
 * user), or whose `Origin` names another host than `Host`, comes from another site or another port,
 * and is refused. A request with neither header does not come from a browser, so it cannot carry a
 * victim's cookie by CSRF, and proceeds (curl, the load script). Go's `http.CrossOriginProtection`
 * makes the same decision.
 */
export function crossOriginReason(headers: IncomingHttpHeaders): string | null {
  const site = headers['sec-fetch-site'];
  if (site !== undefined) {
    return site === 'same-origin' || site === 'none' ? null : `Sec-Fetch-Site is ${site}`;
  }
  const origin = headers.origin;
  if (origin === undefined) {
    return null;
  }
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    // "null" (sandboxed frames, file: pages) and garbage are never our own origin.
    return 'Origin is not a URL';
  }
  return originHost === headers.host ? null : 'Origin is another host';
}

/** Whether the request's body is declared as JSON, which a cross-site HTML form cannot send. */
export function isJsonRequest(headers: IncomingHttpHeaders): boolean {
  const type = headers['content-type'] ?? '';
  return type.split(';')[0].trim().toLowerCase() === 'application/json';
}

import { HttpHeaders, HttpRequest } from '@angular/common/http';

import { invalidConfigError, TokenRefreshError } from './errors';
import { RefreshRequestBuilder } from './token-refresh-config';
import { TokenSet } from './token-store';

/**
 * The default refresh call: `POST refreshUrl` with the JSON body `{ "refreshToken": "..." }`.
 *
 * Returns no request when the store holds no refresh token, so a session without one ends at once
 * instead of sending a refresh that can only fail.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh', buildRefreshRequest: jsonBodyRefresh() });
 * ```
 *
 * @returns A {@link RefreshRequestBuilder}.
 * @publicApi
 */
export function jsonBodyRefresh(): RefreshRequestBuilder {
  return (refreshToken, refreshUrl) =>
    refreshToken === null ? null : new HttpRequest('POST', refreshUrl, { refreshToken });
}

/**
 * Options of {@link oauth2RefreshGrant}.
 *
 * @publicApi
 */
export interface OAuth2RefreshGrantOptions {
  /** The OAuth 2.0 `client_id` of this app (a public client: no secret belongs in a browser). */
  clientId: string;
  /** The `scope` to ask for; omitted from the request when not given. */
  scope?: string;
}

/**
 * A refresh call for the OAuth 2.0 refresh token grant (RFC 6749, section 6): `POST refreshUrl` with
 * the form-encoded body `grant_type=refresh_token&refresh_token=...&client_id=...[&scope=...]`.
 *
 * The default `parseTokenResponse` already reads the grant's `access_token`, `refresh_token` and
 * `expires_in`, and a rotated refresh token replaces the stored one.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({
 *   refreshUrl: 'https://auth.example.com/oauth/token',
 *   allowedOrigins: ['https://api.example.com'],
 *   buildRefreshRequest: oauth2RefreshGrant({ clientId: 'my-spa', scope: 'openid offline_access' }),
 * });
 * ```
 *
 * @param options - The client id and the optional scope.
 * @returns A {@link RefreshRequestBuilder}.
 * @publicApi
 */
export function oauth2RefreshGrant(options: OAuth2RefreshGrantOptions): RefreshRequestBuilder {
  // Typed, but called from JavaScript too: check what really arrived.
  const given = options as OAuth2RefreshGrantOptions | undefined;
  if (typeof given?.clientId !== 'string' || given.clientId === '') {
    throw invalidConfigError('oauth2RefreshGrant.clientId', 'must be a non-empty string.');
  }
  if (options.scope !== undefined && typeof options.scope !== 'string') {
    throw invalidConfigError('oauth2RefreshGrant.scope', 'must be a string when given.');
  }
  const headers = new HttpHeaders({ 'Content-Type': 'application/x-www-form-urlencoded' });
  return (refreshToken, refreshUrl) => {
    if (refreshToken === null) {
      return null;
    }
    const form = new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: refreshToken,
      client_id: options.clientId,
    });
    if (options.scope !== undefined) {
      form.set('scope', options.scope);
    }
    return new HttpRequest('POST', refreshUrl, form.toString(), { headers });
  };
}

/**
 * A refresh call for sessions whose refresh token lives in an httpOnly cookie: `POST refreshUrl` with
 * no body and `withCredentials: true`, so the browser sends the cookie and JavaScript never sees it.
 *
 * Always returns a request, because JavaScript cannot know whether the cookie is there; the server's
 * 401 is what ends the session. Pair it with Angular's XSRF protection (`withXsrfConfiguration`), which
 * applies to the refresh call because the library sends it through `HttpClient`.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh', buildRefreshRequest: cookieRefresh() });
 * ```
 *
 * @returns A {@link RefreshRequestBuilder}.
 * @publicApi
 */
export function cookieRefresh(): RefreshRequestBuilder {
  return (_refreshToken, refreshUrl) =>
    new HttpRequest('POST', refreshUrl, null, { withCredentials: true });
}

/**
 * The default `parseRefreshResponse`: reads `{ accessToken, refreshToken?, expiresIn? }` or the OAuth
 * 2.0 shape `{ access_token, refresh_token?, expires_in? }`.
 *
 * `expiresIn` is in seconds and becomes `expiresAt` (epoch milliseconds). A missing refresh token means
 * "keep the stored one". Throws a `TokenRefreshError` of code `invalid-refresh-response`, naming the
 * field at fault, when there is no non-empty access token, so that `undefined` is never stored.
 *
 * @usageNotes
 * ```ts
 * // The server wraps its answer in `{ data: {...} }`:
 * provideTokenRefresh({
 *   refreshUrl: '/api/auth/refresh',
 *   parseRefreshResponse: (body) => parseTokenResponse((body as { data: unknown }).data),
 * });
 * ```
 *
 * @param body - The parsed JSON body of the refresh answer.
 * @returns The tokens to store.
 * @publicApi
 */
export function parseTokenResponse(body: unknown): TokenSet {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const accessToken = fields['accessToken'] ?? fields['access_token'];
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw invalidResponse(
      ngDevMode ? 'it has no non-empty "accessToken" or "access_token" string' : '',
    );
  }
  const refreshToken = fields['refreshToken'] ?? fields['refresh_token'];
  if (refreshToken != null && (typeof refreshToken !== 'string' || refreshToken === '')) {
    throw invalidResponse(
      ngDevMode ? 'its "refreshToken"/"refresh_token" is not a non-empty string' : '',
    );
  }
  const expiresIn = fields['expiresIn'] ?? fields['expires_in'];
  if (expiresIn != null && !(typeof expiresIn === 'number' && Number.isFinite(expiresIn))) {
    throw invalidResponse(
      ngDevMode ? 'its "expiresIn"/"expires_in" is not a number of seconds' : '',
    );
  }
  return {
    accessToken,
    refreshToken: refreshToken ?? undefined,
    expiresAt: expiresIn == null ? undefined : Date.now() + expiresIn * 1000,
  };
}

function invalidResponse(reason: string): TokenRefreshError {
  return new TokenRefreshError(
    'invalid-refresh-response',
    reason === '' ? '' : `The refresh answer cannot be used: ${reason}.`,
  );
}

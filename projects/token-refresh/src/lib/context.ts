import { HttpContextToken } from '@angular/common/http';

/**
 * Marks a request that must never start, wait for or be retried after a token refresh.
 *
 * The request still carries the current access token when its origin is allowed, but a 401 on it
 * passes through to the caller untouched. Use it for calls whose failure must not touch the session,
 * such as a logout call or a "who am I" probe.
 *
 * @usageNotes
 * ```ts
 * http.post('/api/auth/logout', null, {
 *   context: new HttpContext().set(SKIP_TOKEN_REFRESH, true),
 * });
 * ```
 *
 * @publicApi
 */
export const SKIP_TOKEN_REFRESH = new HttpContextToken<boolean>(() => false);

/**
 * Internal: marks the refresh call the library itself sends, so that the interceptor lets it through
 * untouched even when `buildRefreshRequest` targets a URL other than `refreshUrl`.
 */
export const IS_REFRESH_REQUEST = new HttpContextToken<boolean>(() => false);

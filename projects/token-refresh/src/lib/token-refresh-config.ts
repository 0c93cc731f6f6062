import { HttpRequest } from '@angular/common/http';
import { InjectionToken, Type } from '@angular/core';

import { TokenSet, TokenStore } from './token-store';

/**
 * Selects requests by URL: a string (the exact URL, or a path prefix ending on a segment boundary), a
 * RegExp tested against `request.url`, or a predicate over the whole request.
 *
 * @publicApi
 */
export type UrlMatcher = string | RegExp | ((request: HttpRequest<unknown>) => boolean);

/**
 * An origin allowed to receive the access token: an exact origin string such as
 * `'https://api.example.com'`, or a RegExp that must match the request's whole parsed origin (it is
 * tested as `^(?:pattern)$`, so `/https:\/\/(api|cdn)\.example\.com/` never matches
 * `https://api.example.com.evil.io`).
 *
 * @publicApi
 */
export type OriginMatcher = string | RegExp;

/**
 * Builds the HTTP request that refreshes the session.
 *
 * Called once per refresh with the stored refresh token (`null` when the store has none) and the
 * configured `refreshUrl`. Return `null` when no refresh is possible (for example a body-style refresh
 * with no refresh token): the session then ends without a network call. The library sends the request
 * through `HttpClient`, so your other interceptors (such as Angular's XSRF protection) apply to it; it
 * never attaches the access token to it.
 *
 * @publicApi
 */
export type RefreshRequestBuilder = (
  refreshToken: string | null,
  refreshUrl: string,
) => HttpRequest<unknown> | null;

/**
 * Turns the body of a successful refresh answer into a {@link TokenSet}. Throw when the body holds no
 * usable access token: the refresh then fails with code `invalid-refresh-response`.
 *
 * @publicApi
 */
export type RefreshResponseParser = (body: unknown) => TokenSet;

/**
 * Configuration of `provideTokenRefresh`. Only `refreshUrl` is required; every other option has the
 * default given with it.
 *
 * @publicApi
 */
export interface TokenRefreshConfig {
  /** The refresh endpoint. Requests to it are never given the access token, refreshed or retried. */
  refreshUrl: string;
  /**
   * Requests that get no token, no refresh and no retry, e.g. `['/api/auth/login']`.
   * @default []
   */
  skipUrls?: readonly UrlMatcher[];
  /**
   * How many times one request may be retried after a refresh; after that its last error passes
   * through unchanged. `0` turns reactive refresh off (proactive refresh still runs).
   * @default 1
   */
  maxRetries?: number;
  /**
   * Response statuses that start a refresh and a retry, unless the server's `WWW-Authenticate`
   * challenge says a new token cannot help (`insufficient_scope`, `insufficient_user_authentication`,
   * `invalid_request`): such failures pass through at once. See `bearerChallengeOf`.
   * @default [401]
   */
  statusCodes?: readonly number[];
  /**
   * Origins that may receive the access token besides the app's own origin. Relative URLs are judged
   * by where the browser sends them (against `document.baseURI`, so a `<base href>` on another origin
   * counts). Requests to any other origin pass through untouched.
   * @default []
   */
  allowedOrigins?: readonly OriginMatcher[];
  /**
   * The request header that carries the access token.
   * @default 'Authorization'
   */
  headerName?: string;
  /**
   * The scheme written before the token: the header is `${authScheme} ${token}`, or the bare token
   * when `authScheme` is `''`.
   * @default 'Bearer'
   */
  authScheme?: string;
  /**
   * Builds the refresh call. Ready-made: `jsonBodyRefresh()` (the default: POST `refreshUrl` with
   * JSON `{ refreshToken }`), `oauth2RefreshGrant({ clientId })` and `cookieRefresh()`.
   * @default jsonBodyRefresh()
   */
  buildRefreshRequest?: RefreshRequestBuilder;
  /**
   * Reads the refresh answer. The default, `parseTokenResponse`, accepts
   * `{ accessToken, refreshToken?, expiresIn? }` and OAuth 2.0 `{ access_token, refresh_token?, expires_in? }`.
   * @default parseTokenResponse
   */
  parseRefreshResponse?: RefreshResponseParser;
  /**
   * Milliseconds a refresh may take before it fails, and every request waiting on it, with code
   * `refresh-timeout`.
   * @default 30000
   */
  refreshTimeout?: number;
  /**
   * Milliseconds before its known expiry (JWT `exp`, or the store's `getExpiresAt()`) at which a token
   * is refreshed before a request is sent, sparing the 401 round trip.
   * @default 30000
   */
  expiryLeeway?: number;
  /**
   * Called once, in an injection context (so it may `inject(Router)`), when the session ends: the
   * refresh endpoint answered 400, 401 or 403, or there was no refresh token to send.
   * @default undefined
   */
  onSessionExpired?: () => void;
  /**
   * The token store: a class (created by Angular's injector, so it may use `inject()`) or an instance.
   * Equivalent to providing `{ provide: TokenStore, useClass: ... }` yourself.
   * @default MemoryTokenStore
   */
  store?: Type<TokenStore> | TokenStore;
}

/** The configuration after validation, with every default filled in. Internal. */
export interface TokenRefreshOptions {
  readonly refreshUrl: string;
  readonly skipUrls: readonly UrlMatcher[];
  readonly maxRetries: number;
  readonly statusCodes: readonly number[];
  /** Exact origins, normalized by the URL parser, and RegExps that match whole origins only. */
  readonly allowedOrigins: readonly OriginMatcher[];
  readonly headerName: string;
  readonly authScheme: string;
  readonly buildRefreshRequest: RefreshRequestBuilder;
  readonly parseRefreshResponse: RefreshResponseParser;
  readonly refreshTimeout: number;
  readonly expiryLeeway: number;
  readonly onSessionExpired: (() => void) | null;
}

/** The validated options of the nearest `provideTokenRefresh`. Internal. */
export const TOKEN_REFRESH_OPTIONS = new InjectionToken<TokenRefreshOptions>(
  'TOKEN_REFRESH_OPTIONS',
);

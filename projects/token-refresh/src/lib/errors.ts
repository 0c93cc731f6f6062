/**
 * Why a {@link TokenRefreshError} was raised. Switch on it to decide what the user sees.
 *
 * - `session-expired`: the refresh endpoint rejected the refresh (400, 401 or 403), or there was no
 *   refresh token to send. The store has been cleared; the user must sign in again.
 * - `refresh-failed`: the refresh could not complete (network error, 5xx, or any other unexpected
 *   answer). The session is kept; the next request that fails starts a new refresh.
 * - `refresh-timeout`: the refresh did not answer within `refreshTimeout`. The session is kept.
 * - `invalid-refresh-response`: the refresh answered 2xx, but `parseRefreshResponse` found no access
 *   token in it or threw. The session is kept.
 * - `store-failed`: a `TokenStore` method threw or returned a rejected promise.
 * - `session-cleared`: the session was cleared (logout) or replaced (a new login) while a refresh
 *   was in flight; the refresh's late answer was discarded.
 * - `refresh-cancelled`: the refresh call ended without an answer, e.g. because another interceptor
 *   cancelled it. The session is kept; the next request that fails starts a new refresh.
 * - `step-up-failed`: the handler of `withStepUp()` failed, or declined (answered `null` or nothing).
 *   The session is kept; the requests that needed the step-up fail with it.
 * - `offline`: the refresh call got no answer while the browser was offline (`navigator.onLine` is
 *   `false`). The session is kept; with `withOfflineHold()` the refresh waits for the network first.
 * - `dpop-unavailable`: `withDpop()` cannot make a proof here: the browser lacks WebCrypto
 *   (`crypto.subtle`, only in secure contexts) or IndexedDB, or the `DpopKeyStore` failed; `cause`
 *   says which. The request is not sent: a DPoP-bound token never goes out as a bearer token.
 * - `dpop-nonce-rejected`: the server asked for a fresh DPoP nonce (`use_dpop_nonce`) again right after
 *   the request was resent with the nonce it had just given. The session is kept.
 *
 * @publicApi
 */
export type TokenRefreshErrorCode =
  | 'session-expired'
  | 'refresh-failed'
  | 'refresh-timeout'
  | 'invalid-refresh-response'
  | 'store-failed'
  | 'session-cleared'
  | 'refresh-cancelled'
  | 'step-up-failed'
  | 'offline'
  | 'dpop-unavailable'
  | 'dpop-nonce-rejected';

/*
 * Long error texts are written as `ngDevMode ? text : ''`, as Angular writes its own: production
 * builds define `ngDevMode` as `false` and drop the texts, keeping the codes (listed in README) and
 * the names of options. `ngDevMode` is always defined when these run: `@angular/core` sets it as it
 * loads in development, and nothing here runs before Angular has loaded.
 */

/** The stable, documented number that starts each error message, e.g. `NGTR201`. */
const MESSAGE_CODES: Record<TokenRefreshErrorCode, string> = {
  'session-expired': 'NGTR201',
  'refresh-failed': 'NGTR202',
  'refresh-timeout': 'NGTR203',
  'invalid-refresh-response': 'NGTR204',
  'store-failed': 'NGTR205',
  'session-cleared': 'NGTR206',
  'refresh-cancelled': 'NGTR207',
  'step-up-failed': 'NGTR208',
  offline: 'NGTR209',
  'dpop-unavailable': 'NGTR210',
  'dpop-nonce-rejected': 'NGTR211',
};

/**
 * The error that requests waiting on a refresh fail with when that refresh does not succeed.
 *
 * Every request that was waiting at the refresh gate receives the same instance, so an app can tell
 * one failed refresh from many. `cause` holds what made the refresh fail (usually the refresh call's
 * `HttpErrorResponse`); it never holds a token, and neither does the message.
 *
 * @usageNotes
 * ```ts
 * http.get('/api/orders').subscribe({
 *   error: (error) => {
 *     if (error instanceof TokenRefreshError && error.code === 'session-expired') {
 *       router.navigate(['/login']);
 *     }
 *   },
 * });
 * ```
 *
 * @publicApi
 */
export class TokenRefreshError extends Error {
  /** Always `'TokenRefreshError'`, so that logs and `error.name` checks can tell it apart. */
  override readonly name = 'TokenRefreshError';

  /**
   * @param code - Why the refresh failed; see {@link TokenRefreshErrorCode}.
   * @param detail - A sentence on what happened, without any token in it. The library passes one only
   *   in development builds; in production the message is the bare code, e.g. `NGTR203`.
   * @param options - `cause`: the underlying error, kept for diagnosis.
   */
  constructor(
    /** Why the refresh failed; see {@link TokenRefreshErrorCode}. */
    readonly code: TokenRefreshErrorCode,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail === '' ? MESSAGE_CODES[code] : `${MESSAGE_CODES[code]}: ${detail}`, options);
  }
}

/**
 * Builds the error thrown at start-up for a bad `provideTokenRefresh` option, e.g.
 * `NGTR101: provideTokenRefresh: "maxRetries" must be a non-negative integer, got -1.`
 *
 * A plain `Error` (not a `TokenRefreshError`), because it is a programming mistake to fix in code, not
 * a runtime condition to handle. Production builds keep the code and the option's name, and drop
 * `detail`.
 *
 * @param option - The option at fault, e.g. `maxRetries` or `skipUrls[2]`.
 * @param detail - What is wrong with it; `''` in production builds.
 */
export function invalidConfigError(option: string, detail: string): Error {
  const message = `NGTR101: provideTokenRefresh: "${option}"`;
  return new Error(detail === '' ? message : `${message} ${detail}`);
}

/** Builds the error thrown when `tokenRefreshInterceptor` runs without `provideTokenRefresh`. */
export function missingProviderError(): Error {
  return new Error(
    'NGTR100: tokenRefreshInterceptor needs provideTokenRefresh()' +
      (ngDevMode
        ? ". Add provideTokenRefresh({ refreshUrl: '...' }) to the same providers as " +
          'provideHttpClient().'
        : ''),
  );
}

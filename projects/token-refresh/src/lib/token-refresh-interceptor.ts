import { HttpEvent, HttpHandlerFn, HttpInterceptorFn, HttpRequest } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, defer, isObservable, Observable, switchMap, throwError } from 'rxjs';

import { tokenToRetryWith } from './challenge-decision';
import { IS_REFRESH_REQUEST, SKIP_TOKEN_REFRESH } from './context';
import { missingProviderError } from './errors';
import { RefreshGate } from './refresh-gate';
import { RequestPolicy } from './request-matching';
import { Eventually } from './store-calls';
import { TokenRefreshOptions } from './token-refresh-config';

/**
 * Attaches the access token to requests for allowed origins and, when one fails with a refresh status
 * (401 by default), refreshes the session once for all concurrent failures and retries them.
 *
 * Per request, in this order:
 * - The refresh call, `skipUrls`, foreign origins, JSONP requests and requests that already carry the
 *   token header pass through untouched: no token, no refresh, no retry.
 * - `SKIP_TOKEN_REFRESH` requests get the current token, but never wait, refresh or retry.
 * - Any other request waits while a refresh is in flight, is refreshed first when its token is known
 *   to expire within `expiryLeeway`, and goes out with the current token. If it fails with one of
 *   `statusCodes`, it joins the one refresh (or reuses a token that a refresh produced while it was
 *   out) and is retried, at most `maxRetries` times; then its last error passes through unchanged.
 *   When the refresh fails, every waiting request fails with the same `TokenRefreshError`.
 * - The server's `WWW-Authenticate` challenge is read first (see `bearerChallengeOf`): only
 *   `error="invalid_token"`, a challenge without `error`, or no challenge at all start a refresh.
 *   `insufficient_scope`, `insufficient_user_authentication` and `invalid_request` pass through at
 *   once, unless a feature such as `withStepUp()` answers them.
 *
 * The token is chosen when the returned Observable is subscribed, and again at every re-subscription
 * (an interceptor before this one that retries), never when the interceptor function runs.
 *
 * Needs `provideTokenRefresh(...)`; without it, every request fails with an error saying so.
 *
 * @usageNotes
 * ```ts
 * bootstrapApplication(AppComponent, {
 *   providers: [
 *     provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
 *     provideTokenRefresh({ refreshUrl: '/api/auth/refresh', skipUrls: ['/api/auth/login'] }),
 *   ],
 * });
 * ```
 *
 * @publicApi
 */
export const tokenRefreshInterceptor: HttpInterceptorFn = (request, next) => {
  const policy = inject(RequestPolicy, OPTIONAL);
  if (policy === null) {
    throw missingProviderError();
  }
  const { options } = policy;
  // Cheapest checks first: skipped and foreign requests must cost next to nothing.
  if (
    request.method === 'JSONP' ||
    !policy.mayReceiveToken(request.url) ||
    policy.isExcluded(request) ||
    request.context.get(IS_REFRESH_REQUEST) ||
    request.headers.has(options.headerName)
  ) {
    return next(request);
  }
  const gate = inject(RefreshGate);
  // Decided per subscription: an interceptor before this one may subscribe late, or again (retry).
  if (request.context.get(SKIP_TOKEN_REFRESH)) {
    return defer(() =>
      whenKnown(gate.currentToken(), (token) => send(request, token, next, gate, options)),
    );
  }
  return defer(() =>
    whenKnown(gate.tokenForRequest(), (token) =>
      sendWithRetries(request, token, next, gate, options),
    ),
  );
};

/** Hoisted: an options object literal per request is an allocation on the hot path. */
const OPTIONAL = { optional: true } as const;

/**
 * Sends `request` with `token` and, when it fails with one of `statusCodes` and a challenge a refresh
 * can answer, retries it after a refresh (or with a token a refresh produced meanwhile), or after a
 * step-up, at most `maxRetries` times.
 */
function sendWithRetries(
  request: HttpRequest<unknown>,
  token: string | null,
  next: HttpHandlerFn,
  gate: RefreshGate,
  options: TokenRefreshOptions,
  retries = 0,
): Observable<HttpEvent<unknown>> {
  const sent = send(request, token, next, gate, options);
  if (retries >= options.maxRetries) {
    // No retry left: the error passes through unchanged, so no operator is needed to catch it.
    return sent;
  }
  return sent.pipe(
    catchError((error: unknown) => {
      // The server's challenge decides whether a refresh (or a step-up) can help.
      const retryToken = tokenToRetryWith(error, token, gate, options.statusCodes);
      return retryToken === null
        ? throwError(() => error)
        : retryToken.pipe(
            switchMap((fresh) =>
              // null: the session was cleared while the request was out; its rejection stands.
              fresh === null
                ? throwError(() => error)
                : sendWithRetries(request, fresh, next, gate, options, retries + 1),
            ),
          );
    }),
  );
}

/** Sends at once when the token is known now; after it arrives otherwise. */
function whenKnown(
  token: Eventually<string | null>,
  send: (token: string | null) => Observable<HttpEvent<unknown>>,
): Observable<HttpEvent<unknown>> {
  return isObservable(token) ? token.pipe(switchMap(send)) : send(token);
}

/** Sends `request` with `token`: through the feature's authorizer when there is one (`withDpop()`). */
function send(
  request: HttpRequest<unknown>,
  token: string | null,
  next: HttpHandlerFn,
  gate: RefreshGate,
  options: TokenRefreshOptions,
): Observable<HttpEvent<unknown>> {
  const { authorizer } = gate;
  return authorizer !== null && token !== null
    ? authorizer.send(request, token, next)
    : next(withAccessToken(request, token, options));
}

/** The request with the token header set, or the request itself when there is no token. */
function withAccessToken(
  request: HttpRequest<unknown>,
  token: string | null,
  options: TokenRefreshOptions,
): HttpRequest<unknown> {
  if (token === null) {
    return request;
  }
  const value = options.authScheme === '' ? token : `${options.authScheme} ${token}`;
  return request.clone({ setHeaders: { [options.headerName]: value } });
}

import {
  HttpErrorResponse,
  HttpEvent,
  HttpHandlerFn,
  HttpInterceptorFn,
  HttpRequest,
} from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, Observable, switchMap, throwError } from 'rxjs';

import { IS_REFRESH_REQUEST, SKIP_TOKEN_REFRESH } from './context';
import { missingProviderError } from './errors';
import { RefreshGate } from './refresh-gate';
import { RequestPolicy } from './request-matching';
import { TOKEN_REFRESH_OPTIONS, TokenRefreshOptions } from './token-refresh-config';

/**
 * Attaches the access token to requests for allowed origins and, when one fails with a refresh status
 * (401 by default), refreshes the session once for all concurrent failures and retries them.
 *
 * Per request, in this order:
 * - The refresh call, `skipUrls`, foreign origins and requests that already carry the token header
 *   pass through untouched: no token, no refresh, no retry.
 * - `SKIP_TOKEN_REFRESH` requests get the current token, but never wait, refresh or retry.
 * - Any other request waits while a refresh is in flight, is refreshed first when its token is known
 *   to expire within `expiryLeeway`, and goes out with the current token. If it fails with one of
 *   `statusCodes`, it joins the one refresh (or reuses a token that a refresh produced while it was
 *   out) and is retried, at most `maxRetries` times; then its last error passes through unchanged.
 *   When the refresh fails, every waiting request fails with the same `TokenRefreshError`.
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
  const gate = inject(RefreshGate, { optional: true });
  if (gate === null) {
    throw missingProviderError();
  }
  const options = inject(TOKEN_REFRESH_OPTIONS);
  const policy = inject(RequestPolicy);

  if (
    request.context.get(IS_REFRESH_REQUEST) ||
    !policy.mayReceiveToken(request.url) ||
    policy.isExcluded(request) ||
    request.headers.has(options.headerName)
  ) {
    return next(request);
  }
  if (request.context.get(SKIP_TOKEN_REFRESH)) {
    return gate
      .currentToken()
      .pipe(switchMap((token) => next(withAccessToken(request, token, options))));
  }
  return sendWithRefresh(request, next, gate, options);
};

/** Sends `request` with the current token and retries it after a refresh, as described above. */
function sendWithRefresh(
  request: HttpRequest<unknown>,
  next: HttpHandlerFn,
  gate: RefreshGate,
  options: TokenRefreshOptions,
): Observable<HttpEvent<unknown>> {
  const send = (token: string | null, retries: number): Observable<HttpEvent<unknown>> =>
    next(withAccessToken(request, token, options)).pipe(
      catchError((error: unknown) =>
        retries < options.maxRetries && isRefreshStatus(error, options.statusCodes)
          ? gate.tokenAfterRejection(token).pipe(switchMap((fresh) => send(fresh, retries + 1)))
          : throwError(() => error),
      ),
    );
  return gate.tokenForRequest().pipe(switchMap((token) => send(token, 0)));
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

function isRefreshStatus(error: unknown, statusCodes: readonly number[]): boolean {
  return error instanceof HttpErrorResponse && statusCodes.includes(error.status);
}

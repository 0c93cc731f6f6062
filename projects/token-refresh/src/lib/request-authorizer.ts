import { HttpEvent, HttpHandlerFn, HttpRequest } from '@angular/common/http';
import { InjectionToken } from '@angular/core';
import { Observable } from 'rxjs';

/** Sends one request on its way: the interceptor's `next`, or `HttpClient` for the refresh call. */
export type RequestSender = HttpHandlerFn;

/**
 * Decides how a request carries the session. Internal: the core's extension point that `withDpop()`
 * fills; without it, the access token goes out as `${authScheme} ${token}` in `headerName`.
 *
 * An authorizer may work asynchronously (sign something) and may resend a request that its scheme
 * asked to resend (a DPoP nonce): such resends are its own business, never a refresh, and do not
 * count against `maxRetries`.
 */
export interface RequestAuthorizer {
  /**
   * Sends `request` with `token`, the access token the interceptor chose for it: once per attempt,
   * including every retry after a refresh.
   */
  send(
    request: HttpRequest<unknown>,
    token: string,
    next: RequestSender,
  ): Observable<HttpEvent<unknown>>;
  /**
   * Sends the refresh call (which carries no access token) through `send`. May fail it, as a refresh
   * that failed (the session is kept), by throwing a `TokenRefreshError` from the answer's events.
   */
  sendRefresh(request: HttpRequest<unknown>, send: RequestSender): Observable<HttpEvent<unknown>>;
  /** The app cleared the session (a logout): forget what was bound to it. */
  sessionCleared(): Observable<void>;
}

/** The authorizer of the nearest `provideTokenRefresh`, when a feature provides one. Internal. */
export const REQUEST_AUTHORIZER = new InjectionToken<RequestAuthorizer | null>(
  ngDevMode ? 'REQUEST_AUTHORIZER' : '',
);

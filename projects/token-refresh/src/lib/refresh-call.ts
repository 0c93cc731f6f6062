import {
  HttpClient,
  HttpErrorResponse,
  HttpEventType,
  HttpRequest,
  HttpResponse,
} from '@angular/common/http';
import { filter, map, Observable, throwError } from 'rxjs';

import { IS_REFRESH_REQUEST } from './context';
import { TokenRefreshError } from './errors';
import { RequestAuthorizer } from './request-authorizer';
import { TokenRefreshOptions } from './token-refresh-config';
import { isTokenSet, TokenSet } from './token-store';

/** Statuses of the refresh call that mean "this session is over", as opposed to a passing failure. */
const SESSION_REJECTED_STATUSES: readonly number[] = [400, 401, 403];

/**
 * Makes one refresh call: builds it with `buildRefreshRequest`, sends it through `HttpClient` (marked
 * so that the interceptor lets it pass untouched) and reads the answer with `parseRefreshResponse`.
 * Internal.
 *
 * Fails with `session-expired` at once, without a call, when the builder returns `null`; fails with
 * `invalid-refresh-response` when the answer holds no access token.
 *
 * @param http - The app's `HttpClient`, so that its other interceptors (XSRF, logging) see the call.
 * @param options - The validated options.
 * @param refreshToken - The stored refresh token, or `null`.
 * @param authorizer - The feature that sends the call (`withDpop()` signs it), if any.
 */
export function sendRefreshCall(
  http: HttpClient,
  options: TokenRefreshOptions,
  refreshToken: string | null,
  authorizer: RequestAuthorizer | null = null,
): Observable<TokenSet> {
  const request = options.buildRefreshRequest(refreshToken, options.refreshUrl);
  if (request === null) {
    return throwError(
      () =>
        new TokenRefreshError(
          'session-expired',
          ngDevMode
            ? 'There is no refresh token to refresh the session with; the user must sign in again.'
            : '',
        ),
    );
  }
  const marked = request.clone({ context: request.context.set(IS_REFRESH_REQUEST, true) });
  const send = (call: HttpRequest<unknown>) => http.request(call);
  return (authorizer ? authorizer.sendRefresh(marked, send) : send(marked)).pipe(
    filter((event): event is HttpResponse<unknown> => event.type === HttpEventType.Response),
    map((response) => parseWith(options.parseRefreshResponse, response.body)),
  );
}

/**
 * Classifies why a refresh failed. Only a rejection by the refresh endpoint (400, 401, 403) ends the
 * session; anything else keeps it. No answer (status 0) while `navigator.onLine` is `false` is
 * `offline`. An `HttpErrorResponse` is kept as `cause` without its body and
 * headers, which may hold tokens. Internal.
 *
 * @param error - What the refresh failed with.
 */
export function toRefreshError(error: unknown): TokenRefreshError {
  if (error instanceof TokenRefreshError) {
    return error;
  }
  if (!(error instanceof HttpErrorResponse)) {
    return new TokenRefreshError(
      'refresh-failed',
      ngDevMode ? 'The refresh call failed; see `cause`.' : '',
      { cause: error },
    );
  }
  const { status } = error;
  // The answer's body and headers may hold tokens (a 2xx answer that is not JSON keeps its text): the
  // error keeps only what tells the failure apart.
  const cause = new HttpErrorResponse({ status, url: error.url ?? undefined });
  if (SESSION_REJECTED_STATUSES.includes(status)) {
    return new TokenRefreshError(
      'session-expired',
      ngDevMode
        ? `The refresh endpoint answered ${status}: the session has ended and the user must sign in again.`
        : '',
      { cause },
    );
  }
  if (status >= 200 && status < 300) {
    // HttpClient reports a 2xx answer whose body is not valid JSON as an error.
    return new TokenRefreshError(
      'invalid-refresh-response',
      ngDevMode ? `The refresh answered ${status}, but its body could not be read as JSON.` : '',
      { cause },
    );
  }
  // No answer while the browser knows it is offline: a state of its own, which the app can show.
  const isOffline =
    status === 0 && (globalThis as { navigator?: Navigator }).navigator?.onLine === false;
  return new TokenRefreshError(
    isOffline ? 'offline' : 'refresh-failed',
    ngDevMode ? describeFailure(status) : '',
    { cause },
  );
}

/**
 * Runs the configured parser and checks its result, so that a parser returning no access token fails
 * the refresh instead of storing `undefined`.
 */
function parseWith(parse: (body: unknown) => TokenSet, body: unknown): TokenSet {
  let tokens: TokenSet;
  try {
    tokens = parse(body);
  } catch (error) {
    // The parser found the answer unusable (or has a bug): a failed refresh, the session is kept.
    throw error instanceof TokenRefreshError
      ? error
      : new TokenRefreshError(
          'invalid-refresh-response',
          ngDevMode ? 'parseRefreshResponse threw; see `cause`.' : '',
          { cause: error },
        );
  }
  // A parser written in JavaScript may return anything: check what really came back.
  if (!isTokenSet(tokens)) {
    throw new TokenRefreshError(
      'invalid-refresh-response',
      ngDevMode
        ? 'parseRefreshResponse returned no token set (a non-empty "accessToken" string, an optional string "refreshToken" and an optional finite "expiresAt").'
        : '',
    );
  }
  return tokens;
}

function describeFailure(status: number): string {
  const answer = status === 0 ? 'no answer (network error or CORS)' : `status ${status}`;
  return `The refresh call failed with ${answer}; the session is kept and the next failed request refreshes again.`;
}

import { catchError, defer, Observable, switchMap, throwError } from 'rxjs';

import { invalidConfigError, TokenRefreshError } from './errors';
import { TokenRefreshFeature, tokenRefreshFeature } from './features';
import { firstOrAfter } from './first-or-after';
import { REFRESH_HOLD, RefreshHold, whenOnline } from './refresh-hold';
import { TokenSet } from './token-store';

/**
 * Options of {@link withOfflineHold}.
 *
 * @publicApi
 */
export interface OfflineHoldOptions {
  /**
   * Milliseconds an offline refresh waits for the network before its waiters fail with code
   * `offline`.
   * @default 60000
   */
  timeout?: number;
}

/** The longest delay `setTimeout` keeps. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/**
 * Parks a refresh that finds the browser offline until it is online again, instead of failing the
 * requests that wait for it.
 *
 * Without this feature, a refresh call that gets no answer (status 0) while `navigator.onLine` is
 * `false` fails its waiters at once with code `offline`, and the state signal says `offline`. With
 * it, the state says `offline` while the refresh waits; the waiting requests (and those sent
 * meanwhile with the same token) stay parked until the browser fires `online`, then the refresh runs
 * once more and they are retried with its tokens. After `timeout` without the network they fail with
 * code `offline`. Neither ends the session. A request that is unsubscribed leaves the wait at once;
 * the refresh itself goes on for the others, and a logout ends it.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }, withOfflineHold({ timeout: 120_000 }));
 * ```
 *
 * @param options - How long to wait; see {@link OfflineHoldOptions}.
 * @returns The feature, for `provideTokenRefresh`.
 * @publicApi
 */
export function withOfflineHold(options: OfflineHoldOptions = {}): TokenRefreshFeature {
  // Typed, but called from JavaScript too: `null` is not an options object.
  const given: unknown = options;
  const { timeout = 60_000 } = (given === null ? { timeout: null } : options) as {
    timeout?: unknown;
  };
  if (!(typeof timeout === 'number' && timeout > 0 && timeout <= MAX_TIMEOUT_MS)) {
    throw invalidConfigError(
      'withOfflineHold({ timeout })',
      ngDevMode
        ? `must be a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${String(timeout)}.`
        : '',
    );
  }
  return tokenRefreshFeature('offline-hold', [
    { provide: REFRESH_HOLD, useValue: offlineHold(timeout) },
  ]);
}

/** The hold: one wait for `online`, bounded by `timeout`, then one more attempt. Internal. */
export function offlineHold(timeout: number): RefreshHold {
  return {
    hold: (attempt, setState): Observable<TokenSet> =>
      attempt().pipe(
        catchError((error: unknown) => {
          if (!(error instanceof TokenRefreshError && error.code === 'offline')) {
            return throwError(() => error);
          }
          setState('offline');
          const online = defer(() =>
            // Back online between the failure and now: no event will come. A guard only: the gate
            // makes its offline errors while navigator.onLine is false, in the task that gets here.
            // Stryker disable next-line ConditionalExpression: equivalent while the guard is unreached
            (globalThis as { navigator?: Navigator }).navigator?.onLine === false
              ? whenOnline()
              : // Stryker disable next-line ArrayDeclaration: unreached, see the guard above
                [undefined],
          );
          return firstOrAfter(
            online,
            timeout,
            throwError(() => error),
          ).pipe(
            switchMap(() => {
              setState('refreshing');
              return attempt();
            }),
          );
        }),
      ),
  };
}

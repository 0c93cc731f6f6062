import { InjectionToken } from '@angular/core';
import { Observable } from 'rxjs';

import { TokenSet } from './token-store';

/**
 * Holds a refresh that failed because the browser is offline, instead of failing its waiters at once.
 * Internal: the core's extension point that `withOfflineHold()` fills; without it, an offline refresh
 * fails its waiters with code `offline`.
 */
export interface RefreshHold {
  /**
   * Runs `attempt` and, when it fails with code `offline`, waits for the network and runs it again.
   *
   * @param attempt - Makes one refresh attempt; called again for each new attempt.
   * @param setState - Reports the wait (`offline`) and the new attempt (`refreshing`) to the state
   *   signal.
   * @returns The refreshed tokens, or the error of the last attempt.
   */
  hold(
    attempt: () => Observable<TokenSet>,
    setState: (state: 'offline' | 'refreshing') => void,
  ): Observable<TokenSet>;
}

/** The refresh hold of the nearest `provideTokenRefresh`, when a feature provides one. Internal. */
export const REFRESH_HOLD = new InjectionToken<RefreshHold>('REFRESH_HOLD');

/**
 * Emits once, then completes, when the browser fires `online`; never on a server, where there is no
 * such event. Unsubscribing removes the listener. Internal; shared by the core and the features.
 */
export function whenOnline(): Observable<void> {
  return new Observable<void>((subscriber) => {
    const target = globalThis as Partial<Pick<Window, 'addEventListener' | 'removeEventListener'>>;
    const listener = () => {
      subscriber.next();
      subscriber.complete();
    };
    target.addEventListener?.('online', listener);
    return () => target.removeEventListener?.('online', listener);
  });
}

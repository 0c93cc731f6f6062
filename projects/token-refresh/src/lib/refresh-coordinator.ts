import { InjectionToken } from '@angular/core';
import { Observable } from 'rxjs';

import { SessionSnapshot } from './session';
import { TokenSet } from './token-store';

/**
 * What another instance of the app (another tab) did to this app's session, once it has been applied
 * to this app's store: `refreshed` (its new tokens were adopted) or `ended` (the store was cleared).
 */
export type CoordinatedChange =
  { readonly type: 'refreshed'; readonly tokens: TokenSet } | { readonly type: 'ended' };

/**
 * Coordinates the refreshes of one session between instances of the app, such as the tabs of an
 * origin. Internal: the core's extension point that `withCrossTab()` fills; without it, each instance
 * refreshes on its own.
 */
export interface RefreshCoordinator {
  /**
   * Runs `refresh` as the only refresh among the coordinated instances, or, when another instance has
   * just refreshed this session, lets `refresh` find its tokens in the store. Unsubscribing stops
   * waiting, or ends `refresh`.
   */
  runExclusive(refresh: () => Observable<TokenSet>): Observable<TokenSet>;
  /** Tells the others that `spent` was refreshed into `tokens`. Called while `refresh` runs. */
  announceRefresh(spent: SessionSnapshot, tokens: TokenSet): void;
  /** Tells the others that the session `ended` is over (a logout or a rejected refresh). */
  announceEnd(ended: SessionSnapshot): void;
  /** What the others did to this session, after it was applied to the store. */
  readonly changes: Observable<CoordinatedChange>;
}

/** The coordinator of the nearest `provideTokenRefresh`, when a feature provides one. Internal. */
export const REFRESH_COORDINATOR = new InjectionToken<RefreshCoordinator>('REFRESH_COORDINATOR');

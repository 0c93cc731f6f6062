import { inject, Injectable, Signal } from '@angular/core';
import { Observable } from 'rxjs';

import { TokenRefreshError } from './errors';
import { RefreshGate } from './refresh-gate';
import { TokenRefreshEvent, TokenRefreshState } from './token-refresh-events';

/**
 * The session as the app sees it: its state as a signal, its events as an observable, and commands to
 * refresh on demand and to clear the session.
 *
 * Provided by `provideTokenRefresh`. It shares the interceptor's refresh gate, so a manual `refresh()`
 * joins a refresh already in flight instead of starting a second one, and requests issued meanwhile
 * wait for it.
 *
 * @usageNotes
 * ```ts
 * @Component({
 *   template: `@if (session.state() === 'expired') { <app-sign-in-dialog /> }`,
 * })
 * export class ShellComponent {
 *   protected readonly session = inject(TokenRefreshService);
 * }
 * ```
 *
 * @publicApi
 */
@Injectable()
export class TokenRefreshService {
  readonly #gate = inject(RefreshGate);

  /** Where the session stands: `idle`, `refreshing`, `expired` or `offline` (see {@link TokenRefreshState}). */
  readonly state: Signal<TokenRefreshState> = this.#gate.state;

  /**
   * Refresh started / succeeded / failed and session expired, as they happen. Hot: subscribe before
   * the events you want to see. No event carries a token.
   */
  readonly events: Observable<TokenRefreshEvent> = this.#gate.events;

  /**
   * Refreshes the session now, or joins the refresh already in flight.
   *
   * The refresh runs to its end even when nobody awaits the promise.
   *
   * @returns A promise that resolves when the new tokens are stored, or rejects with the
   *   `TokenRefreshError` of the failed refresh.
   */
  refresh(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#gate.joinRefresh('manual').subscribe({
        next: () => resolve(),
        error: reject,
        // Ended without tokens: the app was destroyed mid-refresh. A settled promise is no longer
        // changed by this.
        complete: () =>
          reject(
            new TokenRefreshError(
              'refresh-cancelled',
              ngDevMode ? 'The app was destroyed before the refresh ended.' : '',
            ),
          ),
      }),
    );
  }

  /**
   * Clears the session (logout): empties the store, and makes a refresh in flight discard its late
   * answer instead of writing the old session back. Requests waiting on that refresh fail with code
   * `session-cleared`. Call your server's logout endpoint separately.
   *
   * @returns A promise that resolves when the store is cleared.
   */
  clearSession(): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#gate.clearSession().subscribe({ complete: resolve, error: reject }),
    );
  }
}

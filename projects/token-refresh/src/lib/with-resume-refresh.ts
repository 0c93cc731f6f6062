import { DOCUMENT, isPlatformBrowser } from '@angular/common';
import {
  DestroyRef,
  EnvironmentInjector,
  ErrorHandler,
  inject,
  Injectable,
  PLATFORM_ID,
  provideEnvironmentInitializer,
} from '@angular/core';
import { isObservable } from 'rxjs';

import { TokenRefreshError } from './errors';
import { TokenRefreshFeature, tokenRefreshFeature } from './features';
import { RefreshGate } from './refresh-gate';

/**
 * Refreshes, when the page comes back, a session whose access token has expired (or expires within
 * `expiryLeeway`) while the page was hidden, asleep or offline, so the user's first click is not a
 * 401 and the state signal is right before the user acts.
 *
 * "Comes back" is one of: the page becomes visible (`visibilitychange`), it is restored from the
 * back/forward cache (`pageshow` with `persisted`), or the browser is online again (`online`). Each
 * asks the refresh gate what a request would: a token that is not known to expire is left alone (no
 * call), and one that is joins the single refresh, so several of these events at once make one
 * refresh. With {@link withCrossTab}, a tab whose session another tab has already refreshed finds the
 * new tokens and makes no call. No timer runs, so a background tab is never kept awake; on a server
 * the feature does nothing. A failed refresh is reported as every refresh is: through
 * `TokenRefreshService.events` and `state`.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }, withResumeRefresh());
 * ```
 *
 * @returns The feature, for `provideTokenRefresh`.
 * @publicApi
 */
export function withResumeRefresh(): TokenRefreshFeature {
  return tokenRefreshFeature('resume-refresh', [
    ResumeRefresh,
    provideEnvironmentInitializer(() => void inject(ResumeRefresh)),
  ]);
}

/** Listens for the page coming back and refreshes an expired session. Internal. */
@Injectable()
export class ResumeRefresh {
  readonly #gate = inject(RefreshGate);
  readonly #injector = inject(EnvironmentInjector);
  readonly #document = inject(DOCUMENT);

  constructor() {
    const window = this.#document.defaultView;
    if (!isPlatformBrowser(inject(PLATFORM_ID)) || window === null) {
      return;
    }
    const abort = new AbortController();
    const listen = { signal: abort.signal };
    this.#document.addEventListener('visibilitychange', () => this.resume(), listen);
    window.addEventListener('pageshow', (event) => event.persisted && this.resume(), listen);
    window.addEventListener('online', () => this.resume(), listen);
    inject(DestroyRef).onDestroy(() => abort.abort());
  }

  /** Refreshes now when the page is visible and the stored token is known to expire. */
  resume(): void {
    if (this.#document.visibilityState === 'hidden') {
      return;
    }
    const token = this.#gate.tokenForRequest();
    if (isObservable(token)) {
      token.subscribe({
        error: (error: unknown) => {
          // A failed refresh was already reported through the events and the state signal; a store
          // that fails to answer, or anything else, is reported the Angular way.
          if (!(error instanceof TokenRefreshError) || error.code === 'store-failed') {
            this.#injector.get(ErrorHandler).handleError(error);
          }
        },
      });
    }
  }
}

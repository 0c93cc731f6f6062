import { inject, provideEnvironmentInitializer } from '@angular/core';

import { CROSS_TAB_ENVIRONMENT, CrossTabCoordinator, crossTabEnvironment } from './cross-tab';
import { TokenRefreshFeature, tokenRefreshFeature } from './features';
import { REFRESH_COORDINATOR } from './refresh-coordinator';
import { RefreshGate } from './refresh-gate';

/**
 * Makes the tabs of an origin that hold the same session share one refresh, and one sign-out.
 *
 * Add it when tabs share a session: tokens in `localStorage` (`WebStorageTokenStore`), or a refresh
 * token in an httpOnly cookie. With refresh-token rotation, two tabs that refresh at once sign the
 * user out; with this feature, one tab refreshes (under a Web Lock) and the others adopt its tokens
 * (BroadcastChannel). A session that ends in one tab ends in every tab that holds it.
 *
 * Tabs that hold different sessions (one session per tab, e.g. `sessionStorage` with the JSON-body
 * refresh style) never mix: a tab acts on another tab's message only when both hold the same session,
 * compared by a digest of the refresh token (never the token itself). A duplicated tab, which copies
 * `sessionStorage`, holds the same session and coordinates. Malformed or foreign messages are ignored.
 * Where the browser lacks Web Locks or BroadcastChannel, and on a server, each tab refreshes on its own.
 *
 * @usageNotes
 * ```ts
 * provideTokenRefresh(
 *   { refreshUrl: '/api/auth/refresh', store: new WebStorageTokenStore() },
 *   withCrossTab(),
 * );
 * ```
 *
 * @returns The feature, for `provideTokenRefresh`.
 * @publicApi
 */
export function withCrossTab(): TokenRefreshFeature {
  return tokenRefreshFeature('cross-tab', [
    { provide: CROSS_TAB_ENVIRONMENT, useFactory: crossTabEnvironment },
    CrossTabCoordinator,
    { provide: REFRESH_COORDINATOR, useExisting: CrossTabCoordinator },
    // The gate starts with the app, so that a tab that has sent nothing yet still hears the others.
    provideEnvironmentInitializer(() => void inject(RefreshGate)),
  ]);
}

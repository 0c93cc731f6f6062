import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';
import { TokenRefreshService, TokenStore } from 'ngx-token-refresh';

import { readDemoConfig } from './demo-config';
import { DemoSession } from './demo-session';

/**
 * Lets the dashboard open only with a session: tokens in the store, or (cookie style, where the
 * refresh token is an httpOnly cookie the app cannot see) a refresh that succeeds. Anyone else is
 * sent to the login page as "not signed in", not as "your session ended".
 */
export const sessionGuard: CanActivateFn = async () => {
  // Everything injected before the first await: inject() works only synchronously in a guard.
  const store = inject(TokenStore);
  const session = inject(DemoSession);
  const tokenRefresh = inject(TokenRefreshService);
  const loginPage = inject(Router).createUrlTree(['/login']);
  const hasTokens =
    (await store.getAccessToken()) !== null || (await store.getRefreshToken()) !== null;
  if (hasTokens) {
    session.started();
    return true;
  }
  if (readDemoConfig().refreshStyle !== 'cookie') {
    return loginPage;
  }
  try {
    await tokenRefresh.refresh();
    session.started();
    return true;
  } catch {
    // No cookie, or a cookie the server rejects: this tab has no session.
    return loginPage;
  }
};

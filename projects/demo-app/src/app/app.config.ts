import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import { provideRouter } from '@angular/router';
import {
  jsonBodyRefresh,
  MemoryTokenStore,
  provideTokenRefresh,
  tokenRefreshInterceptor,
  TokenStore,
  WebStorageTokenStore,
  withCrossTab,
  withDpop,
  withResumeRefresh,
} from 'ngx-token-refresh';

import { routes } from './app.routes';
import { readDemoConfig } from './demo-config';
import { DemoSession } from './demo-session';
import { cookieRefreshWithJsonBody } from './refresh-request';
import { wireLogInterceptor } from './wire-log';

const { refreshStyle, store, refreshTimeoutMs, dpop } = readDemoConfig();

/**
 * Cookie style: the refresh token never reaches JavaScript, and the access token lives in memory
 * only. Body style: both live in localStorage, shared by the tabs. `DEMO_STORE=session`: both live
 * in sessionStorage, so that each tab holds a session of its own.
 */
function demoStore(): TokenStore {
  if (store === 'session') {
    return new WebStorageTokenStore({ storage: 'session' });
  }
  return refreshStyle === 'cookie' ? new MemoryTokenStore() : new WebStorageTokenStore();
}

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideRouter(routes),
    // The wire log comes after the library, so it sees retries and the refresh call too.
    provideHttpClient(withInterceptors([tokenRefreshInterceptor, wireLogInterceptor])),
    provideTokenRefresh(
      {
        refreshUrl: '/api/auth/refresh',
        skipUrls: ['/api/auth/login', '/api/auth/logout', '/api/demo/stats'],
        maxRetries: 1,
        // 403 too, as apps that guard permissions with it do: the server's insufficient_scope
        // challenge is what keeps a permission error from refreshing (the admin report button).
        statusCodes: [401, 403],
        // The demo's access tokens live 15 s: refresh them 5 s before they expire.
        expiryLeeway: 5_000,
        ...(refreshTimeoutMs === null ? {} : { refreshTimeout: refreshTimeoutMs }),
        buildRefreshRequest:
          refreshStyle === 'cookie' ? cookieRefreshWithJsonBody() : jsonBodyRefresh(),
        store: demoStore(),
        onSessionExpired: () => inject(DemoSession).expired(),
      },
      // The demo's tabs share one session (localStorage, or the refresh cookie). With
      // DEMO_STORE=session it stays on too, so that separate sessions per tab can be tried with it.
      withCrossTab(),
      // A tab that comes back (shown again, restored from the back/forward cache, or online again)
      // with an expired access token refreshes at once, so the first click after a laptop's sleep
      // is not a 401. With withCrossTab(), only one tab of a shared session makes the call.
      withResumeRefresh(),
      // DEMO_DPOP=on: every call that gets the token, and the refresh, is proven with the app's
      // key (the login too: see login.component.ts), and the server binds the tokens to it.
      ...(dpop ? [withDpop()] : []),
    ),
  ],
};

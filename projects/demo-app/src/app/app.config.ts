import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, inject, provideZonelessChangeDetection } from '@angular/core';
import { provideRouter, Router } from '@angular/router';
import {
  cookieRefresh,
  jsonBodyRefresh,
  MemoryTokenStore,
  provideTokenRefresh,
  tokenRefreshInterceptor,
  WebStorageTokenStore,
  withCrossTab,
} from 'ngx-token-refresh';

import { routes } from './app.routes';
import { readDemoConfig } from './demo-config';

const { refreshStyle } = readDemoConfig();

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    provideRouter(routes),
    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh(
      {
        refreshUrl: '/api/auth/refresh',
        skipUrls: ['/api/auth/login', '/api/auth/logout', '/api/demo/'],
        maxRetries: 1,
        // The demo's access tokens live 15 s: refresh them 5 s before they expire.
        expiryLeeway: 5_000,
        // Cookie style: the refresh token never reaches JavaScript, and the access token lives in
        // memory only. Body style: both live in localStorage, shared by the tabs.
        buildRefreshRequest: refreshStyle === 'cookie' ? cookieRefresh() : jsonBodyRefresh(),
        store: refreshStyle === 'cookie' ? new MemoryTokenStore() : new WebStorageTokenStore(),
        onSessionExpired: () =>
          void inject(Router).navigate(['/login'], { queryParams: { expired: 1 } }),
      },
      // The demo's tabs share one session (localStorage, or the refresh cookie).
      withCrossTab(),
    ),
  ],
};

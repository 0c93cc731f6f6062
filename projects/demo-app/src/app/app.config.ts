import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { ApplicationConfig, provideZonelessChangeDetection } from '@angular/core';
import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';

import { fakeAuthBackend } from './fake-auth-backend';

export const appConfig: ApplicationConfig = {
  providers: [
    provideZonelessChangeDetection(),
    // The fake backend comes last, so it sees each request as the server would: after the library.
    provideHttpClient(withInterceptors([tokenRefreshInterceptor, fakeAuthBackend])),
    provideTokenRefresh({
      refreshUrl: '/api/auth/refresh',
      skipUrls: ['/api/auth/login'],
      maxRetries: 1,
    }),
  ],
};

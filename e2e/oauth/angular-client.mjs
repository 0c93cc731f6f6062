// Angular's HttpClient with ngx-token-refresh (the built package) in plain Node, configured with the
// OAuth 2.0 refresh grant against the authorization server given in argv[2] (JSON). Fires the calls
// at once, and prints what happened as one JSON line.
import '@angular/compiler';

import { HttpClient, provideHttpClient, withFetch, withInterceptors } from '@angular/common/http';
import {
  createEnvironmentInjector,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';
import { firstValueFrom } from 'rxjs';

import {
  MemoryTokenStore,
  oauth2RefreshGrant,
  provideTokenRefresh,
  TokenRefreshService,
  tokenRefreshInterceptor,
  TokenStore,
} from '../../dist/token-refresh/fesm2022/ngx-token-refresh.mjs';

const input = JSON.parse(process.argv[2]);
const store = new MemoryTokenStore();
store.setTokens({ accessToken: input.accessToken, refreshToken: input.refreshToken });

const injector = createEnvironmentInjector(
  [
    // The root scope, as an application's injector has, so that providedIn: 'root' services resolve.
    { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
    provideZonelessChangeDetection(),
    provideHttpClient(withFetch(), withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({
      refreshUrl: `${input.issuer}/token`,
      allowedOrigins: [input.issuer],
      buildRefreshRequest: oauth2RefreshGrant({
        clientId: input.clientId,
        scope: 'openid offline_access',
      }),
    }),
    { provide: TokenStore, useValue: store },
  ],
  null,
);

const http = injector.get(HttpClient);
const events = [];
injector.get(TokenRefreshService).events.subscribe((event) => events.push(event.type));

const results = await Promise.allSettled(
  Array.from({ length: input.concurrency }, () => firstValueFrom(http.get(`${input.issuer}/me`))),
);
console.log(
  JSON.stringify({
    results: results.map((result) =>
      result.status === 'fulfilled'
        ? { sub: result.value.sub }
        : { error: String(result.reason?.message ?? result.reason) },
    ),
    events,
    accessToken: store.getAccessToken(),
    refreshToken: store.getRefreshToken(),
  }),
);
injector.destroy();

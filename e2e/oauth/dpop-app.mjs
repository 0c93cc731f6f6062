// The browser app of the DPoP interop test, bundled by the test with esbuild and served by
// oidc-server.mjs on the issuer's origin: Angular's HttpClient with the built library, withDpop() and
// withCrossTab(), tokens in localStorage. The test drives it through window.dpopApp.
/* global window, location -- runs in the browser */
import '@angular/compiler';

import {
  HttpClient,
  HttpEventType,
  HttpHeaders,
  HttpRequest,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import {
  createEnvironmentInjector,
  DOCUMENT,
  PLATFORM_ID,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';
import { filter, firstValueFrom } from 'rxjs';

import {
  DpopService,
  oauth2RefreshGrant,
  parseTokenResponse,
  provideTokenRefresh,
  TokenRefreshService,
  tokenRefreshInterceptor,
  TokenStore,
  WebStorageTokenStore,
  withCrossTab,
  withDpop,
} from '../../dist/token-refresh/fesm2022/ngx-token-refresh.mjs';

const CLIENT_ID = 'ngx-token-refresh-e2e';
const issuer = location.origin;

const injector = createEnvironmentInjector(
  [
    // What bootstrapApplication provides in a browser app.
    { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
    { provide: PLATFORM_ID, useValue: 'browser' },
    { provide: DOCUMENT, useValue: document },
    provideZonelessChangeDetection(),
    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh(
      {
        refreshUrl: `${issuer}/token`,
        buildRefreshRequest: oauth2RefreshGrant({ clientId: CLIENT_ID }),
        store: new WebStorageTokenStore(),
        // The test's access tokens live 5 s: refresh them only when really about to expire.
        expiryLeeway: 1000,
      },
      withDpop(),
      withCrossTab(),
    ),
  ],
  null,
);

const http = injector.get(HttpClient);
const dpop = injector.get(DpopService);
const events = [];
injector.get(TokenRefreshService).events.subscribe((event) => events.push(event.type));

window.dpopApp = {
  events,
  thumbprint: () => dpop.thumbprint(),
  /** The authorization code exchange, proven with the app's key; stores the tokens. */
  async signIn(code, verifier) {
    const body = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      code_verifier: verifier,
      client_id: CLIENT_ID,
      redirect_uri: `${issuer}/app/callback`,
    });
    const request = new HttpRequest('POST', `${issuer}/token`, body.toString(), {
      headers: new HttpHeaders({ 'Content-Type': 'application/x-www-form-urlencoded' }),
    });
    const answer = await firstValueFrom(
      dpop.sendTokenRequest(request).pipe(filter((e) => e.type === HttpEventType.Response)),
    );
    await injector.get(TokenStore).setTokens(parseTokenResponse(answer.body));
    return { tokenType: answer.body.token_type };
  },
  /** `count` calls to the userinfo endpoint at once; what each one got. */
  async burst(count) {
    const results = await Promise.allSettled(
      Array.from({ length: count }, () => firstValueFrom(http.get(`${issuer}/me`))),
    );
    return results.map((result) =>
      result.status === 'fulfilled'
        ? { sub: result.value.sub }
        : { error: String(result.reason?.message ?? result.reason) },
    );
  },
};
document.title = 'ready';

// Smoke test of the packed ngx-token-refresh in a minimal app of one Angular major, run by compat/run.mjs
// inside that app's folder. Prints one JSON line: { angular, results: [{ name, passed, error? }] }.
import '@angular/compiler';

import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  DOCUMENT,
  provideZonelessChangeDetection,
  VERSION,
  ɵINJECTOR_SCOPE,
} from '@angular/core';
import {
  provideTokenRefresh,
  tokenRefreshInterceptor,
  TokenRefreshError,
  TokenStore,
  WebStorageTokenStore,
} from 'ngx-token-refresh';

const REFRESH_URL = '/api/auth/refresh';

function createApp(config = {}) {
  const injector = createEnvironmentInjector(
    [
      { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
      { provide: DOCUMENT, useValue: { location: { origin: 'http://localhost' } } },
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideHttpClientTesting(),
      provideTokenRefresh({ refreshUrl: REFRESH_URL, ...config }),
    ],
    null,
  );
  injector.get(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  return { http: injector.get(HttpClient), backend: injector.get(HttpTestingController), injector };
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

const unauthorized = { status: 401, statusText: 'Unauthorized' };

const scenarios = {
  'wiring: the token goes to the app origin, not to a foreign one'() {
    const { http, backend, injector } = createApp();
    http.get('/api/orders').subscribe();
    http.get('https://elsewhere.example/x').subscribe();
    check(
      backend.expectOne('/api/orders').request.headers.get('Authorization') === 'Bearer access-1',
      'no token on /api/orders',
    );
    check(
      !backend.expectOne('https://elsewhere.example/x').request.headers.has('Authorization'),
      'token sent to a foreign origin',
    );
    backend.verify();
    injector.destroy();
  },
  'one refresh for 5 concurrent 401s, each retried with the new token'() {
    const { http, backend, injector } = createApp();
    const results = [];
    for (let i = 0; i < 5; i++) http.get(`/api/items/${i}`).subscribe((body) => results.push(body));
    backend
      .match((request) => request.url !== REFRESH_URL)
      .forEach((request) => request.flush(null, unauthorized));
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    const retries = backend.match(() => true);
    check(retries.length === 5, `expected 5 retries, got ${retries.length}`);
    check(
      retries.every((r) => r.request.headers.get('Authorization') === 'Bearer access-2'),
      'retry without the new token',
    );
    retries.forEach((request) => request.flush('ok'));
    check(results.length === 5, `expected 5 results, got ${results.length}`);
    backend.verify();
    injector.destroy();
  },
  'a rejected refresh ends the session once and fails every waiter'() {
    let expiredCalls = 0;
    const { http, backend, injector } = createApp({ onSessionExpired: () => expiredCalls++ });
    const errors = [];
    for (let i = 0; i < 3; i++)
      http.get(`/api/items/${i}`).subscribe({ error: (error) => errors.push(error) });
    backend
      .match((request) => request.url !== REFRESH_URL)
      .forEach((request) => request.flush(null, unauthorized));
    backend.expectOne(REFRESH_URL).flush(null, unauthorized);
    check(errors.length === 3, `expected 3 errors, got ${errors.length}`);
    check(
      errors.every(
        (error) => error instanceof TokenRefreshError && error.code === 'session-expired',
      ),
      'wrong error',
    );
    check(expiredCalls === 1, `onSessionExpired ran ${expiredCalls} times`);
    check(injector.get(TokenStore).getAccessToken() === null, 'store not cleared');
    backend.verify();
    injector.destroy();
  },
  'store: WebStorageTokenStore (the class) is created by the injector without a DI warning'() {
    const warnings = [];
    const warn = console.warn;
    console.warn = (...args) => warnings.push(args.join(' '));
    try {
      const { injector } = createApp({ store: WebStorageTokenStore });
      check(injector.get(TokenStore) instanceof WebStorageTokenStore, 'not a WebStorageTokenStore');
      injector.destroy();
    } finally {
      console.warn = warn;
    }
    check(warnings.length === 0, `warned: ${warnings.join('; ')}`);
  },
};

const results = [];
for (const [name, run] of Object.entries(scenarios)) {
  try {
    run();
    results.push({ name, passed: true });
  } catch (error) {
    results.push({ name, passed: false, error: String(error?.stack ?? error) });
  }
}
console.log(JSON.stringify({ angular: VERSION.full, results }));

// The interceptors compared by the bench, each as the providers of one app. Every variant reads the
// same token from the same in-memory place and talks to the same fake backend.
import {
  HttpClient,
  HttpErrorResponse,
  provideHttpClient,
  withInterceptors,
  withInterceptorsFromDi,
} from '@angular/common/http';
import {
  importProvidersFrom,
  inject,
  PLATFORM_ID,
  provideEnvironmentInitializer,
} from '@angular/core';
import { JwtModule } from '@auth0/angular-jwt';
import {
  AbstractSecurityStorage,
  authInterceptor,
  ConfigurationService,
  provideAuth,
} from 'angular-auth-oidc-client';
import { AUTH_SERVICE, AuthModule } from 'ngx-auth';
import { catchError, map, Observable, of, switchMap, throwError } from 'rxjs';

import {
  DpopKeyStore,
  provideTokenRefresh,
  tokenRefreshInterceptor,
  TokenStore,
  withDpop,
} from '../dist/token-refresh/fesm2022/ngx-token-refresh.mjs';

export const REFRESH_URL = '/api/auth/refresh';

/** The one place every variant reads and writes tokens. */
export class Tokens {
  access = 'initial';
  refresh = 'refresh-0';
}

/** ngx-token-refresh's store over the shared tokens. */
class SharedTokenStore extends TokenStore {
  constructor(tokens) {
    super();
    this.tokens = tokens;
  }
  getAccessToken() {
    return this.tokens.access;
  }
  getRefreshToken() {
    return this.tokens.refresh;
  }
  setTokens({ accessToken, refreshToken }) {
    this.tokens.access = accessToken;
    if (refreshToken) this.tokens.refresh = refreshToken;
  }
  clear() {
    this.tokens.access = null;
    this.tokens.refresh = null;
  }
}

/** The refresh call as the blog interceptors and ngx-auth make it. */
function refreshWith(http, tokens) {
  return http.post(REFRESH_URL, { refreshToken: tokens.refresh }).pipe(
    map((answer) => {
      tokens.access = answer.accessToken;
      tokens.refresh = answer.refreshToken ?? tokens.refresh;
      return answer.accessToken;
    }),
  );
}

const withBearer = (request, token) =>
  token ? request.clone({ setHeaders: { Authorization: `Bearer ${token}` } }) : request;

/** The blog minimum: read the token, clone the request. No refresh at all. */
function naiveAttach(tokens) {
  return (request, next) => next(withBearer(request, tokens.access));
}

/** The common blog interceptor: on 401, refresh with HttpClient and retry once. No gate. */
function naiveRetry(tokens) {
  return (request, next) => {
    if (request.url === REFRESH_URL) return next(request);
    const http = inject(HttpClient);
    return next(withBearer(request, tokens.access)).pipe(
      catchError((error) =>
        error instanceof HttpErrorResponse && error.status === 401
          ? refreshWith(http, tokens).pipe(switchMap((token) => next(withBearer(request, token))))
          : throwError(() => error),
      ),
    );
  };
}

/** The other common pattern: an isRefreshing flag and an array of pending callbacks. */
function naiveQueue(tokens) {
  let isRefreshing = false;
  let pending = [];
  return (request, next) => {
    if (request.url === REFRESH_URL) return next(request);
    const http = inject(HttpClient);
    return next(withBearer(request, tokens.access)).pipe(
      catchError((error) => {
        if (!(error instanceof HttpErrorResponse) || error.status !== 401)
          return throwError(() => error);
        const waiter = new Observable((subscriber) => {
          pending.push((token, failure) =>
            failure ? subscriber.error(failure) : (subscriber.next(token), subscriber.complete()),
          );
        });
        if (!isRefreshing) {
          isRefreshing = true;
          refreshWith(http, tokens).subscribe({
            next: (token) => {
              const callbacks = pending;
              pending = [];
              isRefreshing = false;
              callbacks.forEach((callback) => callback(token));
            },
            error: (failure) => {
              const callbacks = pending;
              pending = [];
              isRefreshing = false;
              callbacks.forEach((callback) => callback(null, failure));
            },
          });
        }
        return waiter.pipe(switchMap((token) => next(withBearer(request, token))));
      }),
    );
  };
}

/** ngx-auth's AuthService over the shared tokens. */
function ngxAuthService(tokens, http) {
  return {
    isAuthorized() {
      return of(tokens.access !== null);
    },
    getAccessToken() {
      return of(tokens.access);
    },
    refreshToken() {
      return refreshWith(http, tokens);
    },
    refreshShouldHappen(response) {
      return response.status === 401;
    },
    verifyRefreshToken(request) {
      return request.url === REFRESH_URL;
    },
    skipRequest(request) {
      return request.url === REFRESH_URL;
    },
  };
}

/**
 * angular-auth-oidc-client keeps its session as one JSON string per configuration in a Web Storage
 * (sessionStorage by default) and parses it on every request. This storage holds that string over the
 * shared tokens, rebuilt only when they change, as the browser's sessionStorage would hold it.
 */
class SharedOidcStorage {
  constructor(tokens) {
    this.tokens = tokens;
    this.written = {};
    this.cache = { access: undefined, refresh: undefined, text: null };
  }
  read() {
    const { access, refresh } = this.tokens;
    if (this.cache.access !== access || this.cache.refresh !== refresh) {
      this.cache = {
        access,
        refresh,
        text: JSON.stringify({
          ...this.written,
          authzData: access,
          authnResult: { id_token: 'id-token', refresh_token: refresh },
        }),
      };
    }
    return this.cache.text;
  }
  write(_key, value) {
    this.written = JSON.parse(value) ?? {};
    this.cache.access = undefined;
  }
  remove() {
    this.written = {};
    this.cache.access = undefined;
  }
  clear() {
    this.remove();
  }
}

// angular-auth-oidc-client reads storage only where `Storage` exists (in a browser); Node 24 has
// none without a flag, so the bench declares the name for it.
globalThis.Storage ??= class Storage {};

/**
 * The variants, by name: each returns the providers of an app that uses it, given the shared tokens.
 */
export const VARIANTS = {
  bare: () => [provideHttpClient()],
  'naive-attach': (tokens) => [provideHttpClient(withInterceptors([naiveAttach(tokens)]))],
  'naive-retry': (tokens) => [provideHttpClient(withInterceptors([naiveRetry(tokens)]))],
  'naive-queue': (tokens) => [provideHttpClient(withInterceptors([naiveQueue(tokens)]))],
  '@auth0/angular-jwt': (tokens) => [
    provideHttpClient(withInterceptorsFromDi()),
    importProvidersFrom(
      JwtModule.forRoot({
        config: { tokenGetter: () => tokens.access, allowedDomains: ['localhost'] },
      }),
    ),
  ],
  'angular-auth-oidc-client': (tokens) => [
    provideHttpClient(withInterceptors([authInterceptor()])),
    provideAuth({
      config: {
        authority: 'http://localhost/auth',
        clientId: 'bench',
        redirectUrl: 'http://localhost/',
        responseType: 'code',
        scope: 'openid offline_access',
        useRefreshToken: true,
        secureRoutes: ['/api/', 'http://localhost/'],
      },
    }),
    { provide: AbstractSecurityStorage, useValue: new SharedOidcStorage(tokens) },
    // A browser app's platform provides this; the library asks for it before it reads storage.
    { provide: PLATFORM_ID, useValue: 'browser' },
    // What an app's checkAuth() does first: load the configuration (static here, so synchronous).
    provideEnvironmentInitializer(() => {
      inject(ConfigurationService).getOpenIDConfiguration().subscribe();
    }),
  ],
  'ngx-auth': (tokens) => [
    provideHttpClient(withInterceptorsFromDi()),
    importProvidersFrom(AuthModule),
    { provide: AUTH_SERVICE, useFactory: () => ngxAuthService(tokens, inject(HttpClient)) },
  ],
  'ngx-token-refresh': (tokens) => [
    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh({
      refreshUrl: REFRESH_URL,
      skipUrls: ['/api/public'],
      store: new SharedTokenStore(tokens),
    }),
  ],
};

/** Variants that refresh on 401 (the others only attach a token). */
export const REFRESHING_VARIANTS = ['naive-retry', 'naive-queue', 'ngx-auth', 'ngx-token-refresh'];

/** The key of the DPoP variant, in memory: Node has WebCrypto but no IndexedDB. */
class MemoryDpopKeyStore extends DpopKeyStore {
  pair = null;
  load() {
    return this.pair;
  }
  add(pair) {
    this.pair ??= pair;
    return this.pair;
  }
  clear() {
    this.pair = null;
  }
}

/**
 * Variants whose requests complete asynchronously (a proof is signed per request): measured apart from
 * VARIANTS, by `dpopHappyPath`, since the other measurements fire requests synchronously.
 */
export const ASYNC_VARIANTS = {
  'ngx-token-refresh + withDpop()': (tokens) => [
    // A browser app: on a server withDpop() is inert.
    { provide: PLATFORM_ID, useValue: 'browser' },
    provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
    provideTokenRefresh(
      { refreshUrl: REFRESH_URL, skipUrls: ['/api/public'], store: new SharedTokenStore(tokens) },
      withDpop({ keyStore: new MemoryDpopKeyStore() }),
    ),
  ],
};

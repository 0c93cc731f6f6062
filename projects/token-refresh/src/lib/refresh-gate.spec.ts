import {
  HttpClient,
  HttpErrorResponse,
  HttpInterceptorFn,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import {
  HttpTestingController,
  provideHttpClientTesting,
  TestRequest,
} from '@angular/common/http/testing';
import { ErrorHandler, inject, Injectable, InjectionToken } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { Subject, switchMap, take } from 'rxjs';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import {
  bearerOf,
  expectRefresh,
  inProductionBuild,
  record,
  reject401,
  REFRESH_URL,
  setUp,
} from './spec-helpers';
import { MemoryTokenStore, TokenSet, TokenStore } from './token-store';

describe('refresh gate: concurrent failures', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([1, 10, 1000])(
    'refreshes exactly once for %i concurrent 401s and retries each once, in the order they failed',
    (count) => {
      const { http, backend, store } = setUp();
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const results = Array.from({ length: count }, (_, i) => record(http.get(`/api/items/${i}`)));
      const firstWave = backend.match((request) => request.url.startsWith('/api/items/'));
      expect(firstWave).toHaveLength(count);
      // Fail them in reverse order: the retries must follow the failures, not the subscriptions.
      [...firstWave].reverse().forEach(reject401);

      const refresh = expectRefresh(backend);
      refresh.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });

      const retries = backend.match((request) => request.url.startsWith('/api/items/'));
      expect(retries.map((retry) => retry.request.url)).toEqual(
        [...firstWave].reverse().map((first) => first.request.url),
      );
      expect(retries.every((retry) => bearerOf(retry) === 'Bearer access-2')).toBe(true);
      retries.forEach((retry) => retry.flush({ url: retry.request.url }));

      expect(results.map((result) => result.values)).toEqual(
        results.map((_, i) => [{ url: `/api/items/${i}` }]),
      );
      expect(results.every((result) => result.completed && result.errors.length === 0)).toBe(true);
    },
  );

  it('makes 1 refresh and leaves 0 pending for 1000 requests when half the 401s arrive after it finished', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const results = Array.from({ length: 1000 }, (_, i) => record(http.get(`/api/items/${i}`)));
    const firstWave = backend.match((request) => request.url.startsWith('/api/items/'));
    const [early, late] = [
      firstWave.filter((_, i) => i % 2 === 0),
      firstWave.filter((_, i) => i % 2 === 1),
    ];
    early.forEach(reject401);
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    late.forEach(reject401); // sent with access-1, answered after the refresh

    const retries = backend.match((request) => request.url.startsWith('/api/items/'));
    expect(retries).toHaveLength(1000);
    expect(retries.every((retry) => bearerOf(retry) === 'Bearer access-2')).toBe(true);
    retries.forEach((retry) => retry.flush('ok'));
    backend.expectNone(REFRESH_URL);
    expect(
      results.filter((result) => !result.completed && result.errors.length === 0),
    ).toHaveLength(0);
  });

  it('makes 1 refresh and leaves 0 pending for 1000 requests when the refresh answers 401', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const results = Array.from({ length: 1000 }, (_, i) => record(http.get(`/api/items/${i}`)));
    backend.match((request) => request.url.startsWith('/api/items/')).forEach(reject401);
    reject401(expectRefresh(backend));

    expect(results.every((result) => result.errors.length === 1 && !result.completed)).toBe(true);
    backend.expectNone(() => true);
  });

  it('sends the default refresh call: POST refreshUrl, JSON { refreshToken }, no access token', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/orders').subscribe();
    reject401(backend.expectOne('/api/orders'));

    const refresh = expectRefresh(backend);
    expect(refresh.request.method).toBe('POST');
    expect(refresh.request.body).toEqual({ refreshToken: 'refresh-1' });
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    refresh.flush({ accessToken: 'access-2' });
    backend.expectOne('/api/orders').flush([]);
  });

  it('stores the rotated refresh token, and keeps the old one when the answer has none', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    reject401(backend.expectOne('/api/a'));
    expectRefresh(backend).flush({ access_token: 'access-2', refresh_token: 'refresh-2' });
    backend.expectOne('/api/a').flush({});
    expect(store.getRefreshToken()).toBe('refresh-2');

    http.get('/api/b').subscribe();
    reject401(backend.expectOne('/api/b'));
    expectRefresh(backend).flush({ accessToken: 'access-3' });
    backend.expectOne('/api/b').flush({});
    expect(store.getAccessToken()).toBe('access-3');
    expect(store.getRefreshToken()).toBe('refresh-2');
  });

  it('turns expiresIn into the stored expiresAt', () => {
    jest.useFakeTimers({ now: new Date('2026-01-01T00:00:00Z') });
    try {
      const { http, backend, store } = setUp();
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      http.get('/api/a').subscribe();
      reject401(backend.expectOne('/api/a'));
      expectRefresh(backend).flush({ accessToken: 'access-2', expiresIn: 900 });
      backend.expectOne('/api/a').flush({});

      expect(store.getExpiresAt?.()).toBe(Date.parse('2026-01-01T00:15:00Z'));
    } finally {
      jest.useRealTimers();
    }
  });

  it('retries a 401 that arrives after the refresh finished with the current token, without a second refresh', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const early = record(http.get('/api/early'));
    const late = record(http.get('/api/late'));
    reject401(backend.expectOne('/api/early'));
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/early').flush('early');

    // /api/late went out with access-1 before the refresh; its 401 only arrives now.
    const lateFirst = backend.expectOne('/api/late');
    expect(bearerOf(lateFirst)).toBe('Bearer access-1');
    reject401(lateFirst);
    backend.expectNone(REFRESH_URL);
    const lateRetry = backend.expectOne('/api/late');
    expect(bearerOf(lateRetry)).toBe('Bearer access-2');
    lateRetry.flush('late');

    expect(early.values).toEqual(['early']);
    expect(late.values).toEqual(['late']);
  });

  it('holds requests issued while a refresh is in flight and sends them only with the new token', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/first').subscribe();
    reject401(backend.expectOne('/api/first'));
    const refresh = expectRefresh(backend);

    const during = [
      record(http.get('/api/during/1')),
      record(http.post('/api/during/2', { a: 1 })),
    ];
    backend.expectNone((request) => request.url.startsWith('/api/during/'));

    refresh.flush({ accessToken: 'access-2' });
    backend.expectOne('/api/first').flush({});
    const sent = backend.match((request) => request.url.startsWith('/api/during/'));
    expect(sent.map((request) => [request.request.url, bearerOf(request)])).toEqual([
      ['/api/during/1', 'Bearer access-2'],
      ['/api/during/2', 'Bearer access-2'],
    ]);
    expect(sent[1].request.body).toEqual({ a: 1 });
    sent.forEach((request) => request.flush('ok'));
    expect(during.map((result) => result.values)).toEqual([['ok'], ['ok']]);
  });

  it('re-sends the body of a retried POST unchanged', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const form = new FormData();
    form.append('file', 'contents');

    http.post('/api/upload', form).subscribe();
    reject401(backend.expectOne('/api/upload'));
    expectRefresh(backend).flush({ accessToken: 'access-2' });

    const retry = backend.expectOne('/api/upload');
    expect(retry.request.body).toBe(form);
    retry.flush({});
  });
});

describe('refresh gate: interceptors around it', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('does not strand a request whose outer interceptor subscribes after the refresh settled', () => {
    const release = new Subject<void>();
    // Calls next() at once, as interceptors do, but subscribes only when `release` fires.
    const lateSubscriber: HttpInterceptorFn = (request, next) => {
      const inner = next(request);
      return request.url === '/api/late'
        ? release.pipe(
            take(1),
            switchMap(() => inner),
          )
        : inner;
    };
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([lateSubscriber, tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);

    http.get('/api/first').subscribe();
    reject401(backend.expectOne('/api/first'));
    const refresh = expectRefresh(backend);
    const late = record(http.get('/api/late')); // asks for its token while the refresh is in flight
    refresh.flush({ accessToken: 'access-2' });
    backend.expectOne('/api/first').flush({});
    release.next(); // only now subscribes, after the refresh has settled

    const sent = backend.expectOne('/api/late');
    expect(bearerOf(sent)).toBe('Bearer access-2');
    sent.flush('late');
    expect(late.values).toEqual(['late']);
  });
});

describe('refresh gate: rejected refresh', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([400, 401, 403])(
    'on %i: fails every waiter with TokenRefreshError, clears the store and calls onSessionExpired once',
    (status) => {
      const ROUTER = new InjectionToken<{ navigated: string[] }>('fake router', {
        providedIn: 'root',
        factory: () => ({ navigated: [] }),
      });
      const { http, backend, store } = setUp({
        onSessionExpired: () => inject(ROUTER).navigated.push('/login'),
      });
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const results = Array.from({ length: 5 }, (_, i) => record(http.get(`/api/items/${i}`)));
      backend.match((request) => request.url.startsWith('/api/items/')).forEach(reject401);
      expectRefresh(backend).flush({ error: 'invalid_grant' }, { status, statusText: 'Rejected' });

      const errors = results.map((result) => result.errors[0]);
      expect(errors.every((error) => error === errors[0])).toBe(true);
      expect(errors[0]).toBeInstanceOf(TokenRefreshError);
      // name: what logs print and what an app without the class at hand checks.
      expect(errors[0]).toMatchObject({ code: 'session-expired', name: 'TokenRefreshError' });
      expect((errors[0] as TokenRefreshError).message).toMatch(/^NGTR201: /);
      expect(((errors[0] as TokenRefreshError).cause as HttpErrorResponse).status).toBe(status);
      expect(store.getAccessToken()).toBeNull();
      expect(store.getRefreshToken()).toBeNull();
      expect(TestBed.inject(ROUTER).navigated).toEqual(['/login']);
      // Nothing loops: no retry and no second refresh went out (verify() in afterEach).
    },
  );

  it('after the session expired, later requests neither hang nor refresh without a refresh token', () => {
    const onSessionExpired = jest.fn();
    const { http, backend, store } = setUp({ onSessionExpired });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));

    const later = record(http.get('/api/b'));
    const sent = backend.expectOne('/api/b');
    expect(sent.request.headers.has('Authorization')).toBe(false);
    reject401(sent);

    backend.expectNone(REFRESH_URL);
    expect(later.errors[0]).toMatchObject({ code: 'session-expired' });
    expect(onSessionExpired).toHaveBeenCalledTimes(1);
  });

  it('makes no refresh call at all when the store has no refresh token (body-style refresh)', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));

    backend.expectNone(REFRESH_URL);
    expect(result.errors[0]).toMatchObject({ code: 'session-expired' });
  });

  it('reports an onSessionExpired that throws to the ErrorHandler and still fails every waiter', () => {
    const handleError = jest.fn();
    const { http, backend, store } = setUp(
      {
        onSessionExpired: () => {
          throw new Error('router exploded');
        },
      },
      [{ provide: ErrorHandler, useValue: { handleError } }],
    );
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));

    expect(handleError).toHaveBeenCalledWith(new Error('router exploded'));
    expect(result.errors[0]).toMatchObject({ code: 'session-expired' });
  });
});

describe('refresh gate: transient refresh failures', () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    jest.useRealTimers();
  });

  const failures: [string, (refresh: TestRequest) => void, string][] = [
    [
      'a 503',
      (refresh) => refresh.flush(null, { status: 503, statusText: 'Unavailable' }),
      'refresh-failed',
    ],
    ['a network error', (refresh) => refresh.error(new ProgressEvent('error')), 'refresh-failed'],
    [
      'an answer without an access token',
      (refresh) => refresh.flush({ token: 'x' }),
      'invalid-refresh-response',
    ],
    [
      'a 200 whose body is not JSON', // what HttpXhrBackend reports when JSON.parse fails
      (refresh) => refresh.error(new ProgressEvent('error'), { status: 200, statusText: 'OK' }),
      'invalid-refresh-response',
    ],
  ];

  it.each(failures)(
    'on %s: fails the waiters, keeps the store, and the next failure refreshes afresh',
    (_, fail, code) => {
      const { http, backend, store } = setUp();
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const waiters = [record(http.get('/api/a')), record(http.get('/api/b'))];
      backend.match(() => true).forEach(reject401);
      fail(expectRefresh(backend));

      expect(waiters.map((waiter) => (waiter.errors[0] as TokenRefreshError).code)).toEqual([
        code,
        code,
      ]);
      expect(store.getAccessToken()).toBe('access-1');
      expect(store.getRefreshToken()).toBe('refresh-1');

      const next = record(http.get('/api/c'));
      reject401(backend.expectOne('/api/c'));
      expectRefresh(backend).flush({ accessToken: 'access-2' });
      backend.expectOne('/api/c').flush('c');
      expect(next.values).toEqual(['c']);
    },
  );

  it('keeps the code and the cause but drops the long text in a production build', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const result = record(http.get('/api/orders'));

    inProductionBuild(() => {
      reject401(backend.expectOne('/api/orders'));
      expectRefresh(backend).flush(null, { status: 401, statusText: 'Unauthorized' });
    });

    const error = result.errors[0] as TokenRefreshError;
    expect(error.message).toBe('NGTR201');
    expect(error.code).toBe('session-expired');
    expect((error.cause as HttpErrorResponse).status).toBe(401);
  });

  it('fails all waiters with refresh-timeout when the refresh does not answer within refreshTimeout', () => {
    jest.useFakeTimers();
    const { http, backend, store } = setUp({ refreshTimeout: 5000 });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const waiters = [record(http.get('/api/a')), record(http.get('/api/b'))];
    backend.match(() => true).forEach(reject401);
    const refresh = expectRefresh(backend);

    jest.advanceTimersByTime(4999);
    expect(waiters.every((waiter) => waiter.errors.length === 0)).toBe(true);
    jest.advanceTimersByTime(1);

    expect(waiters.map((waiter) => (waiter.errors[0] as TokenRefreshError).code)).toEqual([
      'refresh-timeout',
      'refresh-timeout',
    ]);
    expect(refresh.cancelled).toBe(true);
    expect(store.getRefreshToken()).toBe('refresh-1');
  });
});

describe('refresh gate: cancellation', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('cancelling the request that started the refresh cancels neither the refresh nor the other waiters', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const starter = record(http.get('/api/starter'));
    const other = record(http.get('/api/other'));
    reject401(backend.expectOne('/api/starter'));
    reject401(backend.expectOne('/api/other'));
    const refresh = expectRefresh(backend);

    starter.subscription.unsubscribe();
    expect(refresh.cancelled).toBe(false);
    refresh.flush({ accessToken: 'access-2' });

    backend.expectNone('/api/starter');
    backend.expectOne('/api/other').flush('other');
    expect(other.values).toEqual(['other']);
    expect(store.getAccessToken()).toBe('access-2');
  });

  it('finishes and stores the refresh even when every waiter was cancelled', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const only = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    only.subscription.unsubscribe();
    refresh.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });

    expect(store.getRefreshToken()).toBe('refresh-2');
    backend.expectNone('/api/a');
  });
});

describe('refresh gate: maxRetries', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('with 0, passes the 401 through unchanged and never refreshes', () => {
    const { http, backend, store } = setUp({ maxRetries: 0 });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));

    expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
    backend.expectNone(REFRESH_URL);
  });

  it.each([1, 2])(
    'with %i, refreshes and retries that many times, then passes the last 401 through',
    (maxRetries) => {
      const { http, backend, store } = setUp({ maxRetries });
      void store.setTokens({ accessToken: 'access-0', refreshToken: 'refresh-0' });

      const result = record(http.get('/api/a'));
      for (let attempt = 1; attempt <= maxRetries; attempt++) {
        reject401(backend.expectOne('/api/a'));
        expectRefresh(backend).flush({ accessToken: `access-${attempt}` });
      }
      const last = backend.expectOne('/api/a');
      expect(bearerOf(last)).toBe(`Bearer access-${maxRetries}`);
      last.flush({ attempt: 'last' }, { status: 401, statusText: 'Still Unauthorized' });

      expect(result.errors).toHaveLength(1);
      expect(result.errors[0]).toBeInstanceOf(HttpErrorResponse);
      expect(result.errors[0]).toMatchObject({
        status: 401,
        statusText: 'Still Unauthorized',
        error: { attempt: 'last' },
      });
    },
  );
});

describe('refresh gate: token stores', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('works with a store whose every method returns a promise', async () => {
    const { http, backend, store } = setUp({ store: new PromiseTokenStore() });
    await store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const results = [record(http.get('/api/a')), record(http.get('/api/b'))];
    await flushPromises();
    backend.match(() => true).forEach(reject401);
    await flushPromises();
    const refresh = expectRefresh(backend);
    expect(refresh.request.body).toEqual({ refreshToken: 'refresh-1' });
    refresh.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await flushPromises();

    const retries = backend.match(() => true);
    expect(retries.map(bearerOf)).toEqual(['Bearer access-2', 'Bearer access-2']);
    retries.forEach((retry) => retry.flush('ok'));
    expect(results.map((result) => result.values)).toEqual([['ok'], ['ok']]);
    expect(await store.getRefreshToken()).toBe('refresh-2');
  });

  it('fails the request with a store-failed error naming the method when the store throws', () => {
    const store = new MemoryTokenStore();
    store.getAccessToken = () => {
      throw new Error('disk on fire');
    };
    const { http } = setUp({ store });

    const result = record(http.get('/api/a'));

    expect(result.errors[0]).toBeInstanceOf(TokenRefreshError);
    expect(result.errors[0]).toMatchObject({
      code: 'store-failed',
      cause: new Error('disk on fire'),
    });
    expect((result.errors[0] as Error).message).toBe(
      'NGTR205: TokenStore.getAccessToken() threw or rejected; see `cause`.',
    );
  });

  it('fails the waiters, instead of hanging them, when the store rejects the refreshed tokens', async () => {
    const store = new PromiseTokenStore();
    const { http, backend } = setUp({ store });
    await store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    store.setTokens = () => Promise.reject(new Error('quota exceeded'));

    const result = record(http.get('/api/a'));
    await flushPromises();
    reject401(backend.expectOne('/api/a'));
    await flushPromises();
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    await flushPromises();

    expect(result.errors[0]).toMatchObject({ code: 'store-failed' });
    expect((result.errors[0] as Error).message).toContain('TokenStore.setTokens()');
  });

  it('discards the late answer of a refresh when the session is cleared meanwhile', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    void store.clear(); // logout
    refresh.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });

    expect(store.getAccessToken()).toBeNull();
    expect(store.getRefreshToken()).toBeNull();
    expect(result.errors[0]).toMatchObject({ code: 'session-cleared' });
    backend.expectNone('/api/a');
  });

  it('uses a store given as a class, created by the injector', () => {
    const { store } = setUp({ store: PromiseTokenStore });
    expect(store).toBeInstanceOf(PromiseTokenStore);
  });

  it('uses a store provided as { provide: TokenStore, useClass }', () => {
    const { store } = setUp({}, [{ provide: TokenStore, useClass: PromiseTokenStore }]);
    expect(store).toBeInstanceOf(PromiseTokenStore);
  });
});

/** A store whose every method answers through a promise, like Capacitor Preferences or IndexedDB. */
@Injectable()
class PromiseTokenStore extends TokenStore {
  private tokens: TokenSet | null = null;
  override getAccessToken() {
    return Promise.resolve(this.tokens?.accessToken ?? null);
  }
  override getRefreshToken() {
    return Promise.resolve(this.tokens?.refreshToken ?? null);
  }
  override setTokens(tokens: TokenSet) {
    this.tokens = tokens;
    return Promise.resolve();
  }
  override clear() {
    this.tokens = null;
    return Promise.resolve();
  }
}

async function flushPromises(): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await Promise.resolve();
  }
}

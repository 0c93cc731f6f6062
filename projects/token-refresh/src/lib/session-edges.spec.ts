import {
  HttpClient,
  HttpContext,
  HttpContextToken,
  HttpErrorResponse,
  HttpEventType,
  HttpInterceptorFn,
  HttpParams,
  HttpRequest,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  DOCUMENT,
  EnvironmentInjector,
  ErrorHandler,
  inject,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { retry, Subject, takeUntil } from 'rxjs';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { cookieRefresh } from './refresh-request';
import {
  bearerOf,
  expectRefresh,
  record,
  reject401,
  REFRESH_URL,
  settle,
  setUp,
} from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore, TokenSet, TokenStore } from './token-store';

describe('session edges: a new session always wins over the old one', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('discards the old refresh answer when the app stores a new login meanwhile', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'old-access', refreshToken: 'old-refresh' });

    const oldRequest = record(http.get('/api/old'));
    reject401(backend.expectOne('/api/old'));
    const refresh = expectRefresh(backend);
    void store.setTokens({ accessToken: 'new-access', refreshToken: 'new-refresh' });

    // Sent after the login, while the old refresh is unanswered: goes out at once, as the new user.
    http.get('/api/new').subscribe();
    expect(bearerOf(backend.expectOne('/api/new'))).toBe('Bearer new-access');

    refresh.flush({ accessToken: 'old-access-2', refreshToken: 'old-refresh-2' });
    expect([store.getAccessToken(), store.getRefreshToken()]).toEqual([
      'new-access',
      'new-refresh',
    ]);
    expect(oldRequest.errors[0]).toMatchObject({ code: 'session-cleared' });
    http.get('/api/later').subscribe();
    expect(bearerOf(backend.expectOne('/api/later'))).toBe('Bearer new-access');
  });

  it('does not clear a new login when the old session’s refresh is rejected afterwards', () => {
    const expired: string[] = [];
    const { http, backend, store } = setUp({ onSessionExpired: () => expired.push('expired') });
    void store.setTokens({ accessToken: 'old-access', refreshToken: 'old-refresh' });

    const oldRequest = record(http.get('/api/old'));
    reject401(backend.expectOne('/api/old'));
    const refresh = expectRefresh(backend);
    void store.setTokens({ accessToken: 'new-access', refreshToken: 'new-refresh' });
    reject401(refresh);

    expect(store.getAccessToken()).toBe('new-access');
    expect(expired).toEqual([]);
    expect(TestBed.inject(TokenRefreshService).state()).toBe('idle');
    // The old session's own end stays readable as the cause.
    expect(oldRequest.errors[0]).toMatchObject({ code: 'session-cleared' });
    expect((oldRequest.errors[0] as TokenRefreshError).cause).toMatchObject({
      code: 'session-expired',
    });
  });

  it('after clearSession(), sends new requests at once without a token, then with a new login', async () => {
    const { http, backend, store } = setUp({ buildRefreshRequest: cookieRefresh() });
    const service = TestBed.inject(TokenRefreshService);
    void store.setTokens({ accessToken: 'access-1' });

    const waiting = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    await service.clearSession();

    expect(refresh.cancelled).toBe(true);
    expect(waiting.errors[0]).toMatchObject({ code: 'session-cleared' });
    const afterLogout = record(http.get('/api/b'));
    const sentAfterLogout = backend.expectOne('/api/b');
    expect(sentAfterLogout.request.headers.has('Authorization')).toBe(false);
    sentAfterLogout.flush('b');
    expect(afterLogout.values).toEqual(['b']);

    void store.setTokens({ accessToken: 'access-new' });
    http.get('/api/c').subscribe();
    expect(bearerOf(backend.expectOne('/api/c'))).toBe('Bearer access-new');
  });

  it('passes a 401 through, without refreshing, when the session was cleared while the request was out', async () => {
    const expired: string[] = [];
    const { http, backend, store } = setUp({ onSessionExpired: () => expired.push('expired') });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const request = record(http.get('/api/a'));
    await TestBed.inject(TokenRefreshService).clearSession();
    reject401(backend.expectOne('/api/a'));

    backend.expectNone(REFRESH_URL);
    expect((request.errors[0] as HttpErrorResponse).status).toBe(401);
    expect(expired).toEqual([]);
  });

  it('keeps the store empty and sends no refreshed token once clearSession() resolved during a slow write', async () => {
    const store = new SlowStore();
    const { http, backend } = setUp({}, [{ provide: TokenStore, useValue: store }]);
    store.tokens = { accessToken: 'access-1', refreshToken: 'refresh-1' };

    const waiting = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    await settle();
    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await settle();
    expect(store.pendingWrites).toBe(1); // setTokens(access-2) has started and not finished

    const cleared = TestBed.inject(TokenRefreshService).clearSession();
    store.finishWrites();
    await cleared;
    await settle();

    expect(store.tokens).toBeNull();
    expect(store.calls).toEqual(['setTokens', 'clear']);
    expect(waiting.errors[0]).toMatchObject({ code: 'session-cleared' });
    http.get('/api/b').subscribe();
    await settle();
    expect(backend.expectOne('/api/b').request.headers.has('Authorization')).toBe(false);
  });

  it('lets a request sent from onSessionExpired go out without a token', () => {
    let fromCallback: ReturnType<typeof record> | null = null;
    const { http, backend, store } = setUp({
      onSessionExpired: () => (fromCallback = record(inject(HttpClient).post('/api/audit', {}))),
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const request = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));

    const audit = backend.expectOne('/api/audit');
    expect(audit.request.headers.has('Authorization')).toBe(false);
    audit.flush('ok');
    expect(fromCallback).toMatchObject({ values: ['ok'] });
    expect(request.errors[0]).toMatchObject({ code: 'session-expired' });
  });

  it('ends the session for the app, and reports the store’s error, when clear() throws after a rejection', () => {
    const handled: unknown[] = [];
    const expired: string[] = [];
    const store = new MemoryTokenStore();
    const storeError = new Error('disk full');
    store.clear = () => {
      throw storeError;
    };
    const { http, backend } = setUp({ onSessionExpired: () => expired.push('expired') }, [
      { provide: TokenStore, useValue: store },
      { provide: ErrorHandler, useValue: { handleError: (error: unknown) => handled.push(error) } },
    ]);
    store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const request = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));

    expect(TestBed.inject(TokenRefreshService).state()).toBe('expired');
    expect(expired).toEqual(['expired']);
    expect(request.errors[0]).toMatchObject({ code: 'session-expired' });
    expect(handled).toEqual([expect.objectContaining({ code: 'store-failed', cause: storeError })]);
  });
});

describe('session edges: a store that fails to clear', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  /** Signed in as access-1 / refresh-1, with a store whose clear() always throws. */
  function signedInWithFailingClear() {
    const store = new MemoryTokenStore();
    store.clear = () => {
      throw new Error('disk full');
    };
    const { http, backend } = setUp({}, [{ provide: TokenStore, useValue: store }]);
    store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    return { http, backend, store, service: TestBed.inject(TokenRefreshService) };
  }

  it('still ends the session for the app when clear() throws on logout, until a new login', async () => {
    const { http, backend, store, service } = signedInWithFailingClear();

    await expect(service.clearSession()).rejects.toMatchObject({ code: 'store-failed' });
    http.get('/api/a').subscribe();
    expect(backend.expectOne('/api/a').request.headers.has('Authorization')).toBe(false);

    store.setTokens({ accessToken: 'access-new', refreshToken: 'refresh-new' });
    http.get('/api/b').subscribe();
    expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer access-new');
  });

  it('keeps the tokens hidden when a second clear() fails too', async () => {
    const { http, backend, service } = signedInWithFailingClear();

    await expect(service.clearSession()).rejects.toMatchObject({ code: 'store-failed' });
    await expect(service.clearSession()).rejects.toMatchObject({ code: 'store-failed' });

    http.get('/api/a').subscribe();
    expect(backend.expectOne('/api/a').request.headers.has('Authorization')).toBe(false);
  });

  it('never spends the refresh token of a session whose clear() failed', async () => {
    const { http, backend, service } = signedInWithFailingClear();
    await expect(service.clearSession()).rejects.toMatchObject({ code: 'store-failed' });

    const request = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));

    // Body style without a refresh token makes no call: refresh-1 belongs to the ended session.
    backend.expectNone(REFRESH_URL);
    expect(request.errors).toHaveLength(1);
  });
});

describe('session edges: the refresh token a refresh spends', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('refreshes with the stored refresh token when no access token is stored (lost on reload)', () => {
    const store: TokenStore = {
      getAccessToken: () => null,
      getRefreshToken: () => 'refresh-1',
      setTokens: () => undefined,
      clear: () => undefined,
    };
    const { http, backend } = setUp({}, [{ provide: TokenStore, useValue: store }]);

    const request = record(http.get('/api/a'));
    const first = backend.expectOne('/api/a');
    expect(first.request.headers.has('Authorization')).toBe(false);
    reject401(first);

    const refresh = expectRefresh(backend);
    expect(refresh.request.body).toEqual({ refreshToken: 'refresh-1' });
    refresh.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    const retry = backend.expectOne('/api/a');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush('ok');
    expect(request.values).toEqual(['ok']);
  });

  it('names getExpiresAt() when the store fails there', () => {
    const store = new MemoryTokenStore();
    store.getExpiresAt = () => {
      throw new Error('disk unreadable');
    };
    const { http } = setUp({}, [{ provide: TokenStore, useValue: store }]);
    store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const request = record(http.get('/api/a'));

    expect(request.errors[0]).toMatchObject({ code: 'store-failed' });
    expect((request.errors[0] as Error).message).toContain('TokenStore.getExpiresAt()');
  });
});

describe('session edges: the end of the injector', () => {
  it('releases every waiter and throws nothing when the injector is destroyed mid-refresh', () => {
    TestBed.configureTestingModule({});
    const injector = createEnvironmentInjector(
      [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
      TestBed.inject(EnvironmentInjector),
    );
    void injector.get(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const http = injector.get(HttpClient);
    const backend = injector.get(HttpTestingController);
    const first = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const second = record(http.get('/api/b'));
    const refresh = backend.expectOne(REFRESH_URL);

    expect(() => injector.destroy()).not.toThrow();

    expect(refresh.cancelled).toBe(true);
    expect([first.completed, second.completed]).toEqual([true, true]);
    expect([first.errors, second.errors]).toEqual([[], []]);
  });
});

describe('session edges: a refresh call that ends without an answer', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('fails every waiter at once with refresh-cancelled, and lets the next request refresh again', () => {
    const cancelAll = new Subject<void>();
    // Only the refresh call is cut off here, so that the waiter's own fate shows.
    const cancelling: HttpInterceptorFn = (request, next) =>
      request.url === REFRESH_URL ? next(request).pipe(takeUntil(cancelAll)) : next(request);
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([cancelling, tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'r1' });

    const waiter = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    expectRefresh(backend);
    cancelAll.next(); // e.g. "cancel pending requests on navigation", which ends the refresh call

    expect(waiter.errors).toEqual([expect.objectContaining({ code: 'refresh-cancelled' })]);
    expect((waiter.errors[0] as Error).message).toMatch(/^NGTR207: /);
    expect(TestBed.inject(TokenRefreshService).state()).toBe('idle');

    http.get('/api/b').subscribe();
    reject401(backend.expectOne('/api/b'));
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer access-2');
  });
});

describe('session edges: chains of interceptors and unusual requests', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('chooses the token again when an interceptor before it re-subscribes: no old token after a logout', async () => {
    const retrying: HttpInterceptorFn = (request, next) => next(request).pipe(retry(1));
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([retrying, tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'r1' });

    http.get('/api/a').subscribe();
    const first = backend.expectOne('/api/a');
    expect(bearerOf(first)).toBe('Bearer access-1');
    await TestBed.inject(TokenRefreshService).clearSession();
    first.flush('busy', { status: 503, statusText: 'Service Unavailable' });

    const again = backend.expectOne('/api/a');
    expect(again.request.headers.has('Authorization')).toBe(false);
    again.flush('ok');
  });

  it('chooses the token again when an interceptor before it re-subscribes during a refresh', () => {
    const retrying: HttpInterceptorFn = (request, next) => next(request).pipe(retry(1));
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([retrying, tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    const http = TestBed.inject(HttpClient);
    const backend = TestBed.inject(HttpTestingController);
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'r1' });

    http.get('/api/a').subscribe();
    http.get('/api/b').subscribe();
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    backend.expectOne('/api/b').flush('busy', { status: 503, statusText: 'Service Unavailable' });
    backend.expectNone('/api/b'); // the re-subscription waits for the refresh

    refresh.flush({ accessToken: 'access-2' });
    expect(backend.match('/api/a').map(bearerOf)).toEqual(['Bearer access-2']);
    expect(backend.match('/api/b').map(bearerOf)).toEqual(['Bearer access-2']);
  });

  it('lets JSONP requests to the app’s own origin pass untouched', () => {
    TestBed.configureTestingModule({
      providers: [
        // Without withJsonpSupport(), the JSONP request reaches the testing backend to be inspected.
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
    });
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'r1' });

    TestBed.inject(HttpClient)
      .request(new HttpRequest('JSONP', '/api/feed', null, { responseType: 'json' }))
      .subscribe();

    const jsonp = TestBed.inject(HttpTestingController).expectOne(
      (request) => request.url === '/api/feed',
    );
    expect(jsonp.request.method).toBe('JSONP');
    expect(jsonp.request.headers.has('Authorization')).toBe(false);
    jsonp.flush({});
  });

  it('retries with the same body, params, context, credentials, response type and progress events', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'r1' });
    const MARK = new HttpContextToken(() => 'none');
    const body = new Blob(['payload']);

    const events = record(
      http.post('/api/upload', body, {
        params: new HttpParams().set('kind', 'photo'),
        context: new HttpContext().set(MARK, 'marked'),
        withCredentials: true,
        responseType: 'text',
        reportUploadProgress: true,
        observe: 'events',
      }),
    );
    reject401(backend.expectOne((request) => request.url === '/api/upload'));
    expectRefresh(backend).flush({ accessToken: 'access-2' });

    const retried = backend.expectOne((request) => request.url === '/api/upload');
    expect(retried.request.body).toBe(body);
    expect(retried.request.params.get('kind')).toBe('photo');
    expect(retried.request.context.get(MARK)).toBe('marked');
    expect(retried.request.withCredentials).toBe(true);
    expect(retried.request.responseType).toBe('text');
    expect(retried.request.reportUploadProgress).toBe(true);
    retried.event({ type: HttpEventType.UploadProgress, loaded: 3, total: 7 });
    retried.flush('done');
    expect(events.values.map((event) => (event as { type: number }).type)).toEqual([
      HttpEventType.Sent,
      HttpEventType.Sent,
      HttpEventType.UploadProgress,
      HttpEventType.Response,
    ]);
  });
});

describe('session edges: stores written in plain JavaScript', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('treats undefined as null: no "Bearer undefined", and no refresh with an undefined refresh token', () => {
    const expired: string[] = [];
    const store = {
      getAccessToken: () => undefined,
      getRefreshToken: () => undefined,
      setTokens: () => undefined,
      clear: () => undefined,
    } as unknown as TokenStore;
    const { http, backend } = setUp({ onSessionExpired: () => expired.push('expired') }, [
      { provide: TokenStore, useValue: store },
    ]);

    const request = record(http.get('/api/a'));
    const sent = backend.expectOne('/api/a');
    expect(sent.request.headers.has('Authorization')).toBe(false);
    reject401(sent);

    backend.expectNone(REFRESH_URL);
    expect(request.errors[0]).toMatchObject({ code: 'session-expired' });
    expect(expired).toEqual(['expired']);
  });
});

describe('session edges: origins', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('never sends the token to a look-alike of an allowedOrigins RegExp with a top-level alternation', () => {
    const { http, backend, store } = setUp({
      allowedOrigins: [/^https:\/\/api\.example\.com|https:\/\/cdn\.example\.com$/],
    });
    void store.setTokens({ accessToken: 'access-1' });

    http.get('https://api.example.com.evil.io/x').subscribe();
    http.get('https://api.example.com/x').subscribe();
    http.get('https://cdn.example.com/x').subscribe();

    expect(
      backend.expectOne('https://api.example.com.evil.io/x').request.headers.has('Authorization'),
    ).toBe(false);
    expect(bearerOf(backend.expectOne('https://api.example.com/x'))).toBe('Bearer access-1');
    expect(bearerOf(backend.expectOne('https://cdn.example.com/x'))).toBe('Bearer access-1');
  });

  it.each([
    ['a path', '/api/x'],
    ['a document-relative URL', 'api/x'],
  ])('sends no token on %s when <base href> points to another origin', (_, url) => {
    const { http, backend, store } = setUp({}, [
      { provide: DOCUMENT, useValue: documentWithBase('https://cdn.example.com/app/') },
    ]);
    void store.setTokens({ accessToken: 'access-1' });

    http.get(url).subscribe();

    expect(backend.expectOne(url).request.headers.has('Authorization')).toBe(false);
  });

  it('judges paths by the app origin when the document cannot tell its base URL (server DOM)', () => {
    const serverDocument = {
      location: { origin: 'http://localhost' },
      cookie: '',
      get baseURI(): string {
        throw new Error('NotYetImplemented');
      },
    } as Document;
    const { http, backend, store } = setUp({}, [{ provide: DOCUMENT, useValue: serverDocument }]);
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/api/x').subscribe();

    expect(bearerOf(backend.expectOne('/api/x'))).toBe('Bearer access-1');
  });

  it('sends the token on paths when <base href> points to an allowed origin', () => {
    const { http, backend, store } = setUp({ allowedOrigins: ['https://cdn.example.com'] }, [
      { provide: DOCUMENT, useValue: documentWithBase('https://cdn.example.com/app/') },
    ]);
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/api/x').subscribe();

    expect(bearerOf(backend.expectOne('/api/x'))).toBe('Bearer access-1');
  });
});

/** A store whose writes finish only when told: a slow async storage. */
class SlowStore extends TokenStore {
  tokens: TokenSet | null = null;
  readonly calls: string[] = [];
  #finish: (() => void)[] = [];

  get pendingWrites(): number {
    return this.#finish.length;
  }

  getAccessToken(): string | null {
    return this.tokens?.accessToken ?? null;
  }

  getRefreshToken(): string | null {
    return this.tokens?.refreshToken ?? null;
  }

  setTokens(tokens: TokenSet): Promise<void> {
    this.calls.push('setTokens');
    return new Promise((resolve) =>
      this.#finish.push(() => {
        this.tokens = tokens;
        resolve();
      }),
    );
  }

  clear(): Promise<void> {
    this.calls.push('clear');
    this.tokens = null;
    return Promise.resolve();
  }

  finishWrites(): void {
    const finish = this.#finish;
    this.#finish = [];
    finish.forEach((done) => done());
  }
}

/** The parts of a document of the app's origin (`http://localhost`) whose base URL is `baseUri`. */
function documentWithBase(baseUri: string): Document {
  return { baseURI: baseUri, location: { origin: 'http://localhost' }, cookie: '' } as Document;
}

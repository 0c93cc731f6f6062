import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  EnvironmentInjector,
  ErrorHandler,
  PLATFORM_ID,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { bearerOf, expectRefresh, jwt, REFRESH_URL, settle, setUp } from './spec-helpers';
import { TokenRefreshEvent } from './token-refresh-events';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore, TokenSet, TokenStore } from './token-store';
import { withResumeRefresh } from './with-resume-refresh';

describe('withResumeRefresh', () => {
  let visibility: jest.SpyInstance<DocumentVisibilityState>;
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    visibility = jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
  });
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    visibility.mockRestore();
    jest.useRealTimers();
  });

  it('refreshes once when the page is shown after the token expired while hidden; the first call carries the new token', () => {
    const { http, backend, store } = setUpResume();
    const events = recordEvents();
    void store.setTokens({ accessToken: jwt(300), refreshToken: 'refresh-1' });
    hide();
    jest.setSystemTime(Date.now() + 3_600_000);

    // Waking up fires all three, in some order; one refresh answers them all.
    show();
    window.dispatchEvent(pageshow(true));
    window.dispatchEvent(new Event('online'));

    expect(TestBed.inject(TokenRefreshService).state()).toBe('refreshing');
    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(TestBed.inject(TokenRefreshService).state()).toBe('idle');
    expect(events).toEqual([
      { type: 'refresh-started', trigger: 'proactive' },
      { type: 'refresh-succeeded' },
    ]);

    http.get('/api/orders').subscribe();
    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer access-2');
    show();
    backend.expectNone(REFRESH_URL);
  });

  it('makes no call when the token is still valid, or unknown (opaque)', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(3600), refreshToken: 'refresh-1' });
    show();
    void store.setTokens({ accessToken: 'opaque', refreshToken: 'refresh-1' });
    show();
    backend.expectNone(() => true);
  });

  it.each<[string, () => void]>([
    ['it becomes visible', () => show()],
    ['it is restored from the back/forward cache', () => window.dispatchEvent(pageshow(true))],
    ['the browser is online again', () => window.dispatchEvent(new Event('online'))],
  ])('refreshes an expired token when %s, with no other event', (_, comeBack) => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    comeBack();

    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(store.getAccessToken()).toBe('access-2');
  });

  it('ignores a page that is hidden, and a pageshow that is a first load', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    hide();
    window.dispatchEvent(pageshow(true));
    window.dispatchEvent(new Event('online'));
    backend.expectNone(() => true);

    visibility.mockReturnValue('visible');
    window.dispatchEvent(pageshow(false));
    backend.expectNone(() => true);
  });

  it('refreshes a session that an asynchronous store holds', async () => {
    const store = new PromiseTokenStore();
    store.tokens = { accessToken: jwt(-60), refreshToken: 'refresh-1' };
    const { backend } = setUpResume([{ provide: TokenStore, useValue: store }]);

    show();
    await settle();

    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await settle();
    expect(store.tokens).toEqual({ accessToken: 'access-2', refreshToken: 'refresh-2' });
  });

  it('reports a rejected refresh through the state signal, before the user acts', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    show();
    expectRefresh(backend).flush(null, { status: 401, statusText: 'Unauthorized' });

    expect(TestBed.inject(TokenRefreshService).state()).toBe('expired');
    expect(store.getAccessToken()).toBeNull();
  });

  it('does nothing on a server', () => {
    const { backend, store } = setUpResume([{ provide: PLATFORM_ID, useValue: 'server' }]);
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    show();

    backend.expectNone(() => true);
  });

  it('reports a failed refresh only through the events and the state, not to the ErrorHandler', () => {
    const handleError = jest.fn();
    const { backend, store } = setUpResume([{ provide: ErrorHandler, useValue: { handleError } }]);
    const events = recordEvents();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    show();
    expectRefresh(backend).flush(null, { status: 503, statusText: 'Unavailable' });

    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed']);
    expect(handleError).not.toHaveBeenCalled();
  });

  it('reports a store that fails to answer to the ErrorHandler, once', () => {
    const handleError = jest.fn();
    const { backend, store } = setUpResume([{ provide: ErrorHandler, useValue: { handleError } }]);
    jest.spyOn(store, 'getAccessToken').mockImplementation(() => {
      throw new Error('storage denied');
    });

    show();

    expect(handleError).toHaveBeenCalledTimes(1);
    const [[error]] = handleError.mock.calls as [[TokenRefreshError]];
    expect(error).toBeInstanceOf(TokenRefreshError);
    expect(error.code).toBe('store-failed');
    expect(error.cause).toEqual(new Error('storage denied'));
    backend.expectNone(() => true);
  });
});

describe('withResumeRefresh, once its app is destroyed', () => {
  afterEach(() => jest.restoreAllMocks());

  it('stops listening: the page coming back neither reads the store nor refreshes', () => {
    const store = new MemoryTokenStore();
    store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });
    const app = createEnvironmentInjector(
      [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL, store }, withResumeRefresh()),
      ],
      TestBed.inject(EnvironmentInjector),
    );
    const backend = app.get(HttpTestingController);
    const reads = jest.spyOn(store, 'getAccessToken');

    app.destroy();
    show();
    window.dispatchEvent(pageshow(true));
    window.dispatchEvent(new Event('online'));

    expect(reads).not.toHaveBeenCalled();
    backend.expectNone(() => true);
  });
});

function setUpResume(providers: Parameters<typeof setUp>[1] = []) {
  const setup = setUp({}, [...withResumeRefresh().ɵproviders, ...providers]);
  // The feature starts with the environment, as an app's would.
  TestBed.inject(TokenRefreshService);
  return setup;
}

function show(): void {
  jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
  document.dispatchEvent(new Event('visibilitychange'));
}

function hide(): void {
  jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
  document.dispatchEvent(new Event('visibilitychange'));
}

function pageshow(persisted: boolean): Event {
  const event = new Event('pageshow');
  Object.defineProperty(event, 'persisted', { value: persisted });
  return event;
}

function recordEvents(): TokenRefreshEvent[] {
  const events: TokenRefreshEvent[] = [];
  TestBed.inject(TokenRefreshService).events.subscribe((event) => events.push(event));
  return events;
}

/** A store that answers through promises, as one over IndexedDB would. */
class PromiseTokenStore extends TokenStore {
  tokens: TokenSet | null = null;

  getAccessToken(): Promise<string | null> {
    return Promise.resolve(this.tokens?.accessToken ?? null);
  }

  getRefreshToken(): Promise<string | null> {
    return Promise.resolve(this.tokens?.refreshToken ?? null);
  }

  setTokens(tokens: TokenSet): Promise<void> {
    this.tokens = tokens;
    return Promise.resolve();
  }

  clear(): Promise<void> {
    this.tokens = null;
    return Promise.resolve();
  }
}

import { provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { createEnvironmentInjector, EnvironmentInjector } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { TokenRefreshError } from './errors';
import { cookieRefresh } from './refresh-request';
import { provideTokenRefresh } from './provide-token-refresh';
import { expectRefresh, record, REFRESH_URL, reject401, setUp } from './spec-helpers';
import { TokenRefreshEvent } from './token-refresh-events';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenRefreshService } from './token-refresh-service';
import { TokenStore } from './token-store';

describe('TokenRefreshService', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  function setUpService(config = {}) {
    const setup = setUp(config);
    const service = TestBed.inject(TokenRefreshService);
    const events: TokenRefreshEvent[] = [];
    service.events.subscribe((event) => events.push(event));
    return { ...setup, service, events };
  }

  it('reports refreshing while a refresh is in flight, then idle, with started and succeeded events', () => {
    const { http, backend, store, service, events } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    expect(service.state()).toBe('idle');

    http.get('/api/a').subscribe();
    reject401(backend.expectOne('/api/a'));
    expect(service.state()).toBe('refreshing');
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/a').flush({});

    expect(service.state()).toBe('idle');
    expect(events).toEqual([
      { type: 'refresh-started', trigger: 'reactive' },
      { type: 'refresh-succeeded' },
    ]);
  });

  it('reports expired, and one session-expired event, when the refresh is rejected', () => {
    const { http, backend, store, service, events } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));

    expect(service.state()).toBe('expired');
    expect(events.map((event) => event.type)).toEqual([
      'refresh-started',
      'refresh-failed',
      'session-expired',
    ]);
    const failed = events[1] as Extract<TokenRefreshEvent, { type: 'refresh-failed' }>;
    expect(failed.error).toBeInstanceOf(TokenRefreshError);
  });

  it('returns from expired to idle once the app stores a new session', () => {
    const { http, backend, store, service } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));
    expect(service.state()).toBe('expired');

    void store.setTokens({ accessToken: 'after-login', refreshToken: 'refresh-9' });
    http.get('/api/b').subscribe();
    backend.expectOne('/api/b').flush({});

    expect(service.state()).toBe('idle');
  });

  it('reports idle, not expired, after a transient failure', () => {
    const { http, backend, store, service, events } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    expectRefresh(backend).flush(null, { status: 502, statusText: 'Bad Gateway' });

    expect(service.state()).toBe('idle');
    expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed']);
  });

  it('refresh() joins the refresh in flight instead of starting a second one', async () => {
    const { http, backend, store, service, events } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    reject401(backend.expectOne('/api/a'));
    const manual = service.refresh();
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/a').flush({});

    await expect(manual).resolves.toBeUndefined();
    expect(events.filter((event) => event.type === 'refresh-started')).toHaveLength(1);
  });

  it('refresh() on demand: makes requests issued meanwhile wait, and rejects when the refresh fails', async () => {
    const { http, backend, store, service, events } = setUpService();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const manual = service.refresh();
    const during = record(http.get('/api/a'));
    backend.expectNone('/api/a');
    expectRefresh(backend).flush(null, { status: 500, statusText: 'Oops' });

    await expect(manual).rejects.toMatchObject({ code: 'refresh-failed' });
    expect(during.errors[0]).toMatchObject({ code: 'refresh-failed' });
    expect(events[0]).toEqual({ type: 'refresh-started', trigger: 'manual' });
  });

  it('clearSession() empties the store, cancels the refresh in flight and fails its waiters at once', async () => {
    const { http, backend, store, service } = setUpService({
      buildRefreshRequest: cookieRefresh(),
    });
    // Cookie refresh: the store holds no refresh token, so only clearSession() can tell a logout.
    void store.setTokens({ accessToken: 'access-1' });

    const waiting = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    const cleared = service.clearSession();

    expect(waiting.errors[0]).toMatchObject({ code: 'session-cleared' });
    expect(refresh.cancelled).toBe(true);
    await cleared;
    expect(store.getAccessToken()).toBeNull();
    expect(service.state()).toBe('idle');
  });
});

describe('TokenRefreshService, once its app is destroyed', () => {
  it('rejects refresh() with refresh-cancelled when the app is destroyed mid-refresh', async () => {
    const app = createEnvironmentInjector(
      [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
      ],
      TestBed.inject(EnvironmentInjector),
    );
    void app.get(TokenStore).setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const manual = app.get(TokenRefreshService).refresh();
    const refresh = expectRefresh(app.get(HttpTestingController));

    app.destroy();

    expect(refresh.cancelled).toBe(true);
    await expect(manual).rejects.toMatchObject({
      code: 'refresh-cancelled',
      message: 'NGTR207: The app was destroyed before the refresh ended.',
    });
  });
});

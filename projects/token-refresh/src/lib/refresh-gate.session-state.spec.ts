import { HttpTestingController } from '@angular/common/http/testing';
import { Injectable } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { cookieRefresh } from './refresh-request';
import {
  bearerOf,
  expectRefresh,
  FakeBrowser,
  record,
  reject401,
  REFRESH_URL,
  settle,
  setUp,
} from './spec-helpers';
import { TokenRefreshService } from './token-refresh-service';
import { TokenSet, TokenStore } from './token-store';

describe('refresh gate: the state of a session that ends and comes back', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('calls onSessionExpired again when the session of a later login expires too', () => {
    const onSessionExpired = jest.fn();
    const { http, backend, store } = setUp({ onSessionExpired });
    const service = TestBed.inject(TokenRefreshService);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));
    expect(service.state()).toBe('expired');

    void store.setTokens({ accessToken: 'access-2', refreshToken: 'refresh-2' }); // a new login
    http.get('/api/b').subscribe({ error: () => undefined });
    expect(service.state()).toBe('idle');
    reject401(backend.expectOne('/api/b'));
    reject401(expectRefresh(backend));

    expect(onSessionExpired).toHaveBeenCalledTimes(2);
    expect(service.state()).toBe('expired');
  });

  it('calls onSessionExpired again when a cookie session revived by a refresh expires again', () => {
    const onSessionExpired = jest.fn();
    const { http, backend } = setUp({ onSessionExpired, buildRefreshRequest: cookieRefresh() });
    const service = TestBed.inject(TokenRefreshService);
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));
    expect(onSessionExpired).toHaveBeenCalledTimes(1);

    // The user signed in again in another window: the cookie refresh works again.
    const revived = record(http.get('/api/b'));
    reject401(backend.expectOne('/api/b'));
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/b').flush('b');
    expect(revived.values).toEqual(['b']);
    expect(service.state()).toBe('idle');

    service.refresh().catch(() => undefined);
    reject401(expectRefresh(backend));

    expect(onSessionExpired).toHaveBeenCalledTimes(2);
    expect(service.state()).toBe('expired');
  });

  it('keeps the state refreshing when a login is stored while the old session’s refresh is out', () => {
    const { http, backend } = setUp({ buildRefreshRequest: cookieRefresh() });
    const service = TestBed.inject(TokenRefreshService);
    const store = TestBed.inject(TokenStore);
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    reject401(expectRefresh(backend));
    expect(service.state()).toBe('expired');

    http.get('/api/b').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/b'));
    const refresh = expectRefresh(backend);
    void store.setTokens({ accessToken: 'access-2' });
    http.get('/api/c').subscribe();
    expect(bearerOf(backend.expectOne('/api/c'))).toBe('Bearer access-2');

    expect(service.state()).toBe('refreshing');
    refresh.flush({ accessToken: 'access-3' });
    expect(service.state()).toBe('idle');
    backend.match('/api/b').forEach((request) => request.flush({}));
  });

  it('comes back to idle after a login that follows a session ended without a refresh call', () => {
    const { http, backend, store } = setUp();
    const service = TestBed.inject(TokenRefreshService);
    void store.setTokens({ accessToken: 'access-1' }); // no refresh token: nothing to refresh with
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    expect(service.state()).toBe('expired');

    void store.setTokens({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    const after = record(http.get('/api/b'));

    expect(service.state()).toBe('idle');
    reject401(backend.expectOne('/api/b'));
    expectRefresh(backend).flush({ accessToken: 'access-3' });
    expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer access-3');
    expect(after.errors).toEqual([]);
  });

  it('retries at once with a login stored while the request was out, without a refresh', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const result = record(http.get('/api/a'));
    const sent = backend.expectOne('/api/a');
    void store.setTokens({ accessToken: 'access-2', refreshToken: 'refresh-2' });

    reject401(sent);

    backend.expectNone(REFRESH_URL);
    const retry = backend.expectOne('/api/a');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush('a');
    expect(result.values).toEqual(['a']);
  });

  it('passes the old session’s 401 through while a cookie refresh of the next session is in flight', async () => {
    const { http, backend, store } = setUp({ buildRefreshRequest: cookieRefresh() });
    void store.setTokens({ accessToken: 'access-1' });
    const oldRequest = record(http.get('/api/old'));
    await TestBed.inject(TokenRefreshService).clearSession();
    const newRequest = record(http.get('/api/new')); // sent without a token: the cookie decides
    reject401(backend.expectOne('/api/new'));
    const refresh = expectRefresh(backend);

    reject401(backend.expectOne('/api/old'));
    refresh.flush({ accessToken: 'access-2' });

    expect(oldRequest.errors).toEqual([expect.objectContaining({ status: 401 })]);
    const retry = backend.expectOne('/api/new');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush('new');
    expect(newRequest.values).toEqual(['new']);
  });

  it('calls the refresh endpoint when the store lost its access token but kept the refresh token', async () => {
    const { http, backend } = setUp({}, [{ provide: TokenStore, useClass: ForgetfulTokenStore }]);
    const store = TestBed.inject(TokenStore) as ForgetfulTokenStore;
    await store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const result = record(http.get('/api/a'));
    await settle();
    reject401(backend.expectOne('/api/a'));
    store.forgetAccessTokenAtNextRead(); // e.g. evicted by the platform while the 401 is handled
    await settle();

    const refresh = expectRefresh(backend);
    expect(refresh.request.body).toEqual({ refreshToken: 'refresh-1' });
    refresh.flush({ accessToken: 'access-2' });
    await settle();
    const retry = backend.expectOne('/api/a');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush('a');
    expect(result.values).toEqual(['a']);
  });
});

describe('refresh gate: the state when another tab refreshes or ends the session', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('leaves expired as soon as another tab refreshes the session of a new login', async () => {
    const browser = new FakeBrowser();
    const expiredIn: string[] = [];
    const [tabA, tabB] = browser.openSignedInTabs({}, (tab) => ({
      onSessionExpired: () => expiredIn.push(tab),
    }));
    tabA.http.get('/api/a').subscribe({ error: () => undefined });
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    reject401(tabA.backend.expectOne(REFRESH_URL));
    await browser.run();
    expect(expiredIn).toEqual(['A', 'B']);

    // The user signs in again; both tabs see the new session (a shared store).
    [tabA, tabB].forEach((tab) =>
      tab.store.setTokens({ accessToken: 'access-2', refreshToken: 'refresh-2' }),
    );
    tabA.http.get('/api/c').subscribe({ error: () => undefined });
    reject401(tabA.backend.expectOne('/api/c'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-3', refreshToken: 'refresh-3' });
    await browser.run();

    const serviceB = tabB.injector.get(TokenRefreshService);
    expect(serviceB.state()).toBe('idle');
    tabA.backend.expectOne('/api/c').flush({});

    // And when that session ends too, tab B tells its app again.
    tabA.http.get('/api/d').subscribe({ error: () => undefined });
    reject401(tabA.backend.expectOne('/api/d'));
    await browser.run();
    reject401(tabA.backend.expectOne(REFRESH_URL));
    await browser.run();
    expect(expiredIn).toEqual(['A', 'B', 'A', 'B']);
    expect(serviceB.state()).toBe('expired');
    browser.verify();
  });

  it('tells the app again when a cookie session it revived by a refresh is ended by another tab', async () => {
    const browser = new FakeBrowser();
    const expiredIn: string[] = [];
    const [tabA, tabB] = (['A', 'B'] as const).map((name) => {
      const tab = browser.openTab({
        buildRefreshRequest: cookieRefresh(),
        onSessionExpired: () => expiredIn.push(name),
      });
      tab.store.setTokens({ accessToken: 'access-1' });
      return tab;
    });
    tabA.http.get('/api/a').subscribe({ error: () => undefined });
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    reject401(tabA.backend.expectOne(REFRESH_URL));
    await browser.run();
    expect(expiredIn).toEqual(['A', 'B']);

    // The user signs in again elsewhere: tab A's next cookie refresh works, and tab B is given the
    // new access token too.
    tabA.http.get('/api/a2').subscribe();
    reject401(tabA.backend.expectOne('/api/a2'));
    await browser.run();
    tabA.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a2').flush({});
    tabB.store.setTokens({ accessToken: 'access-2' });

    // Then tab B's refresh is rejected: the revived session ends in both tabs.
    tabB.http.get('/api/b').subscribe({ error: () => undefined });
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    reject401(tabB.backend.expectOne(REFRESH_URL));
    await browser.run();

    expect(expiredIn).toEqual(['A', 'B', 'B', 'A']);
    expect(tabA.injector.get(TokenRefreshService).state()).toBe('expired');
    browser.verify();
  });

  it('fails its waiters at once, without waiting for the lock, when another tab’s refresh ends the session', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    browser.holdLockGrants = true;
    tabA.http.get('/api/a').subscribe({ error: () => undefined });
    const resultB = record(tabB.http.get('/api/b'));
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    browser.grantNextLock(); // A refreshes; B waits for the lock
    await browser.grantLocks();

    reject401(tabA.backend.expectOne(REFRESH_URL));
    await browser.run();

    expect(resultB.errors).toEqual([expect.objectContaining({ code: 'session-expired' })]);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('expired');
    browser.grantNextLock();
    await browser.run();
    tabB.backend.expectNone(REFRESH_URL);
    browser.verify();
  });
});

/** Answers with promises, and can lose its access token (not its refresh token) at its next read. */
@Injectable()
class ForgetfulTokenStore extends TokenStore {
  private accessToken: string | null = null;
  private refreshToken: string | null = null;
  private forgetsAtNextRead = false;

  forgetAccessTokenAtNextRead(): void {
    this.forgetsAtNextRead = true;
  }

  override getAccessToken() {
    if (this.forgetsAtNextRead) {
      this.forgetsAtNextRead = false;
      this.accessToken = null;
    }
    return Promise.resolve(this.accessToken);
  }
  override getRefreshToken() {
    return Promise.resolve(this.refreshToken);
  }
  override setTokens(tokens: TokenSet) {
    this.accessToken = tokens.accessToken;
    this.refreshToken = tokens.refreshToken ?? this.refreshToken;
    return Promise.resolve();
  }
  override clear() {
    this.accessToken = null;
    this.refreshToken = null;
    return Promise.resolve();
  }
}

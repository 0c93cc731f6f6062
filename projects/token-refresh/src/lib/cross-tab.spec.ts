import { TestRequest } from '@angular/common/http/testing';
import { ErrorHandler } from '@angular/core';

import { oauth2RefreshGrant } from './refresh-request';
import { bearerOf, FakeBrowser, jwt, record, reject401, REFRESH_URL } from './spec-helpers';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore } from './token-store';

describe('cross-tab refresh', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('makes one refresh for two tabs that fail at once; the waiting tab reuses the new tokens', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();

    const resultA = record(tabA.http.get('/api/a'));
    const resultB = record(tabB.http.get('/api/b'));
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();

    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();

    tabB.backend.expectNone(REFRESH_URL);
    const retryA = tabA.backend.expectOne('/api/a');
    const retryB = tabB.backend.expectOne('/api/b');
    expect([bearerOf(retryA), bearerOf(retryB)]).toEqual(['Bearer access-2', 'Bearer access-2']);
    retryA.flush('a');
    retryB.flush('b');
    expect([resultA.values, resultB.values]).toEqual([['a'], ['b']]);
    expect(tabB.store.getRefreshToken()).toBe('refresh-2');
    browser.verify();
  });

  it('takes the other tab’s tokens when its 401 arrives after that refresh ended but before its message', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    const resultB = record(tabB.http.get('/api/b')); // goes out with access-1

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.grantLocks();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.grantLocks(); // A is done and has broadcast, but B has not received the message yet
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.grantLocks();
    tabB.backend.expectNone(REFRESH_URL);
    await browser.run(); // now the message arrives

    tabB.backend.expectNone(REFRESH_URL);
    const retryB = tabB.backend.expectOne('/api/b');
    expect(bearerOf(retryB)).toBe('Bearer access-2');
    retryB.flush('b');
    expect(resultB.values).toEqual(['b']);
    expect(tabB.store.getRefreshToken()).toBe('refresh-2');
    tabA.backend.expectOne('/api/a').flush({});
    browser.verify();
  });

  it('takes the other tab’s tokens when their message arrives before this tab gets the lock', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    browser.holdLockGrants = true;

    tabA.http.get('/api/a').subscribe();
    tabB.http.get('/api/b').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    browser.grantNextLock(); // A
    await browser.grantLocks();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run(); // A's message reaches B while B still waits for the lock
    browser.grantNextLock(); // B
    await browser.run();

    tabB.backend.expectNone(REFRESH_URL);
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBe('Bearer access-2');
    tabA.backend.expectOne('/api/a').flush({});
    browser.verify();
  });

  it('refreshes itself when the other tab’s message never comes', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    browser.dropMessages = true;

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    tabA.backend.expectOne('/api/a').flush({});
    const resultB = record(tabB.http.get('/api/b'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    tabB.backend.expectNone(REFRESH_URL);

    await jest.advanceTimersByTimeAsync(2000);
    tabB.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-b', refreshToken: 'refresh-b' });
    await browser.run();
    tabB.backend.expectOne('/api/b').flush('b');
    expect(resultB.values).toEqual(['b']);
    browser.verify();
  });

  it('keeps an idle tab’s store current, so its next refresh presents the rotated refresh token', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});

    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([
      'access-2',
      'refresh-2',
    ]);

    tabB.http.get('/api/b').subscribe();
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    const refreshB = tabB.backend.expectOne(REFRESH_URL);
    expect(refreshB.request.body).toEqual({ refreshToken: 'refresh-2' });
    refreshB.flush({ accessToken: 'access-3', refreshToken: 'refresh-3' });
    await browser.run();
    tabB.backend.expectOne('/api/b').flush({});
    browser.verify();
  });

  it('uses a short-lived token adopted from another tab without refreshing it again at once', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    const shortLived = jwt(3); // lives 3 s, less than the 30 s expiryLeeway

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: shortLived, refreshToken: 'refresh-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});
    tabB.http.get('/api/b').subscribe();
    await browser.run();

    tabB.backend.expectNone(REFRESH_URL);
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBe(`Bearer ${shortLived}`);
    browser.verify();
  });

  it('ends the session in every tab when the refresh is rejected in one', async () => {
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
    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([null, null]);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('expired');
    browser.verify();
  });

  it('logs every tab out when one clears the session', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();

    await tabA.injector.get(TokenRefreshService).clearSession();
    await browser.run();

    expect(tabB.store.getAccessToken()).toBeNull();
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('expired');
  });

  it('degrades to one refresh per tab where Web Locks are missing', async () => {
    const browser = new FakeBrowser({ hasLocks: false });
    const [tabA, tabB] = browser.openSignedInTabs();

    tabA.http.get('/api/a').subscribe();
    tabB.http.get('/api/b').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();

    tabA.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-a' });
    tabB.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-b' });
    tabA.backend.expectOne('/api/a').flush({});
    tabB.backend.expectOne('/api/b').flush({});
    browser.verify();
  });

  it('does not coordinate without withCrossTab()', async () => {
    const browser = new FakeBrowser();
    browser.withFeature = false;
    const [tabA, tabB] = browser.openSignedInTabs();

    tabA.http.get('/api/a').subscribe();
    tabB.http.get('/api/b').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();

    expect(browser.lockRequests).toBe(0);
    tabA.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-a' });
    tabB.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-b' });
    await browser.run();
    expect(tabB.store.getAccessToken()).toBe('access-b');
    tabA.backend.expectOne('/api/a').flush({});
    tabB.backend.expectOne('/api/b').flush({});
    browser.verify();
  });

  it('gives the lock up when the refresh times out while another tab holds it', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs({ refreshTimeout: 1000 });

    const resultA = record(tabA.http.get('/api/a'));
    const resultB = record(tabB.http.get('/api/b'));
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    const refreshA: TestRequest = tabA.backend.expectOne(REFRESH_URL); // never answered
    await jest.advanceTimersByTimeAsync(1000);

    expect(refreshA.cancelled).toBe(true);
    expect([resultA.errors[0], resultB.errors[0]]).toEqual([
      expect.objectContaining({ code: 'refresh-timeout' }),
      expect.objectContaining({ code: 'refresh-timeout' }),
    ]);
    expect(browser.heldLocks()).toBe(0);
  });
});

describe('cross-tab refresh: tabs with different sessions never mix', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it.each([
    ['the JSON-body refresh style', {}],
    [
      'the OAuth 2.0 refresh grant',
      { buildRefreshRequest: oauth2RefreshGrant({ clientId: 'spa' }) },
    ],
  ])('keeps each tab’s own session through the other tab’s refresh (%s)', async (_, config) => {
    const browser = new FakeBrowser();
    const demo = browser.openTab(config);
    const alice = browser.openTab(config);
    demo.store.setTokens({ accessToken: 'demo-access-1', refreshToken: 'demo-refresh-1' });
    alice.store.setTokens({ accessToken: 'alice-access-1', refreshToken: 'alice-refresh-1' });

    demo.http.get('/api/a').subscribe();
    reject401(demo.backend.expectOne('/api/a'));
    await browser.run();
    demo.backend.expectOne(REFRESH_URL).flush({
      access_token: 'demo-access-2',
      refresh_token: 'demo-refresh-2',
    });
    await browser.run();
    demo.backend.expectOne('/api/a').flush({});

    expect([alice.store.getAccessToken(), alice.store.getRefreshToken()]).toEqual([
      'alice-access-1',
      'alice-refresh-1',
    ]);
    alice.http.get('/api/b').subscribe();
    expect(bearerOf(alice.backend.expectOne('/api/b'))).toBe('Bearer alice-access-1');
    browser.verify();
  });

  it('makes each tab refresh its own session when both fail at once', async () => {
    const browser = new FakeBrowser();
    const demo = browser.openTab();
    const alice = browser.openTab();
    demo.store.setTokens({ accessToken: 'demo-access-1', refreshToken: 'demo-refresh-1' });
    alice.store.setTokens({ accessToken: 'alice-access-1', refreshToken: 'alice-refresh-1' });

    demo.http.get('/api/a').subscribe();
    alice.http.get('/api/b').subscribe();
    reject401(demo.backend.expectOne('/api/a'));
    reject401(alice.backend.expectOne('/api/b'));
    await browser.run();
    demo.backend.expectOne(REFRESH_URL).flush({ accessToken: 'demo-access-2' });
    await browser.run();
    const aliceRefresh = alice.backend.expectOne(REFRESH_URL);
    expect(aliceRefresh.request.body).toEqual({ refreshToken: 'alice-refresh-1' });
    aliceRefresh.flush({ accessToken: 'alice-access-2' });
    await browser.run();

    expect(bearerOf(demo.backend.expectOne('/api/a'))).toBe('Bearer demo-access-2');
    expect(bearerOf(alice.backend.expectOne('/api/b'))).toBe('Bearer alice-access-2');
    browser.verify();
  });

  it('signs out only the tabs that hold the session that ended', async () => {
    const browser = new FakeBrowser();
    const [demoA, demoB] = browser.openSignedInTabs();
    const alice = browser.openTab();
    alice.store.setTokens({ accessToken: 'alice-access-1', refreshToken: 'alice-refresh-1' });

    await demoA.injector.get(TokenRefreshService).clearSession();
    await browser.run();

    expect(demoB.store.getAccessToken()).toBeNull();
    expect(demoB.injector.get(TokenRefreshService).state()).toBe('expired');
    expect(alice.store.getAccessToken()).toBe('alice-access-1');
    expect(alice.injector.get(TokenRefreshService).state()).toBe('idle');
  });

  it('ignores malformed and foreign messages: nothing is written and no session ends', async () => {
    const browser = new FakeBrowser();
    const [, tabB] = browser.openSignedInTabs();
    const stray = browser.openStrayChannel();
    const handled: unknown[] = [];
    tabB.injector.get(ErrorHandler).handleError = (error: unknown) => handled.push(error);

    for (const message of [
      { type: 'refreshed', refreshId: 'x', tokens: {} },
      { v: 1, type: 'refreshed', id: 'x', session: 'r:any', tokens: {} },
      { v: 1, type: 'refreshed', id: 'x', session: 'r:any', tokens: { accessToken: 42 } },
      { v: 1, type: 'ended', session: 'r:someone-else' },
      { v: 1, type: 'ended', session: 'cookie' },
      { type: 'session-ended' },
      { v: 2, type: 'ended', session: 'r:any' },
      null,
      'ended',
      42,
    ]) {
      stray.postMessage(message);
    }
    await browser.run();

    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([
      'access-1',
      'refresh-1',
    ]);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('idle');
    expect(handled).toEqual([]);
    tabB.http.get('/api/b').subscribe();
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBe('Bearer access-1');
  });

  it('stays signed out when another tab’s refresh broadcast arrives after a logout here', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.grantLocks();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await tabB.injector.get(TokenRefreshService).clearSession(); // before A's message reaches B
    await browser.run();

    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([null, null]);
    tabA.backend.expectOne('/api/a').flush({});
    browser.verify();
  });

  it('never waits for a refresh recorded before the tab started (a new tab or a reload)', async () => {
    const browser = new FakeBrowser();
    const [tabA] = browser.openSignedInTabs();
    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});

    // A duplicated tab opened now copies the spent session (sessionStorage), as a reload may.
    await jest.advanceTimersByTimeAsync(100);
    const late = browser.openTab();
    late.store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    late.http.get('/api/c').subscribe();
    reject401(late.backend.expectOne('/api/c'));
    await browser.run();

    const refresh = late.backend.expectOne(REFRESH_URL); // at once, not after a 2 s grace period
    refresh.flush({ accessToken: 'access-3', refreshToken: 'refresh-3' });
    await browser.run();
    expect(bearerOf(late.backend.expectOne('/api/c'))).toBe('Bearer access-3');
    browser.verify();
  });

  it('uses the newer token it finds in a shared store after taking the lock, without waiting', async () => {
    const browser = new FakeBrowser();
    browser.dropMessages = true;
    const shared = new MemoryTokenStore();
    shared.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const tabA = browser.openTab({ store: shared });
    const tabB = browser.openTab({ store: shared });
    browser.holdLockGrants = true;

    tabA.http.get('/api/a').subscribe();
    tabB.http.get('/api/b').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    browser.grantNextLock(); // A
    await browser.grantLocks();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.grantLocks();
    browser.grantNextLock(); // B: no message will come, the store already holds access-2
    await browser.grantLocks();

    tabB.backend.expectNone(REFRESH_URL);
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBe('Bearer access-2');
    tabA.backend.expectOne('/api/a').flush({});
    browser.verify();
  });
});

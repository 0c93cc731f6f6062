import { TestRequest } from '@angular/common/http/testing';
import { ErrorHandler } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { crossTabEnvironment, fingerprintOf } from './cross-tab';
import { cookieRefresh, oauth2RefreshGrant } from './refresh-request';
import { bearerOf, FakeBrowser, jwt, record, reject401, REFRESH_URL } from './spec-helpers';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore, TokenStore } from './token-store';

const SIGNED_IN = { accessToken: 'access-1', refreshToken: 'refresh-1' };
/** The fingerprint of the session access-1 / refresh-1. */
const SESSION_1 = fingerprintOf(snapshotOf('access-1', 'refresh-1'));

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

  it('withdraws its request for the lock when its refresh times out while another tab holds it', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs({}, (tab) => ({
      refreshTimeout: tab === 'A' ? 5000 : 1000,
    }));

    tabA.http.get('/api/a').subscribe();
    const resultB = record(tabB.http.get('/api/b'));
    reject401(tabA.backend.expectOne('/api/a'));
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    const refreshA = tabA.backend.expectOne(REFRESH_URL);
    await jest.advanceTimersByTimeAsync(1000);

    expect(resultB.errors).toEqual([expect.objectContaining({ code: 'refresh-timeout' })]);
    expect({ held: browser.heldLocks(), pending: browser.pendingLocks() }).toEqual({
      held: 1,
      pending: 0,
    });
    refreshA.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    tabB.backend.expectNone(REFRESH_URL);
    tabA.backend.expectOne('/api/a').flush({});
    browser.verify();
  });

  it.each([
    ['withdrawn in time', false],
    ['granted all the same (the abort came too late)', true],
  ])(
    'reads nothing more from its store for a refresh that timed out waiting for the lock, %s',
    async (_, abortsTooLate) => {
      const browser = new FakeBrowser();
      const [tab] = browser.openSignedInTabs({ refreshTimeout: 1000 });
      browser.holdLockGrants = true;
      browser.abortsTooLate = abortsTooLate;
      const result = record(tab.http.get('/api/a'));
      reject401(tab.backend.expectOne('/api/a'));
      await browser.run();
      // A store's read may cost (a native keychain, a biometric prompt): none for nobody.
      const reads: string[] = [];
      const getAccessToken = tab.store.getAccessToken.bind(tab.store);
      tab.store.getAccessToken = () => {
        reads.push('getAccessToken');
        return getAccessToken();
      };

      await jest.advanceTimersByTimeAsync(1000);
      browser.grantNextLock();
      await browser.run();

      expect(result.errors).toEqual([expect.objectContaining({ code: 'refresh-timeout' })]);
      expect(reads).toEqual([]);
      expect({ held: browser.heldLocks(), pending: browser.pendingLocks() }).toEqual({
        held: 0,
        pending: 0,
      });
      browser.verify();
    },
  );

  it('refreshes under the Web Lock named after the refreshUrl, and records a digest, never a token', async () => {
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

    expect(browser.lockNames).toEqual(['ngx-token-refresh:/api/auth/refresh']);
    expect([...browser.storage.keys()]).toEqual([
      'ngx-token-refresh:/api/auth/refresh:last-refresh',
    ]);
    const recorded = [...browser.storage.values()][0];
    expect(JSON.parse(recorded)).toEqual({
      id: expect.any(String) as unknown,
      session: SESSION_1,
      at: Date.now(),
    });
    expect(recorded).not.toMatch(/access-|refresh-\d/);
    browser.verify();
  });

  it.each([
    ['a refresh token', 'refresh-1', 'r:ubhwim.pajc1a'],
    ['a cookie', undefined, 'cookie'],
  ])(
    'names a session held by %s the same way in every release, so the tabs of two releases coordinate',
    async (_, refreshToken, session) => {
      const browser = new FakeBrowser();
      const tab = browser.openTab(refreshToken ? {} : { buildRefreshRequest: cookieRefresh() });
      tab.store.setTokens({ accessToken: 'access-1', refreshToken });
      const heard: unknown[] = [];
      browser.openStrayChannel().addEventListener('message', (event) => heard.push(event.data));

      const refreshed = tab.injector.get(TokenRefreshService).refresh();
      await browser.run();
      tab.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
      await refreshed;
      await tab.injector.get(TokenRefreshService).clearSession();
      await browser.run();

      // Version 1 of the messages: a release that changes the digest must send version 2.
      expect(heard).toEqual([
        {
          v: 1,
          type: 'refreshed',
          id: expect.any(String) as unknown,
          session,
          tokens: expect.objectContaining({ accessToken: 'access-2' }) as unknown,
        },
        { v: 1, type: 'ended', session },
      ]);
      browser.verify();
    },
  );

  it('stops hearing the other tabs once its app is destroyed (its channel is closed)', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    tabB.injector.destroy();

    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});

    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([
      'access-1',
      'refresh-1',
    ]);
    browser.verify();
  });

  it.each([
    [10_000, 'waits for its message first', [0, 1]],
    [10_001, 'refreshes at once', [1, 0]],
  ])(
    'after a refresh recorded %i ms ago that spent its session, whose message was lost, %s',
    async (age, _, refreshesAtOnceAndAfter2s) => {
      const browser = new FakeBrowser();
      const [tabA, tabB] = browser.openSignedInTabs();
      browser.dropMessages = true;
      tabA.http.get('/api/a').subscribe();
      reject401(tabA.backend.expectOne('/api/a'));
      await browser.run();
      tabA.backend
        .expectOne(REFRESH_URL)
        .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
      await browser.run();
      tabA.backend.expectOne('/api/a').flush({});

      await jest.advanceTimersByTimeAsync(age);
      tabB.http.get('/api/b').subscribe();
      reject401(tabB.backend.expectOne('/api/b'));
      await browser.run();
      const atOnce = tabB.backend.match(REFRESH_URL);
      await jest.advanceTimersByTimeAsync(2000);
      const after2s = tabB.backend.match(REFRESH_URL);

      expect([atOnce.length, after2s.length]).toEqual(refreshesAtOnceAndAfter2s);
      [...atOnce, ...after2s].forEach((request) => request.flush({ accessToken: 'access-b' }));
      await browser.run();
      tabB.backend.expectOne('/api/b').flush({});
      browser.verify();
    },
  );

  it('keeps waiting for its own session’s message when a message about another session arrives', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    const stray = browser.openStrayChannel();
    browser.dropMessages = true; // A's message is lost
    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});
    browser.dropMessages = false;

    tabB.http.get('/api/b').subscribe();
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    stray.postMessage({
      v: 1,
      type: 'refreshed',
      id: 'another-refresh',
      session: fingerprintOf(snapshotOf('alice-access-1', 'alice-refresh-1')),
      tokens: { accessToken: 'alice-access-2', refreshToken: 'alice-refresh-2' },
    });
    await browser.run();
    tabB.backend.expectNone(REFRESH_URL);

    await jest.advanceTimersByTimeAsync(2000);
    tabB.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-b' });
    await browser.run();
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBe('Bearer access-b');
    browser.verify();
  });

  it.each([
    ['store the tokens another tab refreshed', 'setTokens'],
    ['clear the session another tab ended', 'clear'],
  ] as const)('reports a store that fails to %s to the ErrorHandler', async (_, method) => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    const storeError = new Error('disk full');
    tabB.store[method] = () => {
      throw storeError;
    };
    const handled: unknown[] = [];
    tabB.injector.get(ErrorHandler).handleError = (error: unknown) => handled.push(error);

    if (method === 'setTokens') {
      const refreshed = tabA.injector.get(TokenRefreshService).refresh();
      await browser.run();
      tabA.backend
        .expectOne(REFRESH_URL)
        .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
      await refreshed;
    } else {
      await tabA.injector.get(TokenRefreshService).clearSession();
    }
    await browser.run();

    expect(handled).toEqual([expect.objectContaining({ code: 'store-failed', cause: storeError })]);
    browser.verify();
  });

  it('ends the session for the app at once when its store fails to clear the session another tab ended', async () => {
    const browser = new FakeBrowser();
    const expiredIn: string[] = [];
    const [tabA, tabB] = browser.openSignedInTabs({}, (tab) => ({
      onSessionExpired: () => expiredIn.push(tab),
    }));
    tabB.store.clear = () => {
      throw new Error('disk full');
    };
    tabB.injector.get(ErrorHandler).handleError = () => undefined;

    await tabA.injector.get(TokenRefreshService).clearSession();
    await browser.run();

    expect(expiredIn).toEqual(['B']);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('expired');
    tabB.http.get('/api/b').subscribe();
    expect(bearerOf(tabB.backend.expectOne('/api/b'))).toBeNull();
    browser.verify();
  });

  it('tells a destroyed app nothing when its store finishes clearing another tab’s ended session late', async () => {
    const browser = new FakeBrowser();
    const expiredIn: string[] = [];
    const [tabA, tabB] = browser.openSignedInTabs({}, (tab) => ({
      onSessionExpired: () => expiredIn.push(tab),
    }));
    let finishClear: () => void = () => undefined;
    const clear = tabB.store.clear.bind(tabB.store);
    (tabB.store as TokenStore).clear = () =>
      new Promise<void>((resolve) => {
        finishClear = () => {
          clear();
          resolve();
        };
      });
    const eventsOfB: string[] = [];
    tabB.injector.get(TokenRefreshService).events.subscribe((event) => eventsOfB.push(event.type));

    await tabA.injector.get(TokenRefreshService).clearSession();
    await browser.run(); // B has the message and is clearing its store
    tabB.injector.destroy();
    finishClear();
    await browser.run();

    expect({ expiredIn, eventsOfB }).toEqual({ expiredIn: [], eventsOfB: [] });
  });

  it('keeps its session when its store fails to read as another tab’s end message arrives', async () => {
    const browser = new FakeBrowser();
    const expiredIn: string[] = [];
    const [tabA, tabB] = browser.openSignedInTabs({}, (tab) => ({
      onSessionExpired: () => expiredIn.push(tab),
    }));
    const getRefreshToken = tabB.store.getRefreshToken.bind(tabB.store);
    tabB.store.getRefreshToken = () => {
      throw new Error('storage unavailable');
    };
    tabB.injector.get(ErrorHandler).handleError = () => undefined;

    await tabA.injector.get(TokenRefreshService).clearSession();
    await browser.run();
    tabB.store.getRefreshToken = getRefreshToken;

    expect(expiredIn).toEqual([]);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('idle');
  });

  it('uses a BroadcastChannel in a browser that has one, and none in a browser that lacks one', () => {
    const global = globalThis as { BroadcastChannel?: unknown };
    const environment = TestBed.runInInjectionContext(crossTabEnvironment);
    expect(environment.openChannel('ngx-token-refresh:/api/auth/refresh')).toBeNull();

    global.BroadcastChannel = class {
      constructor(readonly name: string) {}
    };
    try {
      expect(environment.openChannel('ngx-token-refresh:/api/auth/refresh')).toEqual({
        name: 'ngx-token-refresh:/api/auth/refresh',
      });
    } finally {
      delete global.BroadcastChannel;
    }
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

  it('ignores malformed messages even when they name the session this tab holds', async () => {
    const browser = new FakeBrowser();
    const [, tabB] = browser.openSignedInTabs();
    const events: string[] = [];
    tabB.injector.get(TokenRefreshService).events.subscribe((event) => events.push(event.type));
    const stray = browser.openStrayChannel();
    const session = SESSION_1;
    const planted = { accessToken: 'planted', refreshToken: 'planted' };

    for (const message of [
      { v: 2, type: 'ended', session },
      { v: '1', type: 'ended', session },
      { v: 1, type: 'refreshed', id: 'x', session, tokens: { accessToken: 42 } },
      { v: 1, type: 'refreshed', session, tokens: planted },
      { v: 1, type: 'refreshed', id: 7, session, tokens: planted },
      { v: 1, type: 'rotated', id: 'x', session, tokens: planted },
      { v: 1, type: 'signed-out', session },
    ]) {
      stray.postMessage(message);
    }
    await browser.run();

    expect([tabB.store.getAccessToken(), tabB.store.getRefreshToken()]).toEqual([
      'access-1',
      'refresh-1',
    ]);
    expect(tabB.injector.get(TokenRefreshService).state()).toBe('idle');
    expect(events).toEqual([]);
  });

  it('signs no tab in that holds no session, whatever session a message names', async () => {
    const browser = new FakeBrowser();
    const tab = browser.openTab({ buildRefreshRequest: cookieRefresh() });
    const stray = browser.openStrayChannel();
    const tokens = { accessToken: 'planted', refreshToken: 'planted' };

    for (const session of [null, undefined, 'cookie', '']) {
      stray.postMessage({ v: 1, type: 'refreshed', id: 'x', session, tokens });
    }
    await browser.run();

    expect([tab.store.getAccessToken(), tab.store.getRefreshToken()]).toEqual([null, null]);
    tab.http.get('/api/a').subscribe();
    expect(tab.backend.expectOne('/api/a').request.headers.has('Authorization')).toBe(false);
    browser.verify();
  });

  it('leaves a tab whose session expired signed out when another session is refreshed', async () => {
    const browser = new FakeBrowser();
    const demo = browser.openTab();
    const alice = browser.openTab();
    demo.store.setTokens({ accessToken: 'demo-access-1', refreshToken: 'demo-refresh-1' });
    alice.store.setTokens({ accessToken: 'alice-access-1', refreshToken: 'alice-refresh-1' });
    alice.http.get('/api/b').subscribe({ error: () => undefined });
    reject401(alice.backend.expectOne('/api/b'));
    await browser.run();
    reject401(alice.backend.expectOne(REFRESH_URL));
    await browser.run();
    expect(alice.injector.get(TokenRefreshService).state()).toBe('expired');

    demo.http.get('/api/a').subscribe();
    reject401(demo.backend.expectOne('/api/a'));
    await browser.run();
    demo.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'demo-access-2', refreshToken: 'demo-refresh-2' });
    await browser.run();
    demo.backend.expectOne('/api/a').flush({});

    expect(alice.injector.get(TokenRefreshService).state()).toBe('expired');
    expect([alice.store.getAccessToken(), alice.store.getRefreshToken()]).toEqual([null, null]);
    browser.verify();
  });

  it.each([
    ['no id', SIGNED_IN, (at: number) => ({ session: SESSION_1, at })],
    [
      'a time that is not a number',
      SIGNED_IN,
      (at: number) => ({ id: 'x', session: SESSION_1, at: `${at}` }),
    ],
    // A start-up refresh from the cookie, with no session in the store yet.
    ['a session that is not a string', null, (at: number) => ({ id: 'x', session: null, at })],
  ])(
    'does not wait on a refresh record in localStorage that this library did not write (%s)',
    async (_, tokens, recordAt) => {
      const browser = new FakeBrowser();
      const tab = browser.openTab({ buildRefreshRequest: cookieRefresh() });
      if (tokens) {
        tab.store.setTokens(tokens);
      }
      browser.storage.set(
        'ngx-token-refresh:/api/auth/refresh:last-refresh',
        JSON.stringify(recordAt(Date.now())),
      );

      const refreshed = tab.injector.get(TokenRefreshService).refresh();
      await browser.run();

      tab.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' }); // at once
      await refreshed;
      browser.verify();
    },
  );

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

/** What a tab's store holds, as the coordinator reads it. */
function snapshotOf(accessToken: string, refreshToken: string) {
  return { epoch: 0, accessToken, refreshToken, expiresAt: null };
}

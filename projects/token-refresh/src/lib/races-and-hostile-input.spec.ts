/*
 * Regression tests from an adversarial review: races between step-ups, refreshes, logins and event
 * handlers; malformed configuration; hostile URLs; and tabs whose storage, locks or sessions misbehave.
 */
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { TokenRefreshError } from './errors';
import { provideTokenRefresh } from './provide-token-refresh';
import { cookieRefresh } from './refresh-request';
import {
  bearerOf,
  FakeBrowser,
  expectRefresh,
  record,
  reject401,
  REFRESH_URL,
  setUp,
  settle,
} from './spec-helpers';
import { TokenRefreshConfig } from './token-refresh-config';
import { TokenRefreshService } from './token-refresh-service';
import { MemoryTokenStore, TokenSet, TokenStore } from './token-store';
import { withStepUp } from './with-step-up';
import { OfflineHoldOptions, withOfflineHold } from './with-offline-hold';
import { DpopOptions, withDpop } from './with-dpop';

const STEP_UP = 'Bearer error="insufficient_user_authentication", acr_values="mfa"';

function challenge(request: TestRequest, header: string, status = 401): void {
  request.flush(null, { status, statusText: 'Refused', headers: { 'WWW-Authenticate': header } });
}

describe('races and hostile input: step-up and refresh at once', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('keeps the rotated refresh token when a step-up without a refresh token ends after a refresh', async () => {
    let answer!: (tokens: TokenSet) => void;
    const { http, backend, store } = setUp({}, [
      ...withStepUp(() => new Promise<TokenSet>((resolve) => (answer = resolve))).ɵproviders,
    ]);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const a = record(http.get('/api/a'));
    const b = record(http.get('/api/b'));
    challenge(backend.expectOne('/api/a'), STEP_UP); // step-up starts, handler pending
    reject401(backend.expectOne('/api/b')); // refresh starts
    await settle();
    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await settle();
    backend.expectOne('/api/b').flush('b');
    expect(store.getRefreshToken()).toBe('refresh-2'); // refresh-1 is spent at the server now

    answer({ accessToken: 'access-mfa' }); // "A missing refreshToken keeps the stored one"
    await settle();
    backend.expectOne('/api/a').flush('a');
    expect([a.values, b.values]).toEqual([['a'], ['b']]);
    expect(store.getRefreshToken()).toBe('refresh-2');
  });

  it('does not overwrite a new login stored while the step-up handler ran', async () => {
    let answer!: (tokens: TokenSet) => void;
    const { http, backend, store } = setUp({}, [
      ...withStepUp(() => new Promise<TokenSet>((resolve) => (answer = resolve))).ɵproviders,
    ]);
    void store.setTokens({ accessToken: 'alice-access', refreshToken: 'alice-refresh' });

    const a = record(http.get('/api/a'));
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await settle();
    void store.setTokens({ accessToken: 'bob-access', refreshToken: 'bob-refresh' }); // a new login
    answer({ accessToken: 'alice-mfa' });
    await settle();
    backend.match('/api/a').forEach((request) => request.flush('a'));

    expect(a.errors.length + a.values.length).toBe(1);
    expect([store.getAccessToken(), store.getRefreshToken()]).toEqual([
      'bob-access',
      'bob-refresh',
    ]);
  });
});

describe('races and hostile input: re-entrant refresh from an events subscriber', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('lets a refresh started on refresh-failed settle with its own outcome', async () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const service = TestBed.inject(TokenRefreshService);
    let retried: Promise<unknown> | undefined;
    service.events.subscribe((event) => {
      if (event.type === 'refresh-failed' && retried === undefined) {
        // e.g. an app that tries once more after a transient failure
        retried = service.refresh().then(
          () => 'ok',
          (error: unknown) => error,
        );
      }
    });
    const c = record(http.get('/api/c')); // out with access-1
    const cSent = backend.expectOne('/api/c');

    const first = service.refresh().catch((error: unknown) => error);
    expectRefresh(backend).flush(null, { status: 503, statusText: 'Unavailable' });
    expect(((await first) as TokenRefreshError).code).toBe('refresh-failed');
    const second = expectRefresh(backend); // the refresh the subscriber started is in flight

    reject401(cSent); // fails with access-1 while that refresh is in flight: must wait for it
    await settle();
    second.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await settle();
    backend.match('/api/c').forEach((request) => request.flush('c'));

    const outcome = await retried;
    expect({
      retried: outcome instanceof TokenRefreshError ? outcome.message : outcome,
      cErrors: c.errors.map((error) => (error as Error).message),
      cValues: c.values,
      stored: store.getAccessToken(),
    }).toEqual({ retried: 'ok', cErrors: [], cValues: ['c'], stored: 'access-2' });
  });
});

describe('races and hostile input: a new login while the old session refreshes', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('refreshes the new session when its token is rejected, instead of failing with the old refresh', async () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'alice-access', refreshToken: 'alice-refresh' });
    http.get('/api/a').subscribe({ error: () => undefined });
    reject401(backend.expectOne('/api/a'));
    const oldRefresh = expectRefresh(backend);

    void store.setTokens({ accessToken: 'bob-access', refreshToken: 'bob-refresh' }); // a new login
    const b = record(http.get('/api/b'));
    const sent = backend.expectOne('/api/b');
    expect(bearerOf(sent)).toBe('Bearer bob-access');
    reject401(sent); // bob's access token is rejected: bob's session should be refreshed
    oldRefresh.flush({ accessToken: 'alice-access-2', refreshToken: 'alice-refresh-2' });
    await settle();

    const bobRefresh = backend.match(REFRESH_URL);
    expect(b.errors.map((error) => (error as TokenRefreshError).code)).toEqual([]);
    expect(bobRefresh.map((request): unknown => request.request.body)).toEqual([
      { refreshToken: 'bob-refresh' },
    ]);
    bobRefresh.forEach((request) => request.flush({ accessToken: 'bob-access-2' }));
    backend.match('/api/b').forEach((request) => request.flush('b'));
  });
});

describe('races and hostile input: malformed config', () => {
  it.each([
    ['allowedOrigins[0]', { allowedOrigins: ['https://*.example.com'] }],
    ['store', { store: (() => new MemoryTokenStore()) as unknown as TokenStore }],
  ])('throws NGTR101 naming %s', (option, config) => {
    expect(() =>
      provideTokenRefresh({ refreshUrl: REFRESH_URL, ...(config as Partial<TokenRefreshConfig>) }),
    ).toThrow(`NGTR101: provideTokenRefresh: "${option}"`);
  });

  it.each([
    ['withOfflineHold', () => withOfflineHold(null as unknown as OfflineHoldOptions)],
    ['withDpop', () => withDpop(null as unknown as DpopOptions)],
  ])('%s(null) throws NGTR101, not a TypeError', (_, make) => {
    expect(make).toThrow(/NGTR101/);
  });
});

describe('races and hostile input: URLs', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([
    ['//evil.io/x', null],
    ['/\\evil.io/x', null],
    ['\\\\evil.io/x', null],
    ['http://[', null],
    ['http://localhost@evil.io/x', null],
    ['http://localhost.evil.io/x', null],
    [' //evil.io/x', null],
    ['/\t/evil.io/x', null],
    ['http:\\\\evil.io/x', null],
    ['HTTP://LOCALHOST/x', 'Bearer access-1'],
    ['http://user:pw@localhost/x', 'Bearer access-1'],
    ['api/x', 'Bearer access-1'],
  ])('%s gets %s', (url, expected) => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    http.get(url).subscribe({ error: () => undefined });
    const requests = backend.match(() => true);
    expect(requests.map(bearerOf)).toEqual([expected]);
    requests.forEach((request) => request.flush('x'));
  });
});

describe('races and hostile input: a late 401 that arrives during the next refresh', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('waits for the refresh in flight instead of retrying at once with the token being refreshed', async () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-0', refreshToken: 'refresh-0' });
    const service = TestBed.inject(TokenRefreshService);
    const slow = record(http.get('/api/slow')); // goes out with access-0 and takes long
    const slowSent = backend.expectOne('/api/slow');

    http.get('/api/b').subscribe();
    reject401(backend.expectOne('/api/b'));
    expectRefresh(backend).flush({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    backend.expectOne('/api/b').flush('b');

    const second = service.refresh(); // refresh of access-1 in flight (manual, or proactive)
    const secondCall = expectRefresh(backend);
    reject401(slowSent); // the slow request's 401 (access-0) arrives now
    await settle();
    // access-1 is the token being refreshed: like any request, the retry must wait for the refresh.
    expect(backend.match('/api/slow').map(bearerOf)).toEqual([]);
    secondCall.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await second;
    await settle();
    backend.match('/api/slow').forEach((request) => request.flush('slow'));
    expect(slow.values).toEqual(['slow']);
  });
});

describe('races and hostile input: cross-tab', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  it('tells the other tabs of a refresh even when localStorage is full (the tokens were stored)', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    browser.storageThrows = true;

    const a = record(tabA.http.get('/api/a'));
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend
      .expectOne(REFRESH_URL)
      .flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    await browser.run();
    expect(tabA.store.getRefreshToken()).toBe('refresh-2'); // refresh-1 is spent

    tabA.backend.match('/api/a').forEach((request) => request.flush('a'));
    expect({
      aErrors: a.errors.map((error) => (error as Error).message),
      tabBRefreshToken: tabB.store.getRefreshToken(),
    }).toEqual({ aErrors: [], tabBRefreshToken: 'refresh-2' });
    browser.verify();
  });

  it('refreshes on its own when the browser denies Web Locks (opaque origin, sandboxed iframe)', async () => {
    const browser = new FakeBrowser();
    browser.locksDenied = true;
    const [tab] = browser.openSignedInTabs();

    const a = record(tab.http.get('/api/a'));
    reject401(tab.backend.expectOne('/api/a'));
    await browser.run();
    tab.backend
      .match(REFRESH_URL)
      .forEach((request) => request.flush({ accessToken: 'access-2', refreshToken: 'refresh-2' }));
    await browser.run();
    tab.backend.match('/api/a').forEach((request) => request.flush('a'));
    expect(a.errors.map((error) => (error as Error).message)).toEqual([]);
    expect(a.values).toEqual(['a']);
  });

  it('refreshes again at once in the tab that just refreshed a cookie session (no 2 s stall on its own record)', async () => {
    const browser = new FakeBrowser();
    const tab = browser.openTab({ buildRefreshRequest: cookieRefresh() });
    browser.openTab({ buildRefreshRequest: cookieRefresh() }).store.setTokens({
      accessToken: 'access-1',
    });
    tab.store.setTokens({ accessToken: 'access-1' });
    const service = tab.injector.get(TokenRefreshService);

    const first = service.refresh();
    await browser.run();
    tab.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
    await first;
    await browser.run();

    const second = service.refresh(); // e.g. access-2 was rejected, or a manual refresh
    await browser.run();
    const atOnce = tab.backend.match(REFRESH_URL);
    await jest.advanceTimersByTimeAsync(2000);
    const after2s = tab.backend.match(REFRESH_URL);
    expect([atOnce.length, after2s.length]).toEqual([1, 0]);
    [...atOnce, ...after2s].forEach((request) => request.flush({ accessToken: 'access-3' }));
    await browser.run();
    await second;
  });

  it('sends no refresh from a lock granted just after its refresh timed out, and releases it at once', async () => {
    const browser = new FakeBrowser();
    const [tab] = browser.openSignedInTabs({ refreshTimeout: 1000 });
    browser.holdLockGrants = true;
    browser.abortsTooLate = true;

    const a = record(tab.http.get('/api/a'));
    reject401(tab.backend.expectOne('/api/a'));
    await browser.run();
    await jest.advanceTimersByTimeAsync(1000);
    expect(a.errors).toEqual([expect.objectContaining({ code: 'refresh-timeout' })]);
    browser.grantNextLock(); // the grant that was on its way when the refresh timed out
    await browser.run();

    // A refresh sent now would spend refresh-1 for nobody: its answer has no one to go to.
    tab.backend.expectNone(REFRESH_URL);
    expect({ held: browser.heldLocks(), pending: browser.pendingLocks() }).toEqual({
      held: 0,
      pending: 0,
    });
    browser.verify();
  });

  it('refreshes at once in a tab that adopted another tab’s refresh from a non-rotating server', async () => {
    const browser = new FakeBrowser();
    const [tabA, tabB] = browser.openSignedInTabs();
    tabA.http.get('/api/a').subscribe();
    reject401(tabA.backend.expectOne('/api/a'));
    await browser.run();
    tabA.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' }); // refresh-1 kept
    await browser.run();
    tabA.backend.expectOne('/api/a').flush({});
    expect(tabB.store.getAccessToken()).toBe('access-2');

    tabB.http.get('/api/b').subscribe(); // e.g. access-2 was revoked
    reject401(tabB.backend.expectOne('/api/b'));
    await browser.run();
    const atOnce = tabB.backend.match(REFRESH_URL);
    await jest.advanceTimersByTimeAsync(2000);
    const after2s = tabB.backend.match(REFRESH_URL);

    expect([atOnce.length, after2s.length]).toEqual([1, 0]);
    [...atOnce, ...after2s].forEach((request) => request.flush({ accessToken: 'access-3' }));
    await browser.run();
    tabB.backend.expectOne('/api/b').flush({});
    browser.verify();
  });

  it('refreshes again at once in the tab that just refreshed with a non-rotating server', async () => {
    const browser = new FakeBrowser();
    const [tab] = browser.openSignedInTabs();
    const service = tab.injector.get(TokenRefreshService);

    const first = service.refresh();
    await browser.run();
    tab.backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' }); // refresh-1 kept
    await first;
    await browser.run();

    const second = service.refresh();
    await browser.run();
    const atOnce = tab.backend.match(REFRESH_URL);
    await jest.advanceTimersByTimeAsync(2000);
    const after2s = tab.backend.match(REFRESH_URL);
    expect([atOnce.length, after2s.length]).toEqual([1, 0]);
    [...atOnce, ...after2s].forEach((request) => request.flush({ accessToken: 'access-3' }));
    await browser.run();
    await second;
  });
});

import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import {
  bearerOf,
  expectRefresh,
  jwt,
  record,
  reject401,
  REFRESH_URL,
  setUp,
} from './spec-helpers';

describe('proactive refresh', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('refreshes an expired JWT before sending, so no request goes out with it', () => {
    const { http, backend, store } = setUp();
    const expired = jwt(-10);
    const fresh = jwt(600);
    void store.setTokens({ accessToken: expired, refreshToken: 'refresh-1' });

    const results = [record(http.get('/api/a')), record(http.get('/api/b'))];
    backend.expectNone((request) => request.url !== REFRESH_URL, 'requests before the refresh');
    expectRefresh(backend).flush({ accessToken: fresh });

    const sent = backend.match((request) => request.url !== REFRESH_URL);
    expect(sent.map(bearerOf)).toEqual([`Bearer ${fresh}`, `Bearer ${fresh}`]);
    sent.forEach((request) => request.flush('ok'));
    expect(results.map((result) => result.values)).toEqual([['ok'], ['ok']]);
  });

  it('refreshes a JWT that expires within expiryLeeway, and not one that expires later', () => {
    const { http, backend, store } = setUp({ expiryLeeway: 60_000 });
    void store.setTokens({ accessToken: jwt(120), refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    backend.expectNone(REFRESH_URL);
    backend.expectOne('/api/a').flush({});

    void store.setTokens({ accessToken: jwt(45), refreshToken: 'refresh-1' });
    http.get('/api/b').subscribe();
    expectRefresh(backend).flush({ accessToken: jwt(900) });
    backend.expectOne('/api/b').flush({});
  });

  it('refreshes when the store says the token expires within the leeway, whatever the token', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({
      accessToken: 'opaque-1',
      refreshToken: 'refresh-1',
      expiresAt: Date.now() + 5_000,
    });

    http.get('/api/a').subscribe();
    expectRefresh(backend).flush({ accessToken: 'opaque-2', expiresIn: 3600 });

    expect(bearerOf(backend.expectOne('/api/a'))).toBe('Bearer opaque-2');
  });

  it.each([
    ['an opaque token', 'opaque-token'],
    ['a malformed JWT', 'aaa.!!!.ccc'],
    ['a JWT without exp', `${btoa('{}')}.${btoa('{"sub":"u"}')}.sig`],
  ])('never refreshes %s proactively', (_, token) => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: token, refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();

    backend.expectNone(REFRESH_URL);
    expect(bearerOf(backend.expectOne('/api/a'))).toBe(`Bearer ${token}`);
  });

  it('does not refresh again a token that was already within the leeway when the refresh handed it out', () => {
    const { http, backend, store } = setUp({ expiryLeeway: 30_000 });
    void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });
    const shortLived = jwt(15); // a 15 s token with a 30 s leeway: refreshing it again would loop

    http.get('/api/a').subscribe();
    expectRefresh(backend).flush({ accessToken: shortLived });
    backend.expectOne('/api/a').flush({});
    http.get('/api/b').subscribe();

    backend.expectNone(REFRESH_URL);
    expect(bearerOf(backend.expectOne('/api/b'))).toBe(`Bearer ${shortLived}`);
  });

  it('refreshes such a short-lived token proactively once it has really expired', () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const { http, backend, store } = setUp({ expiryLeeway: 30_000 });
      void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });
      http.get('/api/a').subscribe();
      expectRefresh(backend).flush({ accessToken: 'short-1', expiresIn: 15 });
      backend.expectOne('/api/a').flush({});

      jest.advanceTimersByTime(15_000);
      http.get('/api/b').subscribe();

      expectRefresh(backend).flush({ accessToken: 'short-2', expiresIn: 15 });
      expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer short-2');
    } finally {
      jest.useRealTimers();
    }
  });

  describe('of tokens a refresh handed out, by their lifetime against a 30 s leeway', () => {
    beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') }));
    afterEach(() => jest.useRealTimers());

    /** Refreshes once, answering `answer`, and returns the stored access token's next use. */
    function refreshTo(answer: object) {
      const { http, backend, store } = setUp({ expiryLeeway: 30_000 });
      void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });
      http.get('/api/a').subscribe();
      expectRefresh(backend).flush(answer);
      backend.expectOne('/api/a').flush({});
      return { http, backend };
    }

    it('refreshes a 60 s token again once it is within the leeway, and not before', () => {
      const { http, backend } = refreshTo({ accessToken: 'token-60s', expiresIn: 60 });

      jest.advanceTimersByTime(29_000);
      http.get('/api/b').subscribe();
      expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer token-60s');
      jest.advanceTimersByTime(2_000);
      http.get('/api/c').subscribe();

      expectRefresh(backend).flush({ accessToken: 'token-next', expiresIn: 60 });
      expect(bearerOf(backend.expectOne('/api/c'))).toBe('Bearer token-next');
    });

    it('uses a token whose lifetime equals the leeway, without refreshing it again at once', () => {
      const { http, backend } = refreshTo({ accessToken: 'token-30s', expiresIn: 30 });

      http.get('/api/b').subscribe();

      backend.expectNone(REFRESH_URL);
      expect(bearerOf(backend.expectOne('/api/b'))).toBe('Bearer token-30s');
    });

    it('uses a token that expires the very moment it arrives, without refreshing it again', () => {
      const expiringNow = jwt(0); // exp is this second, and the clock stands at a whole second
      const { http, backend } = refreshTo({ accessToken: expiringNow });

      http.get('/api/b').subscribe();

      backend.expectNone(REFRESH_URL);
      expect(bearerOf(backend.expectOne('/api/b'))).toBe(`Bearer ${expiringNow}`);
    });
  });

  it('never refreshes proactively a token that arrived already expired by this clock (clock skew)', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });
    const bornExpired = jwt(-3600); // the client clock runs an hour ahead of the server's

    http.get('/api/a').subscribe();
    expectRefresh(backend).flush({ accessToken: bornExpired });
    backend.expectOne('/api/a').flush({});
    http.get('/api/b').subscribe();

    backend.expectNone(REFRESH_URL);
    expect(bearerOf(backend.expectOne('/api/b'))).toBe(`Bearer ${bornExpired}`);
  });

  it('with maxRetries 0, still refreshes proactively, but not after a 401', () => {
    const { http, backend, store } = setUp({ maxRetries: 0 });
    void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    expectRefresh(backend).flush({ accessToken: 'opaque-2' });
    reject401(backend.expectOne('/api/a'));

    backend.expectNone(REFRESH_URL);
    expect(result.errors).toHaveLength(1);
  });

  it('fails the requests that waited for a proactive refresh that was rejected', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: jwt(-1), refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(expectRefresh(backend));

    expect(result.errors[0]).toMatchObject({ code: 'session-expired' });
    backend.expectNone('/api/a');
  });
});

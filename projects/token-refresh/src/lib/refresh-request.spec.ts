import { HttpRequest } from '@angular/common/http';
import { HttpTestingController } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import {
  cookieRefresh,
  jsonBodyRefresh,
  oauth2RefreshGrant,
  parseTokenResponse,
} from './refresh-request';
import {
  bearerOf,
  expectRefresh,
  inProductionBuild,
  record,
  reject401,
  REFRESH_URL,
  setUp,
  thrownMessage,
} from './spec-helpers';

describe('refresh calls', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('oauth2RefreshGrant sends the form-encoded refresh grant and stores the rotated refresh token', () => {
    const { http, backend, store } = setUp({
      buildRefreshRequest: oauth2RefreshGrant({ clientId: 'spa', scope: 'openid offline_access' }),
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'r+1/=&x' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    expect(refresh.request.method).toBe('POST');
    expect(refresh.request.headers.get('Content-Type')).toBe('application/x-www-form-urlencoded');
    expect(refresh.request.body).toBe(
      'grant_type=refresh_token&refresh_token=r%2B1%2F%3D%26x&client_id=spa&scope=openid+offline_access',
    );
    refresh.flush({
      access_token: 'access-2',
      refresh_token: 'refresh-2',
      token_type: 'Bearer',
      expires_in: 300,
    });
    backend.expectOne('/api/a').flush('ok');

    expect(result.values).toEqual(['ok']);
    expect(store.getRefreshToken()).toBe('refresh-2');
  });

  it('cookieRefresh refreshes with credentials and no token in JavaScript, even with none in the store', () => {
    const { http, backend, store } = setUp({ buildRefreshRequest: cookieRefresh() });
    void store.setTokens({ accessToken: 'access-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    expect(refresh.request.method).toBe('POST');
    expect(refresh.request.withCredentials).toBe(true);
    expect(refresh.request.body).toBeNull();
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    refresh.flush({ accessToken: 'access-2' });
    const retry = backend.expectOne('/api/a');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush('ok');

    expect(result.values).toEqual(['ok']);
    expect(store.getRefreshToken()).toBeNull();
  });

  it('cookieRefresh restores a session on start-up from an empty store', () => {
    const { http, backend } = setUp({ buildRefreshRequest: cookieRefresh() });

    const result = record(http.get('/api/me'));
    const first = backend.expectOne('/api/me');
    expect(first.request.headers.has('Authorization')).toBe(false);
    reject401(first);
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-1' });
    backend.expectOne('/api/me').flush({ name: 'Ada' });

    expect(result.values).toEqual([{ name: 'Ada' }]);
  });

  it('uses a custom buildRefreshRequest, and lets other interceptors see the refresh call', () => {
    const { http, backend, store } = setUp({
      buildRefreshRequest: (refreshToken, url) =>
        jsonBodyRefresh()(refreshToken, url)?.clone({ setHeaders: { 'X-Client': 'web' } }) ?? null,
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    expect(refresh.request.headers.get('X-Client')).toBe('web');
    refresh.flush({ accessToken: 'access-2' });
    backend.expectOne('/api/a').flush({});
  });

  it('fails with invalid-refresh-response when a custom parser returns no access token', () => {
    const { http, backend, store } = setUp({
      parseRefreshResponse: (body) => ({ accessToken: (body as { jwt: string }).jwt }),
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    expectRefresh(backend).flush({ token: 'wrong-field' });

    expect(result.errors[0]).toMatchObject({ code: 'invalid-refresh-response' });
    expect(store.getAccessToken()).toBe('access-1');
  });

  it.each<[string, object]>([
    ['an empty refresh token', { refreshToken: '' }],
    ['a numeric refresh token', { refreshToken: 42 }],
    ['a string expiry', { expiresAt: '1700000000000' }],
    ['a NaN expiry', { expiresAt: NaN }],
    ['an infinite expiry', { expiresAt: Infinity }],
  ])(
    'fails with invalid-refresh-response, keeping the session, when a custom parser returns %s',
    (_, fields) => {
      const { http, backend, store } = setUp({
        parseRefreshResponse: () => ({ accessToken: 'access-2', ...fields }),
      });
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get('/api/a'));
      reject401(backend.expectOne('/api/a'));
      expectRefresh(backend).flush({});

      expect(result.errors[0]).toMatchObject({ code: 'invalid-refresh-response' });
      expect(store.getAccessToken()).toBe('access-1');
      expect(store.getRefreshToken()).toBe('refresh-1');
    },
  );

  it('stores what a custom parser returns with a null refresh token and a finite expiry', () => {
    const expiresAt = Date.now() + 60_000;
    const { http, backend, store } = setUp({
      parseRefreshResponse: () => ({ accessToken: 'access-2', refreshToken: null, expiresAt }),
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    expectRefresh(backend).flush({});
    backend.expectOne('/api/a').flush('ok');

    expect(result.values).toEqual(['ok']);
    expect([store.getAccessToken(), store.getRefreshToken(), store.getExpiresAt?.()]).toEqual([
      'access-2',
      'refresh-1',
      expiresAt,
    ]);
  });
});

describe('refresh call builders', () => {
  it('jsonBodyRefresh builds POST refreshUrl { refreshToken }, and nothing without a refresh token', () => {
    const build = jsonBodyRefresh();
    const request = build('refresh-1', '/auth/refresh');

    expect(request?.method).toBe('POST');
    expect(request?.url).toBe('/auth/refresh');
    expect(request?.body).toEqual({ refreshToken: 'refresh-1' });
    expect(build(null, '/auth/refresh')).toBeNull();
  });

  it('oauth2RefreshGrant leaves scope out when not given', () => {
    const request = oauth2RefreshGrant({ clientId: 'spa' })('refresh-1', '/token');
    expect(request?.body).toBe('grant_type=refresh_token&refresh_token=refresh-1&client_id=spa');
  });

  it('oauth2RefreshGrant rejects a missing clientId with an error naming it', () => {
    expect(() => oauth2RefreshGrant({ clientId: '' })).toThrow(
      'NGTR101: provideTokenRefresh: "oauth2RefreshGrant.clientId" must be a non-empty string.',
    );
  });

  it('oauth2RefreshGrant rejects a scope that is not a string with an error naming it', () => {
    const scopes = ['openid', 'profile'] as unknown as string; // from JavaScript, a list
    expect(() => oauth2RefreshGrant({ clientId: 'spa', scope: scopes })).toThrow(
      'NGTR101: provideTokenRefresh: "oauth2RefreshGrant.scope" must be a string when given.',
    );
  });

  it('sends a refresh call built for another URL than refreshUrl without a token, and never refreshes its 401', () => {
    const { http, backend, store } = setUp({
      buildRefreshRequest: (refreshToken) =>
        new HttpRequest('POST', '/oauth/token', { refreshToken }),
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = backend.expectOne('/oauth/token');
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    reject401(refresh);

    expect(result.errors).toEqual([expect.objectContaining({ code: 'session-expired' })]);
    expect(store.getRefreshToken()).toBeNull();
  });
});

describe('parseTokenResponse', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('reads the camelCase shape', () => {
    expect(parseTokenResponse({ accessToken: 'a', refreshToken: 'r', expiresIn: 60 })).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresAt: 1_060_000,
    });
  });

  it('reads the OAuth 2.0 shape', () => {
    expect(parseTokenResponse({ access_token: 'a', refresh_token: 'r', expires_in: 60 })).toEqual({
      accessToken: 'a',
      refreshToken: 'r',
      expiresAt: 1_060_000,
    });
  });

  it('leaves refreshToken and expiresAt undefined when the answer has none', () => {
    expect(parseTokenResponse({ accessToken: 'a' })).toEqual({
      accessToken: 'a',
      refreshToken: undefined,
      expiresAt: undefined,
    });
  });

  it.each([
    [null, /no non-empty "accessToken" or "access_token"/],
    ['a-string-body', /no non-empty "accessToken" or "access_token"/],
    [{ accessToken: '' }, /no non-empty "accessToken" or "access_token"/],
    [{ accessToken: 42 }, /no non-empty "accessToken" or "access_token"/],
    [
      { accessToken: 'a', refreshToken: 7 },
      /"refreshToken"\/"refresh_token" is not a non-empty string/,
    ],
    [{ accessToken: 'a', expires_in: '3600' }, /"expiresIn"\/"expires_in" is not a number/],
    [
      { accessToken: 'a', refresh_token: '' },
      /"refreshToken"\/"refresh_token" is not a non-empty string/,
    ],
  ])('rejects %j with an NGTR204 error naming the field', (body, message) => {
    expect(() => parseTokenResponse(body)).toThrow(message);
    expect(() => parseTokenResponse(body)).toThrow(/^NGTR204: /);
  });

  it('keeps only the code in a production build', () => {
    expect(inProductionBuild(() => thrownMessage(() => parseTokenResponse({})))).toBe('NGTR204');
  });
});

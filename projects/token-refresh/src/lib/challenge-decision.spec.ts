import { HttpErrorResponse, HttpHeaders } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { bearerChallengeOf } from './challenge-decision';
import { bearerOf, expectRefresh, record, REFRESH_URL, setUp } from './spec-helpers';

describe('tokenRefreshInterceptor: the server challenge decides', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([
    ['error="invalid_token"', 'Bearer realm="api", error="invalid_token"'],
    ['a DPoP challenge with error="invalid_token"', 'DPoP algs="ES256", error="invalid_token"'],
    ['a challenge without error (no token was sent)', 'Bearer realm="api"'],
    ['no challenge (a server that sends none)', null],
    ['a malformed challenge (read as none)', 'Bearer error="invalid_token'],
    ['only a challenge of another scheme', 'Basic realm="api"'],
  ])('refreshes once and retries on a 401 with %s', (_, challenge) => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/orders'));
    answer(backend.expectOne('/api/orders'), 401, challenge);
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    const retry = backend.expectOne('/api/orders');
    expect(bearerOf(retry)).toBe('Bearer access-2');
    retry.flush(['order']);

    expect(result.values).toEqual([['order']]);
  });

  it.each([
    [401, 'Bearer error="invalid_request"'],
    [403, 'Bearer error="insufficient_scope", scope="orders:write"'],
    [401, 'Bearer error="insufficient_user_authentication", acr_values="mfa"'],
    [401, 'DPoP error="use_dpop_nonce"'],
    [401, 'DPoP error="invalid_dpop_proof"'],
  ])(
    'never refreshes a %i with %s, even when the status is in statusCodes: the error passes through at once',
    (status, challenge) => {
      const { http, backend, store } = setUp({ statusCodes: [401, 403] });
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get('/api/orders'));
      answer(backend.expectOne('/api/orders'), status, challenge);

      backend.expectNone(REFRESH_URL);
      expect(result.errors).toHaveLength(1);
      const error = result.errors[0] as HttpErrorResponse;
      expect(error).toBeInstanceOf(HttpErrorResponse);
      expect(error.status).toBe(status);
      expect(bearerChallengeOf(error)?.params['error']).toBe(/error="(\w+)"/.exec(challenge)?.[1]);
    },
  );

  it("refreshes for a 403 without a challenge when 403 is in statusCodes (today's behaviour kept)", () => {
    const { http, backend, store } = setUp({ statusCodes: [401, 403] });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/orders').subscribe();
    answer(backend.expectOne('/api/orders'), 403, null);
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/orders').flush([]);
  });

  it('does not refresh for error="invalid_token" on a status outside statusCodes', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/orders'));
    answer(backend.expectOne('/api/orders'), 400, 'Bearer error="invalid_token"');

    backend.expectNone(REFRESH_URL);
    expect((result.errors[0] as HttpErrorResponse).status).toBe(400);
  });

  it('decides by the challenge that carries an error when several are given', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/orders'));
    answer(
      backend.expectOne('/api/orders'),
      401,
      'Basic realm="api", Bearer realm="api", DPoP algs="ES256", error="insufficient_user_authentication"',
    );

    backend.expectNone(REFRESH_URL);
    expect(result.errors).toHaveLength(1);
  });

  it('passes 50 concurrent insufficient_scope failures through without a refresh, each once', () => {
    const { http, backend, store } = setUp({ statusCodes: [401, 403] });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const results = Array.from({ length: 50 }, (_, i) => record(http.get(`/api/items/${i}`)));
    backend
      .match((request) => request.url.startsWith('/api/items/'))
      .forEach((request) => answer(request, 403, 'Bearer error="insufficient_scope"'));

    backend.expectNone(REFRESH_URL);
    expect(results.every((result) => result.errors.length === 1)).toBe(true);
  });
});

describe('bearerChallengeOf', () => {
  it('returns the Bearer or DPoP challenge with an error, else the first of them, else null', () => {
    expect(bearerChallengeOf(failure('Bearer realm="a", DPoP error="invalid_token"'))).toEqual({
      scheme: 'DPoP',
      params: expect.objectContaining({ error: 'invalid_token' }) as unknown,
      token68: null,
    });
    expect(bearerChallengeOf(failure('Basic realm="x", bearer realm="a"'))?.scheme).toBe('bearer');
    expect(bearerChallengeOf(failure('Basic realm="x"'))).toBeNull();
    expect(bearerChallengeOf(failure(null))).toBeNull();
    expect(bearerChallengeOf(failure('Bearer error="x" junk'))).toBeNull();
  });

  it('ignores schemes that only begin or end like Bearer or DPoP', () => {
    expect(
      bearerChallengeOf(failure('Bearerish error="invalid_token", XDPoP error="invalid_token"')),
    ).toBeNull();
    expect(
      bearerChallengeOf(failure('MyBearer error="invalid_token", DPoP realm="api"'))?.scheme,
    ).toBe('DPoP');
  });

  it('returns null for anything that is not an HttpErrorResponse', () => {
    expect(bearerChallengeOf(new Error('Bearer error="invalid_token"'))).toBeNull();
    expect(bearerChallengeOf(undefined)).toBeNull();
  });
});

/** Answers `request` with `status` and, when given, a `WWW-Authenticate` challenge. */
function answer(request: TestRequest, status: number, challenge: string | null): void {
  request.flush(null, {
    status,
    statusText: 'Refused',
    headers: challenge === null ? {} : { 'WWW-Authenticate': challenge },
  });
}

function failure(challenge: string | null): HttpErrorResponse {
  return new HttpErrorResponse({
    status: 401,
    headers: new HttpHeaders(challenge === null ? {} : { 'WWW-Authenticate': challenge }),
  });
}

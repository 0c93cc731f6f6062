import { HttpErrorResponse } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { InjectionToken, inject } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { EMPTY, Subject } from 'rxjs';

import { TokenRefreshError } from './errors';
import { bearerOf, record, REFRESH_URL, setUp, settle } from './spec-helpers';
import { TokenRefreshService } from './token-refresh-service';
import { TokenSet } from './token-store';
import { StepUpChallenge, StepUpHandler, StepUpOptions, withStepUp } from './with-step-up';

const STEP_UP =
  'Bearer error="insufficient_user_authentication", acr_values="mfa phr", max_age="300"';
const AUTH = new InjectionToken<string>('AUTH');

describe('withStepUp', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('makes one handler call for 50 concurrent requests that need it, and retries each once with its token', async () => {
    const calls: [StepUpChallenge, string][] = [];
    const answer = new Subject<TokenSet>();
    const { http, backend, store } = setUpStepUp((challenge) => {
      calls.push([challenge, inject(AUTH)]);
      return answer;
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const results = Array.from({ length: 50 }, (_, i) => record(http.get(`/api/items/${i}`)));
    items(backend).forEach((request) => challenge(request, STEP_UP));
    await settle();

    expect(calls).toHaveLength(1);
    const [[asked, injected]] = calls;
    expect(injected).toBe('auth-service');
    expect(asked).toEqual({
      error: 'insufficient_user_authentication',
      acrValues: ['mfa', 'phr'],
      maxAge: 300,
      scope: [],
      challenge: { scheme: 'Bearer', params: expect.anything() as unknown, token68: null },
    });
    backend.expectNone(() => true);

    answer.next({ accessToken: 'access-mfa', expiresAt: Date.now() + 60_000 });
    await settle();
    const retries = items(backend);
    expect(retries).toHaveLength(50);
    expect(retries.every((retry) => bearerOf(retry) === 'Bearer access-mfa')).toBe(true);
    retries.forEach((retry) => retry.flush('ok'));

    expect(results.every((result) => result.values[0] === 'ok' && result.completed)).toBe(true);
    expect(store.getAccessToken()).toBe('access-mfa');
    expect(store.getRefreshToken()).toBe('refresh-1');
    backend.expectNone(REFRESH_URL);
  });

  it('retries a request that fails after the step-up, with the old token, with the new one and no second call', async () => {
    let calls = 0;
    const { http, backend, store } = setUpStepUp(() => {
      calls++;
      return Promise.resolve({ accessToken: 'access-mfa', refreshToken: 'refresh-mfa' });
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const early = record(http.get('/api/a'));
    const late = record(http.get('/api/b'));
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await settle();
    backend.expectOne('/api/a').flush('a');
    challenge(backend.expectOne('/api/b'), STEP_UP);
    await settle();
    const retry = backend.expectOne('/api/b');
    expect(bearerOf(retry)).toBe('Bearer access-mfa');
    retry.flush('b');

    expect(calls).toBe(1);
    expect([early.values, late.values]).toEqual([['a'], ['b']]);
    expect(store.getRefreshToken()).toBe('refresh-mfa');
  });

  it.each<[string, StepUpHandler, RegExp, unknown]>([
    [
      'fails',
      () => Promise.reject(new Error('popup closed')),
      /handler failed/,
      new Error('popup closed'),
    ],
    ['declines with null', () => Promise.resolve(null), /declined/, undefined],
    ['completes without tokens', () => EMPTY, /declined/, undefined],
    [
      'throws',
      () => {
        throw new Error('bug');
      },
      /handler failed/,
      new Error('bug'),
    ],
    ['returns no token set', () => Promise.resolve({ accessToken: '' }), /no token set/, undefined],
  ])(
    'fails every waiting request with step-up-failed when the handler %s, and keeps the session',
    async (_, handler, message, cause) => {
      const { http, backend, store } = setUpStepUp(handler);
      const service = TestBed.inject(TokenRefreshService);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const results = [record(http.get('/api/a')), record(http.get('/api/b'))];
      backend.match(() => true).forEach((request) => challenge(request, STEP_UP));
      await settle();

      const errors = results.map((result) => result.errors[0] as TokenRefreshError);
      expect(errors.map((error) => error.code)).toEqual(['step-up-failed', 'step-up-failed']);
      expect(errors[0].message).toMatch(/^NGTR208: /);
      expect(errors[0].message).toMatch(message);
      expect(errors[0].cause).toEqual(cause);
      expect(store.getAccessToken()).toBe('access-1');
      expect(service.state()).toBe('idle');
      backend.expectNone(() => true);
    },
  );

  it('asks again on the next failure after a failed step-up', async () => {
    let calls = 0;
    const { http, backend, store } = setUpStepUp(() =>
      ++calls === 1
        ? Promise.reject(new Error('no'))
        : Promise.resolve({ accessToken: 'access-mfa' }),
    );
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe({ error: () => undefined });
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await settle();
    const second = record(http.get('/api/a'));
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await settle();
    backend.expectOne('/api/a').flush('a');

    expect(calls).toBe(2);
    expect(second.values).toEqual(['a']);
  });

  it('asks again when the server challenges the stepped-up token itself, e.g. once max_age has passed', async () => {
    let calls = 0;
    const { http, backend, store } = setUpStepUp(() =>
      Promise.resolve({ accessToken: `access-mfa-${++calls}` }),
    );
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await settle();
    backend.expectOne('/api/a').flush('a');
    const later = record(http.get('/api/b'));
    const stale = backend.expectOne('/api/b');
    expect(bearerOf(stale)).toBe('Bearer access-mfa-1');
    challenge(stale, STEP_UP);
    await settle();
    const retry = backend.expectOne('/api/b');
    expect(bearerOf(retry)).toBe('Bearer access-mfa-2');
    retry.flush('b');

    expect(calls).toBe(2);
    expect(later.values).toEqual(['b']);
  });

  it.each<[string, keyof StepUpChallenge, unknown]>([
    ['acr_values="  mfa   phr "', 'acrValues', ['mfa', 'phr']],
    ['scope=" orders:read  orders:write"', 'scope', ['orders:read', 'orders:write']],
    ['acr_values=""', 'acrValues', []],
    ['max_age="0"', 'maxAge', 0],
    ['max_age="300s"', 'maxAge', null],
    ['max_age="5m"', 'maxAge', null],
    ['max_age="-300"', 'maxAge', null],
    ['max_age="1.5"', 'maxAge', null],
    ['realm="api"', 'maxAge', null],
  ])('hands the handler %s as its %s %j', async (params, field, expected) => {
    const asked: StepUpChallenge[] = [];
    const { http, backend, store } = setUpStepUp((asking) => {
      asked.push(asking);
      return Promise.resolve(null);
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe({ error: () => undefined });
    challenge(
      backend.expectOne('/api/a'),
      `Bearer error="insufficient_user_authentication", ${params}`,
    );
    await settle();

    expect(asked).toHaveLength(1);
    expect(asked[0][field]).toEqual(expected);
  });

  it('makes one call per distinct challenge', async () => {
    const asked: string[][] = [];
    const { http, backend, store } = setUpStepUp(({ acrValues }) => {
      asked.push([...acrValues]);
      return Promise.resolve({ accessToken: `access-${acrValues.join('-')}` });
    });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    http.get('/api/b').subscribe();
    challenge(
      backend.expectOne('/api/a'),
      'Bearer error="insufficient_user_authentication", acr_values="mfa"',
    );
    challenge(
      backend.expectOne('/api/b'),
      'Bearer error="insufficient_user_authentication", acr_values="hwk"',
    );
    await settle();

    expect(asked).toEqual([['mfa'], ['hwk']]);
    backend.match(() => true).forEach((retry) => retry.flush('ok'));
  });

  it.each<[string, StepUpOptions, number]>([
    ['passes insufficient_scope through by default', {}, 0],
    ['steps insufficient_scope up with insufficientScope: true', { insufficientScope: true }, 1],
  ])('%s', async (_, options, expectedCalls) => {
    const asked: StepUpChallenge[] = [];
    const { http, backend, store } = setUpStepUp((asking) => {
      asked.push(asking);
      return Promise.resolve({ accessToken: 'access-2' });
    }, options);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/orders'));
    challenge(
      backend.expectOne('/api/orders'),
      'Bearer error="insufficient_scope", scope="orders:read orders:write"',
      403,
    );
    await settle();

    expect(asked).toHaveLength(expectedCalls);
    if (expectedCalls === 0) {
      expect((result.errors[0] as HttpErrorResponse).status).toBe(403);
    } else {
      expect(asked[0].scope).toEqual(['orders:read', 'orders:write']);
      backend.expectOne('/api/orders').flush('ok');
      expect(result.values).toEqual(['ok']);
    }
    backend.expectNone(REFRESH_URL);
  });

  it('discards the tokens of a step-up that ends after a logout, failing its requests with session-cleared', async () => {
    const answer = new Subject<TokenSet>();
    const { http, backend, store } = setUpStepUp(() => answer);
    const service = TestBed.inject(TokenRefreshService);
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/a'));
    challenge(backend.expectOne('/api/a'), STEP_UP);
    await service.clearSession();
    answer.next({ accessToken: 'access-mfa' });
    await settle();

    expect((result.errors[0] as TokenRefreshError).code).toBe('session-cleared');
    expect(store.getAccessToken()).toBeNull();
  });

  it('still refreshes for invalid_token', () => {
    const { http, backend, store } = setUpStepUp(() => Promise.resolve(null));
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/a').subscribe();
    challenge(backend.expectOne('/api/a'), 'Bearer error="invalid_token"');
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/a').flush('a');
  });
});

describe('withStepUp options', () => {
  it('rejects a handler that is not a function, naming it', () => {
    expect(() => withStepUp('/login' as unknown as StepUpHandler)).toThrow(
      'NGTR101: provideTokenRefresh: "withStepUp(handler)" must be a function that returns the new tokens.',
    );
  });
});

function setUpStepUp(handler: StepUpHandler, options?: StepUpOptions) {
  return setUp({}, [
    ...withStepUp(handler, options).ɵproviders,
    { provide: AUTH, useValue: 'auth-service' },
  ]);
}

function items(backend: HttpTestingController): TestRequest[] {
  return backend.match((request) => request.url.startsWith('/api/items/'));
}

function challenge(request: TestRequest, header: string, status = 401): void {
  request.flush(null, { status, statusText: 'Refused', headers: { 'WWW-Authenticate': header } });
}

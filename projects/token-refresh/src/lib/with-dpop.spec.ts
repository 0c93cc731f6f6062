import { HttpContext, HttpErrorResponse, HttpEventType, HttpRequest } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { Injectable, PLATFORM_ID, Provider } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import { webcrypto } from 'node:crypto';
import { filter, firstValueFrom } from 'rxjs';

import { SKIP_TOKEN_REFRESH } from './context';
import { DpopKeyStore } from './dpop/dpop-key-store';
import { DpopService } from './dpop/dpop-service';
import { TokenRefreshError } from './errors';
import { oauth2RefreshGrant } from './refresh-request';
import { FakeBrowser, record, reject401, REFRESH_URL, setUp } from './spec-helpers';
import { TokenRefreshConfig } from './token-refresh-config';
import { TokenRefreshService } from './token-refresh-service';
import { TokenStore } from './token-store';
import { DpopOptions, withDpop } from './with-dpop';

// jsdom has no WebCrypto: these tests lend it Node's, the one a browser's behaves like.
const jsdomCrypto = globalThis.crypto;
beforeEach(() => {
  Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });
});
afterEach(() => {
  Object.defineProperty(globalThis, 'crypto', { value: jsdomCrypto, configurable: true });
});

const ORIGIN = 'http://localhost'; // jsdom's document
const API = '/api/orders';

describe('withDpop()', () => {
  let keys: MemoryKeyStore;

  beforeEach(() => (keys = new MemoryKeyStore()));
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('sends the token as "DPoP <token>" with a signed proof of method, URL, time and token hash', async () => {
    const { http, backend } = signedIn();
    const before = Math.floor(Date.now() / 1000);

    http.get(`${API}?page=2#top`).subscribe();

    const sent = await nextRequest(backend, `${API}?page=2#top`);
    expect(sent.request.headers.get('Authorization')).toBe('DPoP a1');
    const proof = await verifyProof(sent.request.headers.get('DPoP'));
    const { jwk, ...header } = proof.header;
    expect(header).toEqual({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(Object.keys(jwk as object).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    const { jti, iat, ...claims } = proof.claims;
    expect(claims).toEqual({ htm: 'GET', htu: `${ORIGIN}${API}`, ath: await sha256('a1') });
    expect(jti).toMatch(/^[\w-]{22}$/);
    expect(iat).toBeGreaterThanOrEqual(before);
    expect(iat).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    sent.flush({});
  });

  it('signs every request afresh: a new jti and signature each time, with the one key', async () => {
    const { http, backend } = signedIn();

    http.post(API, {}).subscribe();
    http.post(API, {}).subscribe();

    const sent = await requests(backend, 2);
    const proofs = await Promise.all(
      sent.map((request) => verifyProof(request.request.headers.get('DPoP'))),
    );
    expect(proofs[0].claims['jti']).not.toBe(proofs[1].claims['jti']);
    expect(proofs[0].claims['htm']).toBe('POST');
    expect(proofs[0].signature).not.toBe(proofs[1].signature);
    expect(proofs[0].header).toEqual(proofs[1].header);
    expect(keys.adds).toBe(1);
    sent.forEach((request) => request.flush({}));
  });

  it('proves the refresh call without a token hash, and retries with a new proof of the new token', async () => {
    const { http, backend, store } = signedIn();
    const received = record(http.get(API));

    reject401(await nextRequest(backend));
    const refresh = await nextRequest(backend, REFRESH_URL);
    expect(refresh.request.headers.has('Authorization')).toBe(false);
    const refreshProof = await verifyProof(refresh.request.headers.get('DPoP'));
    expect(Object.keys(refreshProof.claims)).toEqual(['jti', 'htm', 'htu', 'iat']);
    expect(refreshProof.claims).toMatchObject({ htm: 'POST', htu: `${ORIGIN}${REFRESH_URL}` });
    refresh.flush({ access_token: 'a2', refresh_token: 'r2', token_type: 'DPoP' });

    const retry = await nextRequest(backend);
    expect(retry.request.headers.get('Authorization')).toBe('DPoP a2');
    expect((await verifyProof(retry.request.headers.get('DPoP'))).claims['ath']).toBe(
      await sha256('a2'),
    );
    retry.flush({ ok: true });
    expect(received.values).toEqual([{ ok: true }]);
    expect(store.getAccessToken()).toBe('a2');
  });

  it('gives no proof to requests without a token, to foreign origins, and to skipped URLs', async () => {
    const { http, backend } = setUpDpop({ skipUrls: ['/api/auth/login'] });
    http.get(API).subscribe(); // no token in the store
    void TestBed.inject(TokenStore).setTokens({ accessToken: 'a1', refreshToken: 'r1' });
    http.get('https://elsewhere.example/data').subscribe();
    http.post('/api/auth/login', {}).subscribe();

    const sent = await requests(backend, 3);
    expect(sent.map((request) => request.request.headers.keys())).toEqual([[], [], []]);
    sent.forEach((request) => request.flush({}));
    expect(keys.loads).toBe(0);
  });

  it('proves SKIP_TOKEN_REFRESH requests too', async () => {
    const { http, backend } = signedIn();

    http.get(API, { context: new HttpContext().set(SKIP_TOKEN_REFRESH, true) }).subscribe();

    const sent = await nextRequest(backend);
    expect(sent.request.headers.get('Authorization')).toBe('DPoP a1');
    await verifyProof(sent.request.headers.get('DPoP'));
    sent.flush({});
  });

  describe('nonces', () => {
    it('resends a resource request once with the nonce a 401 "use_dpop_nonce" brought, without a refresh', async () => {
      const { http, backend } = signedIn({ maxRetries: 0 });
      const events = recordEvents();
      const received = record(http.get(API));

      (await nextRequest(backend)).flush(null, nonceChallenge401('n-1'));
      const resent = await nextRequest(backend);
      expect(resent.request.headers.get('Authorization')).toBe('DPoP a1');
      expect((await verifyProof(resent.request.headers.get('DPoP'))).claims['nonce']).toBe('n-1');
      resent.flush({ ok: true });

      expect(received.values).toEqual([{ ok: true }]);
      expect(events).toEqual([]);
    });

    it('remembers the latest nonce of each origin and puts it in the next proof for that origin', async () => {
      const { http, backend } = signedIn({ allowedOrigins: ['https://api.example'] });

      http.get(API).subscribe();
      (await nextRequest(backend)).flush({}, { headers: { 'DPoP-Nonce': 'own-1' } });
      http.get('https://api.example/x').subscribe();
      http.get(API).subscribe();

      const [foreign, own] = byUrl(await requests(backend, 2), ['https://api.example/x', API]);
      expect((await verifyProof(foreign.request.headers.get('DPoP'))).claims['nonce']).toBe(
        undefined,
      );
      expect((await verifyProof(own.request.headers.get('DPoP'))).claims['nonce']).toBe('own-1');
      foreign.flush({});
      own.flush({});
    });

    it('resends the refresh call once after a 400 "use_dpop_nonce" from the token endpoint', async () => {
      const { http, backend, store } = signedIn();
      http.get(API).subscribe();

      reject401(await nextRequest(backend));
      (await nextRequest(backend, REFRESH_URL)).flush(
        { error: 'use_dpop_nonce', error_description: 'nonce required' },
        { status: 400, statusText: 'Bad Request', headers: { 'DPoP-Nonce': 't-1' } },
      );
      const resent = await nextRequest(backend, REFRESH_URL);
      expect((await verifyProof(resent.request.headers.get('DPoP'))).claims['nonce']).toBe('t-1');
      resent.flush({ access_token: 'a2', token_type: 'DPoP' });

      (await nextRequest(backend)).flush({});
      expect(store.getAccessToken()).toBe('a2');
    });

    it('refreshes once for a burst of 401s that includes a nonce challenge', async () => {
      const { http, backend } = signedIn();
      const received = [
        record(http.get('/api/1')),
        record(http.get('/api/2')),
        record(http.get('/api/3')),
      ];

      const [first, second, third] = byUrl(await requests(backend, 3), [
        '/api/1',
        '/api/2',
        '/api/3',
      ]);
      reject401(first);
      second.flush(null, nonceChallenge401('n-1'));
      reject401(third);
      const refresh = await nextRequest(backend, REFRESH_URL);
      // The nonce resend of the second request went out while the refresh was in flight.
      reject401(await nextRequest(backend, '/api/2'));
      refresh.flush({ access_token: 'a2', token_type: 'DPoP' });

      const retries = await requests(backend, 3);
      // Each retry is signed on its own: they go out in the order their proofs are ready.
      expect(retries.map((request) => request.request.url).sort()).toEqual([
        '/api/1',
        '/api/2',
        '/api/3',
      ]);
      expect(retries.map((request) => request.request.headers.get('Authorization'))).toEqual([
        'DPoP a2',
        'DPoP a2',
        'DPoP a2',
      ]);
      retries.forEach((request) => request.flush({}));
      expect(received.map((one) => one.values.length)).toEqual([1, 1, 1]);
      backend.expectNone(REFRESH_URL);
    });

    it('fails with dpop-nonce-rejected, without a refresh, when the server asks for a nonce twice in a row', async () => {
      const { http, backend } = signedIn();
      const events = recordEvents();
      const received = record(http.get(API));

      (await nextRequest(backend)).flush(null, nonceChallenge401('n-1'));
      (await nextRequest(backend)).flush(null, nonceChallenge401('n-2'));

      await settled(received);
      expect(received.errors).toEqual([expect.any(TokenRefreshError)]);
      const error = received.errors[0] as TokenRefreshError;
      expect(error.code).toBe('dpop-nonce-rejected');
      // The answer as cause, without its body and headers, as in every error of the library.
      const cause = error.cause as HttpErrorResponse;
      expect(cause).toBeInstanceOf(HttpErrorResponse);
      expect([cause.status, cause.url, cause.error, cause.headers.keys()]).toEqual([
        401,
        API,
        null,
        [],
      ]);
      expect(events).toEqual([]);
    });

    it('keeps the session when the token endpoint asks for a nonce twice in a row', async () => {
      const { http, backend, store } = signedIn();
      const received = record(http.get(API));

      reject401(await nextRequest(backend));
      for (const nonce of ['t-1', 't-2']) {
        (await nextRequest(backend, REFRESH_URL)).flush(
          { error: 'use_dpop_nonce' },
          { status: 400, statusText: 'Bad Request', headers: { 'DPoP-Nonce': nonce } },
        );
      }

      await settled(received);
      expect((received.errors[0] as TokenRefreshError).code).toBe('dpop-nonce-rejected');
      expect(store.getRefreshToken()).toBe('r1');
    });

    it('does not resend a nonce challenge that brings no nonce it can read', async () => {
      const { http, backend } = signedIn();
      const received = record(http.get(API));

      (await nextRequest(backend)).flush(null, {
        status: 401,
        statusText: 'Unauthorized',
        headers: { 'WWW-Authenticate': 'DPoP error="use_dpop_nonce"' },
      });

      await settled(received);
      expect((received.errors[0] as TokenRefreshError).message).toMatch(
        /^NGTR211: .*Access-Control-Expose-Headers/,
      );
    });

    it('remembers the nonce of an error answer too', async () => {
      const { http, backend } = signedIn();
      const failed = record(http.get(API));
      (await nextRequest(backend)).flush(null, {
        status: 404,
        statusText: 'Not Found',
        headers: { 'DPoP-Nonce': 'e-1' },
      });
      expect(failed.errors).toEqual([expect.objectContaining({ status: 404 })]);

      http.get(API).subscribe();

      const next = await nextRequest(backend);
      expect((await verifyProof(next.request.headers.get('DPoP'))).claims['nonce']).toBe('e-1');
      next.flush({});
    });

    it('refreshes on a 401 whose DPoP challenge has another error, instead of resending it', async () => {
      const { http, backend } = signedIn();
      const received = record(http.get(API));

      (await nextRequest(backend)).flush(null, {
        status: 401,
        statusText: 'Unauthorized',
        headers: { 'WWW-Authenticate': 'DPoP error="invalid_token"', 'DPoP-Nonce': 'n-1' },
      });
      const refresh = await nextRequest(backend, REFRESH_URL);
      expect((await verifyProof(refresh.request.headers.get('DPoP'))).claims['nonce']).toBe('n-1');
      refresh.flush({ access_token: 'a2', token_type: 'DPoP' });
      const retry = await nextRequest(backend);
      expect(retry.request.headers.get('Authorization')).toBe('DPoP a2');
      retry.flush({ ok: true });

      expect(received.values).toEqual([{ ok: true }]);
    });

    it.each([
      ['a 401 with a Bearer challenge', 401, 'Bearer error="use_dpop_nonce"'],
      ['a 403 with a DPoP challenge', 403, 'DPoP error="use_dpop_nonce"'],
    ])(
      'passes %s for a nonce through untouched: only a 401 DPoP challenge asks for one',
      async (_, status, challenge) => {
        const { http, backend } = signedIn();
        const received = record(http.get(API));

        (await nextRequest(backend)).flush(null, {
          status,
          statusText: 'Refused',
          headers: { 'WWW-Authenticate': challenge, 'DPoP-Nonce': 'n-1' },
        });

        expect(received.errors).toEqual([expect.objectContaining({ status })]);
      },
    );

    it('lets the refresh fail as without DPoP on a 400 that is not "use_dpop_nonce"', async () => {
      const { http, backend, store } = signedIn();
      const received = record(http.get(API));

      reject401(await nextRequest(backend));
      (await nextRequest(backend, REFRESH_URL)).flush(
        { error: 'invalid_grant' },
        { status: 400, statusText: 'Bad Request' },
      );

      await settled(received);
      expect((received.errors[0] as TokenRefreshError).code).toBe('session-expired');
      expect(store.getRefreshToken()).toBeNull();
    });
  });

  describe('the token type', () => {
    it('fails the refresh with invalid-refresh-response, keeping the session, when token_type is not DPoP', async () => {
      const { http, backend, store } = signedIn();
      const received = record(http.get(API));

      reject401(await nextRequest(backend));
      (await nextRequest(backend, REFRESH_URL)).flush({ access_token: 'a2', token_type: 'Bearer' });

      await settled(received);
      const error = received.errors[0] as TokenRefreshError;
      expect(error.code).toBe('invalid-refresh-response');
      expect(error.message).toContain('token_type "Bearer"');
      expect(store.getAccessToken()).toBe('a1');
    });

    it('fails a sign-in sent through DpopService whose answer is not DPoP-bound', async () => {
      const { backend } = setUpDpop();
      const answer = firstValueFrom(
        TestBed.inject(DpopService)
          .sendTokenRequest(new HttpRequest('POST', '/oauth/token', ''))
          .pipe(filter((event) => event.type === HttpEventType.Response)),
      );

      (await nextRequest(backend, '/oauth/token')).flush({
        access_token: 'a1',
        token_type: 'Bearer',
      });

      await expect(answer).rejects.toMatchObject({ code: 'invalid-refresh-response' });
    });

    it.each([
      ['tokenType "Bearer"', { tokenType: 'Bearer' }],
      ['token_type "DPoP-Bearer"', { token_type: 'DPoP-Bearer' }],
      ['token_type "not-DPoP"', { token_type: 'not-DPoP' }],
    ])('fails the refresh with invalid-refresh-response on %s', async (_, tokenType) => {
      signedIn();

      const refreshed = TestBed.inject(TokenRefreshService).refresh();
      (await nextRequest(TestBed.inject(HttpTestingController), REFRESH_URL)).flush({
        access_token: 'a2',
        ...tokenType,
      });

      await expect(refreshed).rejects.toMatchObject({ code: 'invalid-refresh-response' });
      expect(TestBed.inject(TokenStore).getAccessToken()).toBe('a1');
    });

    it('accepts "dpop" in any case, and an answer without token_type', async () => {
      const { http, backend } = signedIn();
      const service = TestBed.inject(TokenRefreshService);

      const first = service.refresh();
      (await nextRequest(backend, REFRESH_URL)).flush({ access_token: 'a2', token_type: 'dpop' });
      await first;
      const second = service.refresh();
      (await nextRequest(backend, REFRESH_URL)).flush({ access_token: 'a3' });
      await second;

      http.get(API).subscribe();
      (await nextRequest(backend)).flush({});
      expect(TestBed.inject(TokenStore).getAccessToken()).toBe('a3');
    });
  });

  describe('the key', () => {
    it('is made once, non-extractable, and found again by the next app on the same store', async () => {
      const first = signedIn();
      const service = TestBed.inject(DpopService);
      const thumbprint = await service.thumbprint();
      expect(keys.stored?.privateKey.extractable).toBe(false);
      const privateKey = keys.stored?.privateKey as webcrypto.CryptoKey;
      await expect(webcrypto.subtle.exportKey('jwk', privateKey)).rejects.toThrow();
      first.http.get(API).subscribe();
      const sent = await nextRequest(first.backend);
      const proof = await verifyProof(sent.request.headers.get('DPoP'));
      expect(await jwkThumbprint(proof.header['jwk'] as JsonWebKey)).toBe(thumbprint);
      sent.flush({});

      TestBed.resetTestingModule(); // a reload: a new app, the same key store
      signedIn();
      expect(await TestBed.inject(DpopService).thumbprint()).toBe(thumbprint);
      expect(keys.adds).toBe(1);
    });

    it('is replaced after clearSession()', async () => {
      signedIn();
      const service = TestBed.inject(DpopService);
      const before = await service.thumbprint();

      await TestBed.inject(TokenRefreshService).clearSession();

      expect(keys.clears).toBe(1);
      expect(await service.thumbprint()).not.toBe(before);
      expect(keys.adds).toBe(2);
    });

    it('takes the key another tab added first', async () => {
      const other = await webcrypto.subtle.generateKey(
        { name: 'ECDSA', namedCurve: 'P-256' },
        false,
        ['sign', 'verify'],
      );
      keys.raceWith = other as CryptoKeyPair;
      signedIn();

      const thumbprint = await TestBed.inject(DpopService).thumbprint();

      const jwk = await webcrypto.subtle.exportKey('jwk', other.publicKey);
      expect(thumbprint).toBe(await jwkThumbprint(jwk));
    });

    it('hashes each access token once, however many requests carry it', async () => {
      const ath = await sha256('a1');
      const digest = jest.spyOn(webcrypto.subtle, 'digest');
      const { http, backend } = signedIn();

      http.get('/api/1').subscribe();
      http.get('/api/2').subscribe();
      http.get('/api/3').subscribe();

      const sent = await requests(backend, 3);
      for (const request of sent) {
        expect((await verifyProof(request.request.headers.get('DPoP'))).claims['ath']).toBe(ath);
        request.flush({});
      }
      expect(hashesOf(digest, 'a1')).toBe(1);
      digest.mockRestore();
    });

    it('asks the key store again at the next proof after it failed', async () => {
      keys.failure = new Error('The database connection is closing.');
      const { http, backend } = signedIn();
      const failed = record(http.get(API));
      await settled(failed);
      expect((failed.errors[0] as TokenRefreshError).code).toBe('dpop-unavailable');

      keys.failure = null;
      http.get(API).subscribe();

      const sent = await nextRequest(backend);
      await verifyProof(sent.request.headers.get('DPoP'));
      sent.flush({});
      expect(keys.loads).toBe(2);
    });

    it('keeps the new key when a load from before clearSession() fails late', async () => {
      let failLateLoad: (error: Error) => void = () => undefined;
      keys.nextLoad = new Promise((_, reject) => {
        failLateLoad = reject;
      });
      signedIn();
      const service = TestBed.inject(DpopService);
      const late = service.thumbprint();
      await TestBed.inject(TokenRefreshService).clearSession();
      const thumbprint = await service.thumbprint();

      failLateLoad(new Error('The database connection is closing.'));

      await expect(late).rejects.toMatchObject({ code: 'dpop-unavailable' });
      expect(await service.thumbprint()).toBe(thumbprint);
      expect(keys.loads).toBe(2);
    });

    it('fails clearSession() with dpop-unavailable, naming the key store, when it fails to clear', async () => {
      const { store } = signedIn();
      await TestBed.inject(DpopService).thumbprint();
      keys.failure = new Error('The database connection is closing.');

      const cleared = TestBed.inject(TokenRefreshService).clearSession();

      await expect(cleared).rejects.toMatchObject({
        code: 'dpop-unavailable',
        cause: keys.failure,
      });
      await expect(cleared).rejects.toThrow(
        /^NGTR210: withDpop\(\): the DpopKeyStore failed to clear/,
      );
      expect(store.getAccessToken()).toBeNull();
    });

    it('signs with ES384 on P-384 when asked', async () => {
      const { http, backend } = signedIn({}, { algorithm: 'ES384' });

      http.get(API).subscribe();

      const sent = await nextRequest(backend);
      const proof = await verifyProof(sent.request.headers.get('DPoP'));
      expect(proof.header).toMatchObject({ alg: 'ES384', jwk: { crv: 'P-384' } });
      sent.flush({});
    });
  });

  describe('where a proof cannot be made', () => {
    it('fails the request with dpop-unavailable, naming WebCrypto, and sends nothing', async () => {
      Object.defineProperty(globalThis, 'crypto', { value: jsdomCrypto, configurable: true });
      const { http, backend } = signedIn();

      const received = record(http.get(API));

      await settled(received);
      expect((received.errors[0] as TokenRefreshError).code).toBe('dpop-unavailable');
      expect((received.errors[0] as Error).message).toMatch(/^NGTR210: .*crypto\.subtle/);
      backend.expectNone(API);
    });

    it("rejects DpopService's thumbprint() with dpop-unavailable without WebCrypto", async () => {
      Object.defineProperty(globalThis, 'crypto', { value: jsdomCrypto, configurable: true });
      setUpDpop();

      await expect(TestBed.inject(DpopService).thumbprint()).rejects.toMatchObject({
        code: 'dpop-unavailable',
      });
      expect(keys.loads).toBe(0);
    });

    it('fails with dpop-unavailable, naming the key store, when it fails (no IndexedDB)', async () => {
      keys.failure = new Error('IndexedDB is not available');
      const { http, backend } = signedIn();

      const received = record(http.get(API));

      await settled(received);
      const error = received.errors[0] as TokenRefreshError;
      expect(error.code).toBe('dpop-unavailable');
      expect(error.message).toMatch(/DpopKeyStore failed/);
      expect(error.cause).toBe(keys.failure);
      backend.expectNone(API);
    });
  });

  it('sends the sign-in through DpopService with a proof and the nonce dance', async () => {
    const { backend } = setUpDpop();
    const dpop = TestBed.inject(DpopService);
    const answer = firstValueFrom(
      dpop
        .sendTokenRequest(new HttpRequest('POST', '/oauth/token', 'grant_type=authorization_code'))
        .pipe(filter((event) => event.type === HttpEventType.Response)),
    );

    (await nextRequest(backend, '/oauth/token')).flush(
      { error: 'use_dpop_nonce' },
      { status: 400, statusText: 'Bad Request', headers: { 'DPoP-Nonce': 's-1' } },
    );
    const resent = await nextRequest(backend, '/oauth/token');
    expect(resent.request.headers.has('Authorization')).toBe(false);
    expect((await verifyProof(resent.request.headers.get('DPoP'))).claims).toMatchObject({
      htm: 'POST',
      htu: `${ORIGIN}/oauth/token`,
      nonce: 's-1',
    });
    resent.flush({ access_token: 'a1', token_type: 'DPoP' });
    expect((await answer).body).toEqual({ access_token: 'a1', token_type: 'DPoP' });
  });

  it('sends the sign-in through DpopService without the access token of the session in the store', async () => {
    const { backend } = signedIn();
    const answer = firstValueFrom(
      TestBed.inject(DpopService)
        .sendTokenRequest(new HttpRequest('POST', '/oauth/token', 'grant_type=authorization_code'))
        .pipe(filter((event) => event.type === HttpEventType.Response)),
    );

    const sent = await nextRequest(backend, '/oauth/token');
    expect(sent.request.headers.has('Authorization')).toBe(false);
    const proof = await verifyProof(sent.request.headers.get('DPoP'));
    expect(Object.keys(proof.claims)).toEqual(['jti', 'htm', 'htu', 'iat']);
    sent.flush({ access_token: 'a2', token_type: 'DPoP' });
    expect((await answer).body).toEqual({ access_token: 'a2', token_type: 'DPoP' });
  });

  it('works with the OAuth 2.0 refresh grant', async () => {
    const { http, backend } = signedIn({
      buildRefreshRequest: oauth2RefreshGrant({ clientId: 'spa' }),
    });
    http.get(API).subscribe();
    reject401(await nextRequest(backend));
    const refresh = await nextRequest(backend, REFRESH_URL);
    expect(refresh.request.body).toBe('grant_type=refresh_token&refresh_token=r1&client_id=spa');
    await verifyProof(refresh.request.headers.get('DPoP'));
    refresh.flush({ access_token: 'a2', token_type: 'DPoP' });
    (await nextRequest(backend)).flush({});
  });

  describe('on a server', () => {
    it('is inert: no key, no proof, the request goes out as without the feature', async () => {
      const { http, backend } = setUpDpop({}, {}, [{ provide: PLATFORM_ID, useValue: 'server' }]);
      void TestBed.inject(TokenStore).setTokens({ accessToken: 'a1' });

      http.get(API).subscribe();

      const sent = backend.expectOne(API);
      expect(sent.request.headers.get('Authorization')).toBe('Bearer a1');
      expect(sent.request.headers.has('DPoP')).toBe(false);
      sent.flush({});
      await Promise.resolve();
      expect(keys.loads + keys.adds).toBe(0);
    });
  });

  function setUpDpop(
    config: Partial<TokenRefreshConfig> = {},
    options: DpopOptions = {},
    providers: Provider[] = [],
  ) {
    return setUp(config, [...withDpop({ keyStore: keys, ...options }).ɵproviders, ...providers]);
  }

  function signedIn(config: Partial<TokenRefreshConfig> = {}, options: DpopOptions = {}) {
    const setup = setUpDpop(config, options);
    void setup.store.setTokens({ accessToken: 'a1', refreshToken: 'r1' });
    return setup;
  }
});

describe('withDpop() with withCrossTab()', () => {
  let keys: MemoryKeyStore;
  let browser: FakeBrowser;

  beforeEach(() => {
    keys = new MemoryKeyStore();
    browser = new FakeBrowser();
  });
  afterEach(() => browser.verify());

  it('reads the key afresh, leaving the store alone, when another tab ended the session', async () => {
    const [tabA, tabB] = openSignedInTabs();
    tabA.http.get(API).subscribe();
    const first = await nextRequest(tabA.backend);
    const firstKey = (await verifyProof(first.request.headers.get('DPoP'))).header['jwk'];
    first.flush({});

    await tabB.injector.get(TokenRefreshService).clearSession();
    await until(() => tabA.store.getAccessToken() === null); // tab A heard of it
    const newThumbprint = await tabB.injector.get(DpopService).thumbprint(); // B signs in again
    tabA.store.setTokens({ accessToken: 'a2', refreshToken: 'r2' });
    tabA.http.get(API).subscribe();

    const next = await nextRequest(tabA.backend);
    const nextKey = (await verifyProof(next.request.headers.get('DPoP'))).header['jwk'];
    next.flush({});
    expect(nextKey).not.toEqual(firstKey);
    expect(await jwkThumbprint(nextKey as JsonWebKey)).toBe(newThumbprint);
    expect(keys.clears).toBe(1);
  });

  it('keeps the key it holds when another tab refreshed the session', async () => {
    const [tabA, tabB] = openSignedInTabs();
    tabA.http.get(API).subscribe();
    (await nextRequest(tabA.backend)).flush({});
    tabB.http.get(API).subscribe();
    reject401(await nextRequest(tabB.backend));
    (await nextRequest(tabB.backend, REFRESH_URL)).flush({
      access_token: 'a2',
      token_type: 'DPoP',
    });
    (await nextRequest(tabB.backend)).flush({});
    await until(() => tabA.store.getAccessToken() === 'a2'); // tab A adopted the new token
    const loads = keys.loads;

    tabA.http.get(API).subscribe();

    const sent = await nextRequest(tabA.backend);
    expect(sent.request.headers.get('Authorization')).toBe('DPoP a2');
    await verifyProof(sent.request.headers.get('DPoP'));
    sent.flush({});
    expect(keys.loads).toBe(loads);
  });

  function openSignedInTabs() {
    return [
      browser.openTab({}, [withDpop({ keyStore: keys })]),
      browser.openTab({}, [withDpop({ keyStore: keys })]),
    ].map((tab) => {
      tab.store.setTokens({ accessToken: 'a1', refreshToken: 'r1' });
      return tab;
    });
  }
});

describe('withDpop() options', () => {
  it('rejects an algorithm it does not sign with, naming the option', () => {
    expect(() => withDpop({ algorithm: 'RS256' as 'ES256' })).toThrow(
      'NGTR101: provideTokenRefresh: "withDpop.algorithm" must be "ES256" or "ES384", got "RS256".',
    );
  });
});

/**
 * A key store in memory that counts its calls; `raceWith` plays another tab that adds first, and
 * `failure` fails load() and clear().
 */
@Injectable()
class MemoryKeyStore extends DpopKeyStore {
  stored: CryptoKeyPair | null = null;
  raceWith: CryptoKeyPair | null = null;
  failure: Error | null = null;
  /** What the next load() answers, once, instead of what is stored. */
  nextLoad: Promise<CryptoKeyPair | null> | null = null;
  loads = 0;
  adds = 0;
  clears = 0;

  load(): Promise<CryptoKeyPair | null> {
    this.loads++;
    const { nextLoad } = this;
    if (nextLoad) {
      this.nextLoad = null;
      return nextLoad;
    }
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(this.stored);
  }

  add(pair: CryptoKeyPair): CryptoKeyPair {
    this.adds++;
    this.stored ??= this.raceWith ?? pair;
    return this.stored;
  }

  clear(): void {
    this.clears++;
    if (this.failure) {
      throw this.failure;
    }
    this.stored = null;
  }
}

/** The next open request to `url` (the API by default), once its proof has been signed. */
async function nextRequest(backend: HttpTestingController, url = API): Promise<TestRequest> {
  for (let turn = 0; turn < 200; turn++) {
    const open = backend.match(url);
    if (open.length > 1) {
      throw new Error(`${open.length} requests to ${url} were sent at once`);
    }
    if (open.length === 1) {
      return open[0];
    }
    await macrotask(); // signing is real WebCrypto work, finished outside the microtask queue
  }
  throw new Error(`no request to ${url} was sent`);
}

/** The next `count` requests sent, in the order they went out. */
async function requests(backend: HttpTestingController, count: number): Promise<TestRequest[]> {
  const sent: TestRequest[] = [];
  for (let turn = 0; turn < 200; turn++) {
    sent.push(...backend.match(() => true)); // match() takes them out of the open requests
    if (sent.length >= count) {
      return sent;
    }
    await macrotask();
  }
  throw new Error(`fewer than ${count} requests were sent`);
}

/** `sent`, in the order of `urls`. */
function byUrl(sent: TestRequest[], urls: string[]): TestRequest[] {
  return urls.map((url) => {
    const request = sent.find((one) => one.request.url === url);
    if (request === undefined) {
      throw new Error(
        `no request to ${url} among ${sent.map((one) => one.request.url).join(', ')}`,
      );
    }
    return request;
  });
}

async function settled(received: { errors: unknown[]; values: unknown[] }): Promise<void> {
  for (let turn = 0; turn < 200 && received.errors.length === 0; turn++) {
    await macrotask();
  }
}

/** Waits, a macrotask at a time, until `condition` holds. */
async function until(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 200 && !condition(); turn++) {
    await macrotask();
  }
  expect(condition()).toBe(true);
}

function macrotask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function recordEvents(): string[] {
  const events: string[] = [];
  TestBed.inject(TokenRefreshService).events.subscribe((event) => events.push(event.type));
  return events;
}

/** How many times `digest` hashed `text`. */
function hashesOf(digest: { mock: { calls: unknown[][] } }, text: string): number {
  return digest.mock.calls.filter(([, data]) => Buffer.from(data as Uint8Array).toString() === text)
    .length;
}

function nonceChallenge401(nonce: string) {
  return {
    status: 401,
    statusText: 'Unauthorized',
    headers: {
      'WWW-Authenticate': 'DPoP algs="ES256", error="use_dpop_nonce", error_description="nonce"',
      'DPoP-Nonce': nonce,
    },
  };
}

/** Verifies a proof's signature with the public key in its own header; returns its parts. */
async function verifyProof(proof: string | null) {
  expect(typeof proof).toBe('string');
  const [header, claims, signature] = (proof ?? '').split('.');
  const decodedHeader = decode(header);
  const jwk = decodedHeader['jwk'] as JsonWebKey;
  const curve = jwk.crv === 'P-384' ? { hash: 'SHA-384' } : { hash: 'SHA-256' };
  const key = await webcrypto.subtle.importKey(
    'jwk',
    jwk,
    { name: 'ECDSA', namedCurve: jwk.crv ?? '' },
    false,
    ['verify'],
  );
  const isValid = await webcrypto.subtle.verify(
    { name: 'ECDSA', ...curve },
    key,
    Buffer.from(signature, 'base64url'),
    Buffer.from(`${header}.${claims}`),
  );
  expect(isValid).toBe(true);
  return { header: decodedHeader, claims: decode(claims), signature };
}

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString()) as Record<string, unknown>;
}

async function sha256(text: string): Promise<string> {
  return Buffer.from(await webcrypto.subtle.digest('SHA-256', Buffer.from(text))).toString(
    'base64url',
  );
}

async function jwkThumbprint({ crv, kty, x, y }: JsonWebKey): Promise<string> {
  return sha256(JSON.stringify({ crv, kty, x, y }));
}

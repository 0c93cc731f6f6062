// A user's TestBed test of an app that uses withDpop(): the testing entry point's key store in place
// of IndexedDB, and Node's WebCrypto lent to jsdom.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import {
  provideTokenRefresh,
  TokenRefreshService,
  tokenRefreshInterceptor,
  withDpop,
} from 'ngx-token-refresh';
import { provideTokenRefreshTesting, TestingDpopKeyStore } from 'ngx-token-refresh/testing';
import { webcrypto } from 'node:crypto';

const jsdomCrypto = globalThis.crypto;

describe('an app with withDpop() under TestBed', () => {
  beforeEach(() => {
    Object.defineProperty(globalThis, 'crypto', { value: webcrypto, configurable: true });
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }, withDpop()),
        provideTokenRefreshTesting({ signedInAs: { accessToken: 'a1', refreshToken: 'r1' } }),
      ],
    });
  });

  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    Object.defineProperty(globalThis, 'crypto', { value: jsdomCrypto, configurable: true });
  });

  it('sends a DPoP proof made with the testing key, and a new key after clearSession()', async () => {
    const backend = TestBed.inject(HttpTestingController);
    const keys = TestBed.inject(TestingDpopKeyStore);

    TestBed.inject(HttpClient).get('/api/orders').subscribe();
    const sent = await firstRequest(backend, '/api/orders');

    expect(sent.request.headers.get('Authorization')).toBe('DPoP a1');
    const [header] = (sent.request.headers.get('DPoP') ?? '').split('.');
    expect(JSON.parse(atob(header.replace(/-/g, '+').replace(/_/g, '/')))).toMatchObject({
      typ: 'dpop+jwt',
      alg: 'ES256',
    });
    expect(keys.pair?.privateKey.extractable).toBe(false);
    sent.flush({});

    await TestBed.inject(TokenRefreshService).clearSession();
    expect(keys.clears).toBe(1);
    expect(keys.pair).toBeNull();
  });
});

/** The request to `url`, once its proof is signed (real WebCrypto work, outside the microtasks). */
async function firstRequest(backend: HttpTestingController, url: string) {
  for (let turn = 0; turn < 200; turn++) {
    const found = backend.match(url);
    if (found.length > 0) {
      return found[0];
    }
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  throw new Error(`no request to ${url}`);
}

// The README's "Testing your app" example, run as written: a user's own test of a refresh burst.
import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';
import { provideTokenRefresh, tokenRefreshInterceptor } from 'ngx-token-refresh';
import { fakeJwt, provideTokenRefreshTesting, TestingTokenStore } from 'ngx-token-refresh/testing';

describe('OrdersService with ngx-token-refresh (README example)', () => {
  let http: HttpClient;
  let backend: HttpTestingController;
  let tokens: TestingTokenStore;

  beforeEach(() => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),
        provideTokenRefreshTesting({ signedInAs: { accessToken: 'a1', refreshToken: 'r1' } }),
      ],
    });
    http = TestBed.inject(HttpClient);
    backend = TestBed.inject(HttpTestingController);
    tokens = TestBed.inject(TestingTokenStore);
  });

  afterEach(() => backend.verify());

  it('refreshes once when three calls fail with 401, and retries each with the new token', () => {
    const results: unknown[] = [];
    ['/api/orders', '/api/invoices', '/api/me'].forEach((url) =>
      http.get(url).subscribe((body) => results.push(body)),
    );

    backend
      .match((request) => request.url !== '/api/auth/refresh')
      .forEach((request) => request.flush(null, { status: 401, statusText: 'Unauthorized' }));
    const refresh = backend.expectOne('/api/auth/refresh');
    expect(refresh.request.body).toEqual({ refreshToken: 'r1' });
    refresh.flush({ accessToken: 'a2', refreshToken: 'r2' });

    const retries = backend.match(() => true);
    expect(retries.map((request) => request.request.headers.get('Authorization'))).toEqual([
      'Bearer a2',
      'Bearer a2',
      'Bearer a2',
    ]);
    retries.forEach((request) => request.flush({ url: request.request.url }));
    expect(results).toHaveLength(3);
    expect(tokens.writes).toEqual([
      { accessToken: 'a2', refreshToken: 'r2', expiresAt: undefined },
    ]);
  });

  it('refreshes before sending when the test expires the access token', () => {
    tokens.expireAccessToken();

    http.get('/api/orders').subscribe();

    backend.expectOne('/api/auth/refresh').flush({ accessToken: 'a2' });
    expect(backend.expectOne('/api/orders').request.headers.get('Authorization')).toBe('Bearer a2');
  });

  it('clears the store once when the refresh is rejected', () => {
    http.get('/api/orders').subscribe({ error: () => undefined });
    backend.expectOne('/api/orders').flush(null, { status: 401, statusText: 'Unauthorized' });
    backend.expectOne('/api/auth/refresh').flush(null, { status: 401, statusText: 'Unauthorized' });

    expect(tokens.clears).toBe(1);
    expect(tokens.getAccessToken()).toBeNull();
  });
});

describe('fakeJwt', () => {
  it('makes a JWT whose exp lies the given number of seconds from now, with the given claims', () => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    try {
      const [, payload] = fakeJwt({ expiresInSeconds: -5, claims: { sub: 'ada' } }).split('.');
      const decoded = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as unknown;
      expect(decoded).toEqual({ sub: 'ada', exp: Date.parse('2026-01-01T00:00:00Z') / 1000 - 5 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('is refreshed proactively by the library when already expired', () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: '/api/auth/refresh' }),
        provideTokenRefreshTesting({
          signedInAs: { accessToken: fakeJwt({ expiresInSeconds: -5 }), refreshToken: 'r1' },
        }),
      ],
    });
    const backend = TestBed.inject(HttpTestingController);

    TestBed.inject(HttpClient).get('/api/orders').subscribe();

    backend.expectOne('/api/auth/refresh').flush({ accessToken: 'a2' });
    backend.expectOne('/api/orders').flush({});
    backend.verify();
  });
});

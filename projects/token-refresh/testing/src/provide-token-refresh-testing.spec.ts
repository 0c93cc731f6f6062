import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { EnvironmentProviders } from '@angular/core';
import { TestBed } from '@angular/core/testing';
import {
  MemoryTokenStore,
  provideTokenRefresh,
  TokenRefreshConfig,
  tokenRefreshInterceptor,
  TokenStore,
  WebStorageTokenStore,
} from 'ngx-token-refresh';
import { provideTokenRefreshTesting, TestingTokenStore } from 'ngx-token-refresh/testing';

const STORES: [string, TokenRefreshConfig['store']][] = [
  ['no store option', undefined],
  ['a store instance', new MemoryTokenStore()],
  ['a store class', WebStorageTokenStore],
];
const ORDERS: [string, boolean][] = [
  ['after', true],
  ['before', false],
];

describe('provideTokenRefreshTesting', () => {
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    localStorage.clear();
  });

  describe.each(STORES)('with %s in provideTokenRefresh', (_, store) => {
    it.each(ORDERS)(
      'replaces the store when placed %s provideTokenRefresh: the signed-in token is sent and a refresh is written to it',
      (_order, isAfter) => {
        const testing = provideTokenRefreshTesting({
          signedInAs: { accessToken: 'test-access', refreshToken: 'test-refresh' },
        });
        const wiring = provideTokenRefresh({ refreshUrl: '/api/auth/refresh', store });
        const { http, backend } = configure(isAfter ? [wiring, testing] : [testing, wiring]);
        const tokens = TestBed.inject(TestingTokenStore);

        expect(TestBed.inject(TokenStore)).toBe(tokens);
        http.get('/api/orders').subscribe();
        const first = backend.expectOne('/api/orders');
        expect(first.request.headers.get('Authorization')).toBe('Bearer test-access');
        first.flush(null, { status: 401, statusText: 'Unauthorized' });
        const refresh = backend.expectOne('/api/auth/refresh');
        expect(refresh.request.body).toEqual({ refreshToken: 'test-refresh' });
        refresh.flush({ accessToken: 'test-access-2' });
        expect(backend.expectOne('/api/orders').request.headers.get('Authorization')).toBe(
          'Bearer test-access-2',
        );
        expect(tokens.writes).toEqual([
          { accessToken: 'test-access-2', refreshToken: 'test-refresh', expiresAt: undefined },
        ]);
      },
    );
  });
});

function configure(providers: EnvironmentProviders[]): {
  http: HttpClient;
  backend: HttpTestingController;
} {
  TestBed.configureTestingModule({
    providers: [
      provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
      provideHttpClientTesting(),
      ...providers,
    ],
  });
  return { http: TestBed.inject(HttpClient), backend: TestBed.inject(HttpTestingController) };
}

import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { NgModule, NgZone, provideZoneChangeDetection } from '@angular/core';
import { fakeAsync, flush, TestBed } from '@angular/core/testing';

import { provideTokenRefresh } from './provide-token-refresh';
import { bearerOf, expectRefresh, record, reject401, REFRESH_URL } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { TokenStore } from './token-store';

describe('in a zone.js app', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('refreshes once for a burst inside the Angular zone and leaves no timer pending', fakeAsync(
    () => {
      TestBed.configureTestingModule({
        providers: [
          provideZoneChangeDetection(),
          provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
          provideHttpClientTesting(),
          provideTokenRefresh({ refreshUrl: REFRESH_URL }),
        ],
      });
      expect(NgZone.isInAngularZone()).toBe(false);
      // zone.js is really loaded, and fakeAsync runs this test in its ProxyZone.
      expect((globalThis as { Zone?: { current: { name: string } } }).Zone?.current.name).toBe(
        'ProxyZone',
      );
      void TestBed.inject(TokenStore).setTokens({
        accessToken: 'access-1',
        refreshToken: 'refresh-1',
      });
      const http = TestBed.inject(HttpClient);
      const backend = TestBed.inject(HttpTestingController);

      const results = TestBed.inject(NgZone).run(() => [
        record(http.get('/api/a')),
        record(http.get('/api/b')),
      ]);
      backend.match(() => true).forEach(reject401);
      expectRefresh(backend).flush({ accessToken: 'access-2' });
      const retries = backend.match(() => true);
      expect(retries.map(bearerOf)).toEqual(['Bearer access-2', 'Bearer access-2']);
      retries.forEach((retry) => retry.flush('ok'));

      expect(results.map((result) => result.values)).toEqual([['ok'], ['ok']]);
      // With flush: false, fakeAsync fails the test if the refresh left a timer (its timeout) queued.
    },
    { flush: false },
  ));

  it('fails the waiters with refresh-timeout on fakeAsync time', fakeAsync(() => {
    TestBed.configureTestingModule({
      providers: [
        provideZoneChangeDetection(),
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL, refreshTimeout: 2000 }),
      ],
    });
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });
    const backend = TestBed.inject(HttpTestingController);

    const result = record(TestBed.inject(HttpClient).get('/api/a'));
    reject401(backend.expectOne('/api/a'));
    const refresh = expectRefresh(backend);
    flush();

    expect(result.errors[0]).toMatchObject({ code: 'refresh-timeout' });
    expect(refresh.cancelled).toBe(true);
  }));
});

describe('in an NgModule-based app', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('works with provideHttpClient and provideTokenRefresh in the module providers', () => {
    @NgModule({
      providers: [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL, skipUrls: ['/api/auth/login'] }),
      ],
    })
    class AppModule {}
    TestBed.configureTestingModule({ imports: [AppModule] });
    void TestBed.inject(TokenStore).setTokens({
      accessToken: 'access-1',
      refreshToken: 'refresh-1',
    });
    const backend = TestBed.inject(HttpTestingController);

    const result = record(TestBed.inject(HttpClient).get('/api/a'));
    const first = backend.expectOne('/api/a');
    expect(bearerOf(first)).toBe('Bearer access-1');
    reject401(first);
    expectRefresh(backend).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/a').flush('ok');

    expect(result.values).toEqual(['ok']);
  });
});

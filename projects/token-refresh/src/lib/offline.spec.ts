import { HttpErrorResponse } from '@angular/common/http';
import { HttpTestingController, TestRequest } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { TokenRefreshError } from './errors';
import { bearerOf, expectRefresh, record, reject401, setUp } from './spec-helpers';
import { TokenRefreshEvent } from './token-refresh-events';
import { TokenRefreshService } from './token-refresh-service';
import { withOfflineHold } from './with-offline-hold';

describe('offline refresh', () => {
  let onLine: jest.SpyInstance<boolean>;
  beforeEach(() => {
    jest.useFakeTimers();
    onLine = jest.spyOn(navigator, 'onLine', 'get').mockReturnValue(true);
  });
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    onLine.mockRestore();
    jest.useRealTimers();
  });

  describe('without withOfflineHold()', () => {
    it('fails every waiter with code offline, keeps the session, and the state says offline until online', () => {
      const expired: string[] = [];
      const { http, backend, store } = setUp({ onSessionExpired: () => expired.push('expired') });
      const service = TestBed.inject(TokenRefreshService);
      const events = recordEvents(service);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const results = Array.from({ length: 3 }, () => record(http.get('/api/orders')));
      backend.match('/api/orders').forEach(reject401);
      goOffline(onLine);
      noAnswer(expectRefresh(backend));

      const codes = results.map((result) => (result.errors[0] as TokenRefreshError).code);
      expect(codes).toEqual(['offline', 'offline', 'offline']);
      expect(new Set(results.map((result) => result.errors[0])).size).toBe(1);
      expect((results[0].errors[0] as Error).message).toMatch(/^NGTR209: /);
      expect(service.state()).toBe('offline');
      expect(store.getRefreshToken()).toBe('refresh-1');
      expect(expired).toEqual([]);
      expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-failed']);

      goOnline(onLine);
      expect(service.state()).toBe('idle');
    });

    it('fails with refresh-failed, not offline, when the browser says it is online', () => {
      const { http, backend, store } = setUp();
      const service = TestBed.inject(TokenRefreshService);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get('/api/orders'));
      reject401(backend.expectOne('/api/orders'));
      noAnswer(expectRefresh(backend));

      expect((result.errors[0] as TokenRefreshError).code).toBe('refresh-failed');
      expect(service.state()).toBe('idle');
    });

    it('leaves offline for refreshing when the next refresh starts before the browser is online', () => {
      const { http, backend, store } = setUp();
      const service = TestBed.inject(TokenRefreshService);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      http.get('/api/a').subscribe({ error: () => undefined });
      reject401(backend.expectOne('/api/a'));
      goOffline(onLine);
      noAnswer(expectRefresh(backend));

      void service.refresh();
      expect(service.state()).toBe('refreshing');
      goOnline(onLine);
      expect(service.state()).toBe('refreshing');
      expectRefresh(backend).flush({ accessToken: 'access-2' });
      expect(service.state()).toBe('idle');
    });

    it('listens for online only after an offline failure: other failures leave no listener behind', () => {
      const { http, backend, store } = setUp();
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
      const addListener = jest.spyOn(window, 'addEventListener');
      http.get('/api/a').subscribe({ error: () => undefined });
      reject401(backend.expectOne('/api/a'));

      expectRefresh(backend).flush('down', { status: 503, statusText: 'Service Unavailable' });

      expect(addListener.mock.calls.filter(([type]) => type === 'online')).toEqual([]);
      addListener.mockRestore();
    });
  });

  describe('with withOfflineHold()', () => {
    it('parks every waiter while offline, then refreshes once on online and retries each once', () => {
      const { http, backend, store } = setUp({}, [...withOfflineHold().ɵproviders]);
      const service = TestBed.inject(TokenRefreshService);
      const events = recordEvents(service);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const results = Array.from({ length: 50 }, (_, i) => record(http.get(`/api/items/${i}`)));
      backend.match((request) => request.url.startsWith('/api/items/')).forEach(reject401);
      goOffline(onLine);
      noAnswer(expectRefresh(backend));

      expect(service.state()).toBe('offline');
      jest.advanceTimersByTime(59_000);
      backend.expectNone(() => true);
      expect(results.every((result) => result.errors.length === 0 && !result.completed)).toBe(true);

      goOnline(onLine);
      expect(service.state()).toBe('refreshing');
      expectRefresh(backend).flush({ accessToken: 'access-2' });
      const retries = backend.match((request) => request.url.startsWith('/api/items/'));
      expect(retries).toHaveLength(50);
      expect(retries.every((retry) => bearerOf(retry) === 'Bearer access-2')).toBe(true);
      retries.forEach((retry) => retry.flush('ok'));

      expect(results.every((result) => result.values[0] === 'ok' && result.completed)).toBe(true);
      expect(service.state()).toBe('idle');
      expect(events.map((event) => event.type)).toEqual(['refresh-started', 'refresh-succeeded']);
      goOnline(onLine);
      backend.expectNone(() => true);
    });

    it('fails the waiters with code offline after the timeout, keeping the session', () => {
      const { http, backend, store } = setUp({}, [
        ...withOfflineHold({ timeout: 5000 }).ɵproviders,
      ]);
      const service = TestBed.inject(TokenRefreshService);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get('/api/orders'));
      reject401(backend.expectOne('/api/orders'));
      goOffline(onLine);
      noAnswer(expectRefresh(backend));
      jest.advanceTimersByTime(4999);
      expect(result.errors).toEqual([]);
      jest.advanceTimersByTime(1);

      expect((result.errors[0] as TokenRefreshError).code).toBe('offline');
      expect(service.state()).toBe('offline');
      expect(store.getRefreshToken()).toBe('refresh-1');
      goOnline(onLine);
      backend.expectNone(() => true);
      expect(service.state()).toBe('idle');
    });

    it('lets an unsubscribed request leave the wait; the others are still retried', () => {
      const { http, backend, store } = setUp({}, [...withOfflineHold().ɵproviders]);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const leaving = record(http.get('/api/a'));
      const staying = record(http.get('/api/b'));
      backend.match(() => true).forEach(reject401);
      goOffline(onLine);
      noAnswer(expectRefresh(backend));
      leaving.subscription.unsubscribe();

      goOnline(onLine);
      expectRefresh(backend).flush({ accessToken: 'access-2' });
      backend.expectOne('/api/b').flush('b');
      expect(staying.values).toEqual(['b']);
      expect(leaving.values).toEqual([]);
      expect(leaving.errors).toEqual([]);
    });

    it('fails at once, without waiting, when the failure is not an offline one', () => {
      const { http, backend, store } = setUp({}, [...withOfflineHold().ɵproviders]);
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get('/api/orders'));
      reject401(backend.expectOne('/api/orders'));
      expectRefresh(backend).flush(null, { status: 503, statusText: 'Unavailable' });

      const error = result.errors[0] as TokenRefreshError;
      expect(error.code).toBe('refresh-failed');
      expect(error.message).toContain('failed with status 503');
      expect((error.cause as HttpErrorResponse).status).toBe(503);
    });
  });
});

describe('withOfflineHold', () => {
  it('rejects a timeout that is not a positive number of milliseconds, naming it', () => {
    expect(() => withOfflineHold({ timeout: 0 })).toThrow(
      'NGTR101: provideTokenRefresh: "withOfflineHold({ timeout })" must be a positive number of milliseconds up to 2147483647, got 0.',
    );
  });

  it('accepts a timeout up to the longest delay setTimeout keeps, 2^31 - 1 ms, and no longer', () => {
    expect(() => withOfflineHold({ timeout: 2 ** 31 - 1 })).not.toThrow();
    expect(() => withOfflineHold({ timeout: 2 ** 31 })).toThrow(
      'NGTR101: provideTokenRefresh: "withOfflineHold({ timeout })" must be a positive number of milliseconds up to 2147483647, got 2147483648.',
    );
  });
});

function noAnswer(request: TestRequest): void {
  request.error(new ProgressEvent('error'));
}

function goOffline(onLine: jest.SpyInstance<boolean>): void {
  onLine.mockReturnValue(false);
  window.dispatchEvent(new Event('offline'));
}

function goOnline(onLine: jest.SpyInstance<boolean>): void {
  onLine.mockReturnValue(true);
  window.dispatchEvent(new Event('online'));
}

function recordEvents(service: TokenRefreshService): TokenRefreshEvent[] {
  const events: TokenRefreshEvent[] = [];
  service.events.subscribe((event) => events.push(event));
  return events;
}

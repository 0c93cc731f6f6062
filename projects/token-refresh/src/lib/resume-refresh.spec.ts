import { HttpTestingController } from '@angular/common/http/testing';
import { PLATFORM_ID } from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { bearerOf, expectRefresh, jwt, REFRESH_URL, setUp } from './spec-helpers';
import { TokenRefreshEvent } from './token-refresh-events';
import { TokenRefreshService } from './token-refresh-service';
import { withResumeRefresh } from './with-resume-refresh';

describe('withResumeRefresh', () => {
  let visibility: jest.SpyInstance<DocumentVisibilityState>;
  beforeEach(() => {
    jest.useFakeTimers({ now: Date.parse('2026-01-01T00:00:00Z') });
    visibility = jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
  });
  afterEach(() => {
    TestBed.inject(HttpTestingController).verify();
    visibility.mockRestore();
    jest.useRealTimers();
  });

  it('refreshes once when the page is shown after the token expired while hidden; the first call carries the new token', () => {
    const { http, backend, store } = setUpResume();
    const events = recordEvents();
    void store.setTokens({ accessToken: jwt(300), refreshToken: 'refresh-1' });
    hide();
    jest.setSystemTime(Date.now() + 3_600_000);

    // Waking up fires all three, in some order; one refresh answers them all.
    show();
    window.dispatchEvent(pageshow(true));
    window.dispatchEvent(new Event('online'));

    expect(TestBed.inject(TokenRefreshService).state()).toBe('refreshing');
    expectRefresh(backend).flush({ accessToken: 'access-2', refreshToken: 'refresh-2' });
    expect(TestBed.inject(TokenRefreshService).state()).toBe('idle');
    expect(events).toEqual([
      { type: 'refresh-started', trigger: 'proactive' },
      { type: 'refresh-succeeded' },
    ]);

    http.get('/api/orders').subscribe();
    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer access-2');
    show();
    backend.expectNone(REFRESH_URL);
  });

  it('makes no call when the token is still valid, or unknown (opaque)', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(3600), refreshToken: 'refresh-1' });
    show();
    void store.setTokens({ accessToken: 'opaque', refreshToken: 'refresh-1' });
    show();
    backend.expectNone(() => true);
  });

  it('ignores a page that is hidden, and a pageshow that is a first load', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    hide();
    window.dispatchEvent(pageshow(false));
    window.dispatchEvent(new Event('online'));

    backend.expectNone(() => true);
  });

  it('reports a rejected refresh through the state signal, before the user acts', () => {
    const { backend, store } = setUpResume();
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    show();
    expectRefresh(backend).flush(null, { status: 401, statusText: 'Unauthorized' });

    expect(TestBed.inject(TokenRefreshService).state()).toBe('expired');
    expect(store.getAccessToken()).toBeNull();
  });

  it('does nothing on a server', () => {
    const { backend, store } = setUpResume([{ provide: PLATFORM_ID, useValue: 'server' }]);
    void store.setTokens({ accessToken: jwt(-60), refreshToken: 'refresh-1' });

    show();

    backend.expectNone(() => true);
  });
});

function setUpResume(providers: Parameters<typeof setUp>[1] = []) {
  const setup = setUp({}, [...withResumeRefresh().ɵproviders, ...providers]);
  // The feature starts with the environment, as an app's would.
  TestBed.inject(TokenRefreshService);
  return setup;
}

function show(): void {
  jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('visible');
  document.dispatchEvent(new Event('visibilitychange'));
}

function hide(): void {
  jest.spyOn(document, 'visibilityState', 'get').mockReturnValue('hidden');
  document.dispatchEvent(new Event('visibilitychange'));
}

function pageshow(persisted: boolean): Event {
  const event = new Event('pageshow');
  Object.defineProperty(event, 'persisted', { value: persisted });
  return event;
}

function recordEvents(): TokenRefreshEvent[] {
  const events: TokenRefreshEvent[] = [];
  TestBed.inject(TokenRefreshService).events.subscribe((event) => events.push(event));
  return events;
}

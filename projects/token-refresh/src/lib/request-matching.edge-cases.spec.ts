import { HttpClient, provideHttpClient, withInterceptors } from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import {
  createEnvironmentInjector,
  DOCUMENT,
  EnvironmentInjector,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';
import { TestBed } from '@angular/core/testing';

import { normalizeOrigin, urlPrefixTest, wholeOriginPattern } from './request-matching';
import { provideTokenRefresh } from './provide-token-refresh';
import { bearerOf, REFRESH_URL, setUp } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';
import { MemoryTokenStore, TokenStore } from './token-store';

describe('request matching: apps without an http(s) origin', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([
    ['a server render (no location, no base URL)', {}],
    [
      'an app loaded from file: (Capacitor, Electron)',
      { location: { origin: 'null' }, baseURI: 'file:///app/index.html' } as Partial<Document>,
    ],
  ])(
    'on %s, sends the token on relative URLs and on no absolute one',
    (_, document: Partial<Document>) => {
      const { http, backend, store } = setUp({}, [
        { provide: DOCUMENT, useValue: { cookie: '', ...document } },
      ]);
      void store.setTokens({ accessToken: 'access-1' });
      const urls = ['/api/a', 'api/b', 'https://api.example.com/c', 'file:///etc/d'];

      for (const url of urls) {
        http.get(url).subscribe();
      }

      expect(
        backend.match(() => true).map((request) => [request.request.url, bearerOf(request)]),
      ).toEqual([
        ['/api/a', 'Bearer access-1'],
        ['api/b', 'Bearer access-1'],
        ['https://api.example.com/c', null],
        ['file:///etc/d', null],
      ]);
    },
  );

  it('on a server, sends the token to an origin that allowedOrigins lists', () => {
    const { http, backend, store } = setUp({ allowedOrigins: ['https://api.example.com'] }, [
      { provide: DOCUMENT, useValue: { cookie: '' } },
    ]);
    void store.setTokens({ accessToken: 'access-1' });

    http.get('https://api.example.com/x').subscribe();
    http.get('https://evil.io/x').subscribe();

    expect(bearerOf(backend.expectOne('https://api.example.com/x'))).toBe('Bearer access-1');
    expect(bearerOf(backend.expectOne('https://evil.io/x'))).toBeNull();
  });
});

describe('request matching: an injector without DOCUMENT', () => {
  it('sends the token on paths and on no absolute URL, as on a server', () => {
    // A bare environment injector (a Node script, a worker): no platform, so no DOCUMENT at all.
    const injector = createEnvironmentInjector(
      [
        { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
        provideZonelessChangeDetection(),
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
        provideTokenRefresh({ refreshUrl: REFRESH_URL }),
        { provide: TokenStore, useValue: new MemoryTokenStore() },
      ],
      null as unknown as EnvironmentInjector,
    );
    void injector.get(TokenStore).setTokens({ accessToken: 'access-1' });
    const http = injector.get(HttpClient);
    const backend = injector.get(HttpTestingController);

    http.get('/api/x').subscribe();
    http.get('https://api.example.com/x').subscribe();

    expect(bearerOf(backend.expectOne('/api/x'))).toBe('Bearer access-1');
    expect(bearerOf(backend.expectOne('https://api.example.com/x'))).toBeNull();
    backend.verify();
    injector.destroy();
  });
});

describe('request matching: URLs that do not parse', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([
    'http://[::1/x',
    'https://exa mple.com/x',
    'https://app.example.com:99999/x',
    // Without what follows the host, the parser would strip the space or control character and accept.
    'https://api.example.com /x',
    'https://api.example.com\u0001/x',
  ])('sends no token to %j, which cannot be proven to go to an allowed origin', (url) => {
    const { http, backend, store } = setUp({ allowedOrigins: [/^https:\/\/.*$/] });
    void store.setTokens({ accessToken: 'access-1' });

    http.get(url).subscribe();

    expect(backend.expectOne(url).request.headers.has('Authorization')).toBe(false);
  });
});

describe('request matching: paths the URL parser would rewrite to another host', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each(['/\n/evil.io/x', '/\r/evil.io/x', '/\t/evil.io/x', '/\\evil.io/x', '//evil.io/x'])(
    'sends no token on %j, which the browser sends to evil.io',
    (url) => {
      const { http, backend, store } = setUp();
      void store.setTokens({ accessToken: 'access-1' });

      http.get(url).subscribe();

      expect(backend.expectOne(url).request.headers.has('Authorization')).toBe(false);
    },
  );

  it('sends the token on a path whose second character is an ordinary one', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/a').subscribe();
    http.get('/').subscribe();

    expect(bearerOf(backend.expectOne('/a'))).toBe('Bearer access-1');
    expect(bearerOf(backend.expectOne('/'))).toBe('Bearer access-1');
  });
});

describe('request matching: skipUrls and refreshUrl taken literally', () => {
  const APP = 'https://app.example.com';

  it.each([
    ['/api/*', '/api/*/x', true],
    ['/api/*', '/api/x', false],
    ['/api/^v1', '/api/^v1', true],
    ['/api/^v1', '/api/v1', false],
    ['/api/{id}', '/api/{id}?x', true],
    ['/api/{id}', '/api/i', false],
    ['/api/x{2}', '/api/xx', false],
  ])('takes %j literally: %j is %s', (pattern, url, expected) => {
    expect(urlPrefixTest([pattern], APP)(url)).toBe(expected);
  });

  it('matches the whole URL only from its start, for absolute patterns too', () => {
    const test = urlPrefixTest(['https://auth.example.com/token'], APP);

    expect(test('https://evil.io/?https://auth.example.com/token')).toBe(false);
    expect(test('https://auth.example.com/token#x')).toBe(true);
  });
});

describe('request matching: normalizeOrigin refuses what is not an origin', () => {
  it.each([
    ['https://api.example.com#x'],
    ['https://api.example.com\\x'],
    ['https://api.example.com//'],
    [' https://api.example.com'],
    ['https://api.example.com/ '],
    ['https://'],
    ['1https://api.example.com'],
    ['https://api.example.com/callback?next=https://cdn.example.com'],
  ])('%j is no origin', (origin) => {
    expect(normalizeOrigin(origin)).toBeNull();
  });
});

describe('request matching: allowedOrigins RegExps with the g or y flag', () => {
  it('answers the same every time, whatever the flags (no lastIndex carried over)', () => {
    const pattern = wholeOriginPattern(/https:\/\/api\.example\.com/giy);

    expect([1, 2, 3].map(() => pattern.test('https://API.example.com'))).toEqual([
      true,
      true,
      true,
    ]);
    expect(pattern.flags).toBe('i');
  });
});

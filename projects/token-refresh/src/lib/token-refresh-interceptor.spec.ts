import {
  HttpClient,
  HttpContext,
  HttpErrorResponse,
  HttpHeaders,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import { HttpTestingController, provideHttpClientTesting } from '@angular/common/http/testing';
import { TestBed } from '@angular/core/testing';

import { SKIP_TOKEN_REFRESH } from './context';
import { bearerOf, record, reject401, REFRESH_URL, setUp } from './spec-helpers';
import { tokenRefreshInterceptor } from './token-refresh-interceptor';

describe('tokenRefreshInterceptor: attaching the token', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it('sends "Bearer <token>" on a relative URL', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    http.get('/api/orders').subscribe();

    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer access-1');
  });

  it('sends the token on an absolute URL of the app origin', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1' });

    http.get('http://localhost/api/orders').subscribe();

    expect(bearerOf(backend.expectOne('http://localhost/api/orders'))).toBe('Bearer access-1');
  });

  it('sends no header when the store holds no token', () => {
    const { http, backend } = setUp();

    http.get('/api/public').subscribe();

    expect(backend.expectOne('/api/public').request.headers.has('Authorization')).toBe(false);
  });

  it('writes the token into headerName with authScheme, or bare when authScheme is empty', () => {
    const { http, backend, store } = setUp({ headerName: 'X-Api-Token', authScheme: 'Token' });
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/api/orders').subscribe();

    const sent = backend.expectOne('/api/orders').request.headers;
    expect(sent.get('X-Api-Token')).toBe('Token access-1');
    expect(sent.has('Authorization')).toBe(false);
  });

  it('writes the bare token when authScheme is ""', () => {
    const { http, backend, store } = setUp({ authScheme: '' });
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/api/orders').subscribe();

    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('access-1');
  });

  it('leaves a request alone that already carries the header, and does not refresh on its 401', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(
      http.get('/api/legacy', {
        headers: new HttpHeaders({ Authorization: 'Basic dXNlcjpwdw==' }),
      }),
    );
    const sent = backend.expectOne('/api/legacy');
    expect(bearerOf(sent)).toBe('Basic dXNlcjpwdw==');
    reject401(sent);

    expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
    backend.expectNone(REFRESH_URL);
  });
});

describe('tokenRefreshInterceptor: origins', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  const foreignUrls = [
    'https://evil.io/steal',
    'https://api.example.com.evil.io/x',
    'https://api.example.com@evil.io/x',
    '//evil.io/x',
    '/\\evil.io/x',
    '/\t/evil.io/x',
    ' //evil.io/x',
    'http://api.example.com/x', // the allowed origin is https only
    'https://api.example.com:8443/x', // another port is another origin
    'http://localhost:4200/x', // the app origin is http://localhost (port 80)
  ];

  it.each(foreignUrls)(
    'sends no token to %j and passes its 401 through without a refresh',
    (url) => {
      const { http, backend, store } = setUp({ allowedOrigins: ['https://api.example.com'] });
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const result = record(http.get(url));
      const sent = backend.expectOne(() => true);
      expect(sent.request.headers.has('Authorization')).toBe(false);
      reject401(sent);

      expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
      backend.expectNone(REFRESH_URL);
    },
  );

  it('still refuses every look-alike once the allowed origin has been seen (decisions are cached)', () => {
    const { http, backend, store } = setUp({ allowedOrigins: ['https://api.example.com'] });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });
    const allowed = [
      'https://api.example.com/a',
      'https://api.example.com?b',
      'https://api.example.com',
    ];

    // Each decided twice, and past the cache's bound (64 origins) so that it is emptied on the way.
    const manyHosts = Array.from({ length: 70 }, (_, i) => `https://host-${i}.example.net/x`);
    const urls = [...allowed, ...foreignUrls, ...allowed, ...foreignUrls, ...manyHosts, ...allowed];

    for (const url of urls) {
      http.get(url).subscribe();
    }

    const sent = backend.match(() => true);
    expect(sent.map((request) => [request.request.url, bearerOf(request)])).toEqual(
      urls.map((url) => [url, allowed.includes(url) ? 'Bearer access-1' : null]),
    );
  });

  it('decides each origin on its own when allowed and foreign origins alternate', () => {
    const { http, backend, store } = setUp({
      allowedOrigins: ['https://api.example.com', /^https:\/\/billing\.example\.com$/],
    });
    void store.setTokens({ accessToken: 'access-1' });
    const urls = [
      'https://api.example.com/a',
      'https://evil.io/b',
      'http://localhost/c',
      'https://cdn.example.net/d',
      'https://billing.example.com/e',
      'https://evil.io/f',
      'https://billing.example.com/g',
      'http://localhost/h',
      'https://api.example.com/i',
    ];

    for (const url of urls) {
      http.get(url).subscribe();
    }

    expect(backend.match(() => true).map(bearerOf)).toEqual(
      urls.map((url) => (/evil|cdn/.test(url) ? null : 'Bearer access-1')),
    );
  });

  it.each([
    ['an exact origin', 'https://api.example.com', 'https://api.example.com/v1/orders'],
    [
      'an origin written with case and a default port',
      'HTTPS://API.Example.com:443',
      'https://api.example.com/x',
    ],
    ['an anchored RegExp', /^https:\/\/[a-z]+\.example\.com$/, 'https://billing.example.com/x'],
  ])('sends the token to an origin allowed by %s', (_, allowed, url) => {
    const { http, backend, store } = setUp({ allowedOrigins: [allowed] });
    void store.setTokens({ accessToken: 'access-1' });

    http.get(url).subscribe();

    expect(bearerOf(backend.expectOne(url))).toBe('Bearer access-1');
  });

  it('refreshes and retries a 401 from an allowed foreign origin', () => {
    const { http, backend, store } = setUp({ allowedOrigins: ['https://api.example.com'] });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('https://api.example.com/me'));
    reject401(backend.expectOne('https://api.example.com/me'));
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
    const retried = backend.expectOne('https://api.example.com/me');
    expect(bearerOf(retried)).toBe('Bearer access-2');
    retried.flush({ id: 1 });

    expect(result.values).toEqual([{ id: 1 }]);
  });
});

describe('tokenRefreshInterceptor: requests that never refresh', () => {
  afterEach(() => TestBed.inject(HttpTestingController).verify());

  it.each([
    ['a string prefix', '/api/auth/login', '/api/auth/login'],
    ['a string prefix, on a sub-path', '/api/public', '/api/public/catalog'],
    ['a string prefix, before a query', '/api/public', '/api/public?page=2'],
    [
      'a string prefix, on an absolute same-origin URL',
      '/api/public',
      'http://localhost/api/public/x',
    ],
    ['a RegExp', /\/health$/, '/api/health'],
    ['a predicate', (request: { method: string }) => request.method === 'OPTIONS', '/api/orders'],
  ])(
    'skipUrls with %s: no token, and a 401 passes through without a refresh',
    (_, matcher, url) => {
      const { http, backend, store } = setUp({ skipUrls: [matcher] });
      void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

      const method = typeof matcher === 'function' ? 'OPTIONS' : 'GET';
      const result = record(http.request(method, url));
      const sent = backend.expectOne(() => true);
      expect(sent.request.headers.has('Authorization')).toBe(false);
      reject401(sent);

      expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
      backend.expectNone(REFRESH_URL);
    },
  );

  it.each(['/api/publicity', '/v2/api/public'])(
    'skipUrls "/api/public" does not match %s, which gets the token',
    (url) => {
      const { http, backend, store } = setUp({ skipUrls: ['/api/public'] });
      void store.setTokens({ accessToken: 'access-1' });

      http.get(url).subscribe();

      expect(bearerOf(backend.expectOne(url))).toBe('Bearer access-1');
    },
  );

  it('sends the token when no RegExp or predicate of skipUrls matches', () => {
    const { http, backend, store } = setUp({ skipUrls: [/\/health$/, () => false] });
    void store.setTokens({ accessToken: 'access-1' });

    http.get('/api/orders').subscribe();

    expect(bearerOf(backend.expectOne('/api/orders'))).toBe('Bearer access-1');
  });

  it('never sends the token to refreshUrl, nor refreshes or retries its 401', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.post(REFRESH_URL, {}));
    const sent = backend.expectOne(REFRESH_URL);
    expect(sent.request.headers.has('Authorization')).toBe(false);
    reject401(sent);

    expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
  });

  it('SKIP_TOKEN_REFRESH: sends the token, but a 401 passes through without a refresh', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const context = new HttpContext().set(SKIP_TOKEN_REFRESH, true);
    const result = record(http.post('/api/auth/logout', null, { context }));
    const sent = backend.expectOne('/api/auth/logout');
    expect(bearerOf(sent)).toBe('Bearer access-1');
    reject401(sent);

    expect((result.errors[0] as HttpErrorResponse).status).toBe(401);
    backend.expectNone(REFRESH_URL);
  });

  it('passes statuses outside statusCodes through: 403 does not refresh by default', () => {
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/admin'));
    backend.expectOne('/api/admin').flush(null, { status: 403, statusText: 'Forbidden' });

    expect((result.errors[0] as HttpErrorResponse).status).toBe(403);
    backend.expectNone(REFRESH_URL);
  });

  it('refreshes on every status listed in statusCodes', () => {
    const { http, backend, store } = setUp({ statusCodes: [401, 419] });
    void store.setTokens({ accessToken: 'access-1', refreshToken: 'refresh-1' });

    const result = record(http.get('/api/orders'));
    backend.expectOne('/api/orders').flush(null, { status: 419, statusText: 'Session Expired' });
    backend.expectOne(REFRESH_URL).flush({ accessToken: 'access-2' });
    backend.expectOne('/api/orders').flush([]);

    expect(result.values).toEqual([[]]);
  });
});

describe('tokenRefreshInterceptor without provideTokenRefresh', () => {
  it('fails every request with an error that names provideTokenRefresh', () => {
    TestBed.configureTestingModule({
      providers: [
        provideHttpClient(withInterceptors([tokenRefreshInterceptor])),
        provideHttpClientTesting(),
      ],
    });
    const result = record(TestBed.inject(HttpClient).get('/api/orders'));

    expect(result.errors).toHaveLength(1);
    expect((result.errors[0] as Error).message).toMatch(/^NGTR100: .*provideTokenRefresh\(/);
    TestBed.inject(HttpTestingController).verify();
  });
});

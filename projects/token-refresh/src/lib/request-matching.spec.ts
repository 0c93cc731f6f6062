import { normalizeOrigin, urlPrefixTest, wholeOriginPattern } from './request-matching';
import { bearerOf, setUp } from './spec-helpers';

describe('urlPrefixTest', () => {
  const APP = 'https://app.example.com';

  it.each([
    ['/api/public', '/api/public', true],
    ['/api/public/x', '/api/public', true],
    ['/api/public?x=1', '/api/public', true],
    ['/api/public#top', '/api/public', true],
    ['/api/publicity', '/api/public', false],
    ['/v2/api/public', '/api/public', false],
    ['/api/public/x', '/api/public/', true],
    ['https://app.example.com/api/public/x', '/api/public', true],
    ['https://APP.example.com:443/api/public', '/api/public', true],
    ['https://other.example.com/api/public', '/api/public', false],
    ['https://app.example.com/api/publicity', '/api/public', false],
    ['https://auth.example.com/token', 'https://auth.example.com/token', true],
    ['https://auth.example.com/token?x', 'https://auth.example.com/token', true],
    ['https://auth.example.com/tokens', 'https://auth.example.com/token', false],
    ['/token', 'https://auth.example.com/token', false],
    ['https://app.example.com/token', 'https://auth.example.com/token', false],
    // A protocol-relative pattern names another host: it is no path of the app's origin.
    ['https://app.example.com//cdn.example.com/x', '//cdn.example.com/x', false],
  ])('%j against %j: %s', (url, pattern, expected) => {
    expect(urlPrefixTest([pattern], APP)(url)).toBe(expected);
  });

  it.each([
    ['/api/v1.0/public', '/api/v1.0/public/x', true],
    ['/api/v1.0/public', '/api/v1x0/public/x', false],
    ['/api/(legacy)+', '/api/(legacy)+/x', true],
    ['/api/(legacy)+', '/api/legacylegacy/x', false],
    ['/a|/b', '/b', false],
    ['/files/[id]', '/files/i', false],
    ['/q?x=$1', '/q?x=$1', true],
    ['/q?x=$1', '/qx=', false],
    ['/path\\to', '/path\\to/x', true],
  ])('takes %j literally: %j is %s', (pattern, url, expected) => {
    expect(urlPrefixTest([pattern], APP)(url)).toBe(expected);
  });

  it('matches any of several patterns, each on its own segment boundary', () => {
    const test = urlPrefixTest(
      ['/api/auth/refresh', '/api/public', 'https://auth.example.com/token'],
      APP,
    );

    expect(
      [
        '/api/auth/refresh',
        '/api/public/x',
        'https://auth.example.com/token?y',
        'https://app.example.com/api/public',
      ].map(test),
    ).toEqual([true, true, true, true]);
    expect(
      [
        '/api/auth/refreshed',
        '/api/publicity',
        'https://auth.example.com/tokens',
        '/api/orders',
      ].map(test),
    ).toEqual([false, false, false, false]);
  });

  it('gives each absolute URL the same answer whether its origin was seen before or not', () => {
    const test = urlPrefixTest(['/api/public'], APP);
    const urls = [
      'https://app.example.com/api/public/x',
      'https://api.example.com/api/public/x',
      'https://app.example.com.evil.io/api/public/x',
      'https://app.example.com@evil.io/api/public/x',
      'https://app.example.com/api/publicity',
      'https://APP.example.com:443/api/public',
      'https://app.example.com:8443/api/public',
    ];
    const expected = [true, false, false, false, false, true, false];

    // Three passes: the first decides each origin, the next ones answer from what was remembered.
    expect([...urls, ...urls, ...urls].map(test)).toEqual([...expected, ...expected, ...expected]);
  });

  it('does not match absolute URLs by path where the app origin is unknown (server-side)', () => {
    const test = urlPrefixTest(['/api/public'], null);

    expect(test('https://app.example.com/api/public')).toBe(false);
    expect(test('/api/public/x')).toBe(true);
  });
});

describe('normalizeOrigin', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com'],
    ['https://api.example.com/', 'https://api.example.com'],
    ['HTTPS://API.EXAMPLE.COM:443', 'https://api.example.com'],
    ['http://localhost:4200', 'http://localhost:4200'],
    ['https://api.example.com/v1', null],
    ['https://api.example.com?x', null],
    ['https://user:pw@api.example.com', null],
    ['api.example.com', null],
    ['', null],
    ['file://server', null],
  ])('%j becomes %j', (origin, expected) => {
    expect(normalizeOrigin(origin)).toBe(expected);
  });
});

describe('wholeOriginPattern', () => {
  it.each([
    [
      /^https:\/\/api\.example\.com|https:\/\/cdn\.example\.com$/,
      'https://api.example.com.evil.io',
    ],
    [
      /^https:\/\/api\.example\.com|https:\/\/cdn\.example\.com$/,
      'https://evil.io#https://cdn.example.com',
    ],
    [/https:\/\/api\.example\.com/, 'https://api.example.com.evil.io'],
    [/api\.example\.com$/, 'https://evil-api.example.com'],
    [/https:\/\/(api|cdn)\.example\.com/, 'http://x.https://api.example.com'],
  ])('never matches a part of an origin: %s against %s', (pattern, origin) => {
    expect(wholeOriginPattern(pattern).test(origin)).toBe(false);
  });

  it('matches every whole origin the pattern describes, keeping its flags', () => {
    const pattern = wholeOriginPattern(
      /^https:\/\/API\.example\.com|https:\/\/cdn\.example\.com$/i,
    );
    expect(pattern.test('https://api.example.com')).toBe(true);
    expect(pattern.test('https://cdn.example.com')).toBe(true);
    expect(pattern.flags).toBe('i');
  });
});

describe('request matching: each origin decided once', () => {
  const APP = 'https://app.example.com';

  it('parses one URL per origin, and none for later requests to it, whatever their path, query or fragment', () => {
    // An absolute refreshUrl and no skipUrls: no pattern is a path, so only allowedOrigins parses.
    const { http, backend, store } = setUp({
      refreshUrl: 'https://auth.example.com/token',
      allowedOrigins: ['https://api.example.com', 'https://cdn.example.com'],
    });
    void store.setTokens({ accessToken: 'access-1' });
    const urls = [
      'https://api.example.com?page=1',
      'https://tracker.io/pixel',
      'https://cdn.example.com#logo',
      'https://evil.io',
      'https://api.example.com/orders',
      'https://tracker.io?id=2',
      'https://cdn.example.com/logo.png',
      'https://evil.io/steal',
      'https://api.example.com',
      'https://evil.io#x',
    ];
    // The first request builds the matching, which parses the document's base URL once.
    http.get('/api/me').subscribe();
    backend.expectOne('/api/me').flush({});

    const parsed = urlsParsedBy(() => urls.forEach((url) => http.get(url).subscribe()));

    expect(
      backend.match(() => true).map((request) => [request.request.url, bearerOf(request)]),
    ).toEqual(
      urls.map((url) => [url, /^https:\/\/(api|cdn)\./.test(url) ? 'Bearer access-1' : null]),
    );
    expect(parsed).toBe(4);
    backend.verify();
  });

  it('judges the bare URL "http:" on its own: it gives no token to http://evil.io after it', () => {
    // jsdom's app origin is http://localhost, where the browser sends the bare URL "http:".
    const { http, backend, store } = setUp();
    void store.setTokens({ accessToken: 'access-1' });

    http.get('http:').subscribe();
    http.get('http://evil.io/x').subscribe();

    expect(bearerOf(backend.expectOne('http:'))).toBe('Bearer access-1');
    expect(bearerOf(backend.expectOne('http://evil.io/x'))).toBeNull();
    backend.verify();
  });

  it('parses a URL of another origin once for skipUrls, and one of the app origin each time, for its path', () => {
    const test = urlPrefixTest(['/api/public'], APP);
    const answers: boolean[] = [];

    const parsed = urlsParsedBy(() => {
      for (let i = 0; i < 3; i++) {
        answers.push(test('https://api.example.com/api/public/x'));
        answers.push(test('https://app.example.com/api/public/x'));
      }
    });

    expect(answers).toEqual([false, true, false, true, false, true]);
    // One per origin to decide it, then one per request of the app origin to read its path.
    expect(parsed).toBe(2 + 3);
  });

  it('remembers at most 64 origins: the 65th starts afresh, so that many hosts cannot grow memory', () => {
    const test = urlPrefixTest(['/api/public'], APP);
    const urlOf = (host: number) => `https://host-${host}.example.com/api/public`;
    const first64 = Array.from({ length: 64 }, (_, host) => urlOf(host));

    expect(urlsParsedBy(() => first64.forEach(test))).toBe(64);
    expect(urlsParsedBy(() => first64.forEach(test))).toBe(0);
    expect(urlsParsedBy(() => [urlOf(64), urlOf(0)].forEach(test))).toBe(2);
    expect([...first64, urlOf(64)].some(test)).toBe(false);
  });
});

/** Runs `body` and counts the URLs it parses (`new URL(...)`). */
function urlsParsedBy(body: () => void): number {
  const NativeURL = globalThis.URL;
  let parsed = 0;
  globalThis.URL = class extends NativeURL {
    constructor(url: string | URL, base?: string | URL) {
      parsed++;
      super(url, base);
    }
  };
  try {
    body();
  } finally {
    globalThis.URL = NativeURL;
  }
  return parsed;
}

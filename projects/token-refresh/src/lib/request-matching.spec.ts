import { normalizeOrigin, urlPrefixTest, wholeOriginPattern } from './request-matching';

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

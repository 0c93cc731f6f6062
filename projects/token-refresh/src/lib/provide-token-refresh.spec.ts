import { provideTokenRefresh } from './provide-token-refresh';
import { TokenRefreshConfig } from './token-refresh-config';
import { inProductionBuild, thrownMessage } from './spec-helpers';
import { withCrossTab } from './with-cross-tab';

describe('provideTokenRefresh: configuration errors', () => {
  const valid: TokenRefreshConfig = { refreshUrl: '/api/auth/refresh' };

  it('accepts the minimal configuration and a full one', () => {
    expect(() => provideTokenRefresh(valid)).not.toThrow();
    expect(() =>
      provideTokenRefresh({
        refreshUrl: 'https://auth.example.com/token',
        skipUrls: ['/api/auth/login', /\/public\//, () => false],
        maxRetries: 2,
        statusCodes: [401, 419],
        allowedOrigins: ['https://api.example.com', /^https:\/\/[a-z]+\.example\.com$/],
        headerName: 'X-Token',
        authScheme: '',
        buildRefreshRequest: () => null,
        parseRefreshResponse: () => ({ accessToken: 'a' }),
        refreshTimeout: 10_000,
        expiryLeeway: 0,
        onSessionExpired: () => undefined,
      }),
    ).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    [
      'a missing refreshUrl',
      { refreshUrl: undefined },
      '"refreshUrl" must be a non-empty URL, got undefined.',
    ],
    ['an empty refreshUrl', { refreshUrl: ' ' }, '"refreshUrl" must be a non-empty URL, got " ".'],
    [
      'a negative maxRetries',
      { maxRetries: -1 },
      '"maxRetries" must be a non-negative integer, got -1.',
    ],
    [
      'a fractional maxRetries',
      { maxRetries: 1.5 },
      '"maxRetries" must be a non-negative integer, got 1.5.',
    ],
    [
      'a string maxRetries',
      { maxRetries: '1' },
      '"maxRetries" must be a non-negative integer, got "1".',
    ],
    [
      'a non-array skipUrls',
      { skipUrls: '/api/login' },
      '"skipUrls" must be an array, got "/api/login".',
    ],
    [
      'an empty skipUrls entry',
      { skipUrls: ['/ok', ''] },
      '"skipUrls[1]" must be a non-empty string, a RegExp or a function, got "".',
    ],
    [
      'a global RegExp in skipUrls',
      { skipUrls: [/login/g] },
      '"skipUrls[0]" must not use the g or y flag, got /login/g.',
    ],
    [
      'a status out of range',
      { statusCodes: [401, 4010] },
      '"statusCodes[1]" must be an HTTP status from 100 to 599, got 4010.',
    ],
    ['a non-array statusCodes', { statusCodes: 401 }, '"statusCodes" must be an array, got 401.'],
    [
      'an origin with a path',
      { allowedOrigins: ['https://api.example.com/v1'] },
      '"allowedOrigins[0]" must be an origin',
    ],
    [
      'an origin without a scheme',
      { allowedOrigins: ['api.example.com'] },
      '"allowedOrigins[0]" must be an origin',
    ],
    [
      'an origin with credentials',
      { allowedOrigins: ['https://u@api.example.com'] },
      '"allowedOrigins[0]" must be an origin',
    ],
    [
      'an empty headerName',
      { headerName: '' },
      '"headerName" must be a valid HTTP header name, got "".',
    ],
    [
      'a headerName with a space',
      { headerName: 'X Token' },
      '"headerName" must be a valid HTTP header name, got "X Token".',
    ],
    ['an authScheme with a space', { authScheme: 'Bearer ' }, '"authScheme" must be a single word'],
    [
      'a non-function buildRefreshRequest',
      { buildRefreshRequest: '/refresh' },
      '"buildRefreshRequest" must be a function, got "/refresh".',
    ],
    [
      'a non-function parseRefreshResponse',
      { parseRefreshResponse: {} },
      '"parseRefreshResponse" must be a function, got an object.',
    ],
    [
      'a non-function onSessionExpired',
      { onSessionExpired: '/login' },
      '"onSessionExpired" must be a function, got "/login".',
    ],
    [
      'a zero refreshTimeout',
      { refreshTimeout: 0 },
      '"refreshTimeout" must be a positive number of milliseconds up to 2147483647 (what setTimeout holds), got 0.',
    ],
    [
      'an infinite refreshTimeout',
      { refreshTimeout: Infinity },
      '"refreshTimeout" must be a positive number of milliseconds up to 2147483647 (what setTimeout holds), got Infinity.',
    ],
    [
      'a negative expiryLeeway',
      { expiryLeeway: -5 },
      '"expiryLeeway" must be a non-negative number of milliseconds, got -5.',
    ],
    [
      'a NaN expiryLeeway',
      { expiryLeeway: NaN },
      '"expiryLeeway" must be a non-negative number of milliseconds, got NaN.',
    ],
    [
      'a store lacking methods',
      { store: { getAccessToken: () => null } },
      '"store" must be a TokenStore class or instance; an object lacks getRefreshToken, setTokens, clear.',
    ],
    [
      'a refreshTimeout longer than setTimeout holds',
      { refreshTimeout: 2 ** 31 },
      '"refreshTimeout" must be a positive number of milliseconds up to 2147483647 (what setTimeout holds), got 2147483648.',
    ],
    ['a misspelt option', { refreshURL: '/x' }, '"refreshURL" is not an option (misspelt?).'],
    [
      'a refreshUrl given as a list',
      { refreshUrl: ['/a'] },
      '"refreshUrl" must be a non-empty URL, got an array.',
    ],
    [
      'a null maxRetries',
      { maxRetries: null },
      '"maxRetries" must be a non-negative integer, got null.',
    ],
    ['a number in skipUrls', { skipUrls: [42] }, '"skipUrls[0]" must be a non-empty string'],
    [
      'a status below 100',
      { statusCodes: [99] },
      '"statusCodes[0]" must be an HTTP status from 100 to 599, got 99.',
    ],
    [
      'a status above 599',
      { statusCodes: [600] },
      '"statusCodes[0]" must be an HTTP status from 100 to 599, got 600.',
    ],
    [
      'a fractional status',
      { statusCodes: [401.5] },
      '"statusCodes[0]" must be an HTTP status from 100 to 599, got 401.5.',
    ],
    [
      'a status given as text',
      { statusCodes: ['401'] },
      '"statusCodes[0]" must be an HTTP status from 100 to 599, got "401".',
    ],
    [
      'a global RegExp in allowedOrigins',
      { allowedOrigins: [/example/g] },
      '"allowedOrigins[0]" must not use the g or y flag, got /example/g.',
    ],
    [
      'a headerName that is not text',
      { headerName: 42 },
      '"headerName" must be a valid HTTP header name, got 42.',
    ],
    [
      'an authScheme that is not text',
      { authScheme: null },
      '"authScheme" must be a single word such as "Bearer", or "" for none, got null.',
    ],
    [
      'a refreshTimeout given as text',
      { refreshTimeout: '5000' },
      '"refreshTimeout" must be a positive number of milliseconds up to 2147483647 (what setTimeout holds), got "5000".',
    ],
    [
      'a store given as a factory function',
      { store: () => ({}) },
      '"store" must be a TokenStore class or instance; a function that is not such a class (a factory?) was given.',
    ],
  ])('rejects %s with an NGTR101 error naming the option', (_, override, message) => {
    const config: TokenRefreshConfig = { ...valid, ...(override as object) };
    expect(() => provideTokenRefresh(config)).toThrow(`NGTR101: provideTokenRefresh: ${message}`);
  });

  it('rejects the removed crossTab option with NGTR103 naming withCrossTab(), in every build', () => {
    const config = { ...valid, crossTab: true } as TokenRefreshConfig;
    expect(() => provideTokenRefresh(config)).toThrow(
      'NGTR103: provideTokenRefresh: "crossTab" is now the feature withCrossTab(): remove the option',
    );
    expect(inProductionBuild(() => thrownMessage(() => provideTokenRefresh(config)))).toBe(
      'NGTR103: provideTokenRefresh: "crossTab" is now the feature withCrossTab()',
    );
  });

  it('rejects the same feature given twice with NGTR102 in development builds', () => {
    expect(() => provideTokenRefresh(valid, withCrossTab(), withCrossTab())).toThrow(
      'NGTR102: provideTokenRefresh: the feature "cross-tab" is given twice; give each with*() feature once.',
    );
    expect(() => provideTokenRefresh(valid, withCrossTab())).not.toThrow();
  });

  it('accepts an unanchored allowedOrigins RegExp, which is matched against whole origins', () => {
    expect(() =>
      provideTokenRefresh({ ...valid, allowedOrigins: [/https:\/\/api\.example\.com/] }),
    ).not.toThrow();
  });

  it('rejects a configuration that is not an object', () => {
    expect(() => provideTokenRefresh(undefined as unknown as TokenRefreshConfig)).toThrow(
      'NGTR101: provideTokenRefresh: "config" must be a configuration object, got undefined.',
    );
    expect(() => provideTokenRefresh(null as unknown as TokenRefreshConfig)).toThrow(
      'NGTR101: provideTokenRefresh: "config" must be a configuration object, got null.',
    );
    expect(() => provideTokenRefresh('/api/auth/refresh' as unknown as TokenRefreshConfig)).toThrow(
      'NGTR101: provideTokenRefresh: "config" must be a configuration object, got "/api/auth/refresh".',
    );
  });

  it('accepts the bounds of each range: statuses 100 and 599, the longest refreshTimeout', () => {
    expect(() =>
      provideTokenRefresh({ ...valid, statusCodes: [100, 599], refreshTimeout: 2 ** 31 - 1 }),
    ).not.toThrow();
  });

  describe('in a production build (ngDevMode false)', () => {
    it.each([
      ['a negative maxRetries', { maxRetries: -1 }],
      ['a bad skipUrls entry', { skipUrls: ['/ok', 42] }],
      ['a misspelt option', { refreshURL: '/x' }],
    ])('skips the checks of development builds: %s is not rejected', (_, override) => {
      const config: TokenRefreshConfig = { ...valid, ...(override as object) };
      expect(() => inProductionBuild(() => provideTokenRefresh(config))).not.toThrow();
    });
  });
});

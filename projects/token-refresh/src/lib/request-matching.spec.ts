import { isAnchored, matchesUrlPrefix, normalizeOrigin } from './request-matching';

describe('matchesUrlPrefix', () => {
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
    expect(matchesUrlPrefix(url, pattern, APP)).toBe(expected);
  });

  it('does not match absolute URLs by path where the app origin is unknown (server-side)', () => {
    expect(matchesUrlPrefix('https://app.example.com/api/public', '/api/public', null)).toBe(false);
    expect(matchesUrlPrefix('/api/public/x', '/api/public', null)).toBe(true);
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

describe('isAnchored', () => {
  it('accepts ^...$ RegExps only', () => {
    expect(isAnchored(/^https:\/\/api\.example\.com$/)).toBe(true);
    expect(isAnchored(/^https:\/\/api\.example\.com/)).toBe(false);
    expect(isAnchored(/api\.example\.com$/)).toBe(false);
  });
});

import { JwtExpiryCache, readJwtExpiry } from './jwt-expiry';

describe('readJwtExpiry', () => {
  // JWT segments are base64url of UTF-8 JSON.
  const utf8 = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));
  const segment = (value: object | string) =>
    btoa(utf8(typeof value === 'string' ? value : JSON.stringify(value)))
      .replace(/=+$/, '')
      .replace(/\+/g, '-')
      .replace(/\//g, '_');
  const token = (payload: object | string) =>
    `${segment({ alg: 'HS256' })}.${segment(payload)}.sig`;

  it('returns exp in milliseconds', () => {
    expect(readJwtExpiry(token({ exp: 1_700_000_000 }))).toBe(1_700_000_000_000);
  });

  it('decodes base64url payloads with - and _ and no padding', () => {
    // "name" holds characters whose base64 contains + and /, written as - and _.
    const payload = { name: 'Zoë ~~~ ???>>>', exp: 42 };
    expect(segment(payload)).toMatch(/[-_]/);
    expect(readJwtExpiry(token(payload))).toBe(42_000);
  });

  it.each([
    ['an opaque token', 'a1b2c3'],
    ['two segments', 'aaa.bbb'],
    ['a header and a payload with exp but no signature', token({ exp: 42 }).replace(/\.sig$/, '')],
    ['four segments around a payload with exp', `${token({ exp: 42 })}.extra`],
    ['a payload that is not base64', 'aaa.!!!.ccc'],
    ['a payload that is not JSON', `aaa.${btoa('not json')}.ccc`],
    ['a payload that is JSON null', `aaa.${btoa('null')}.ccc`],
    // 0xff is never valid UTF-8: read leniently, it would become U+FFFD and leave exp readable.
    ['a payload that is not UTF-8', `aaa.${btoa('{"exp":42,"n":"\xff"}')}.ccc`],
    ['no exp claim', token({ iss: 'u' })],
    ['a string exp', token({ exp: '1700000000' })],
    // JSON.parse reads 1e400 as Infinity: such a token must not refresh before every request.
    ['an exp of -1e400', token('{"exp":-1e400}')],
    ['an exp of 1e400', token('{"exp":1e400}')],
  ])('returns null for %s', (_, value) => {
    expect(readJwtExpiry(value)).toBeNull();
  });
});

describe('JwtExpiryCache', () => {
  it('decodes each token once and follows a change of token', () => {
    const cache = new JwtExpiryCache();
    const first = `x.${btoa(JSON.stringify({ exp: 1 }))}.y`;
    const second = `x.${btoa(JSON.stringify({ exp: 2 }))}.y`;
    const decode = jest.spyOn(JSON, 'parse');

    expect([cache.expiryOf(first), cache.expiryOf(first), cache.expiryOf(second)]).toEqual([
      1000, 1000, 2000,
    ]);
    expect(decode).toHaveBeenCalledTimes(2);
    decode.mockRestore();
  });
});

import fc from 'fast-check';

import { AuthChallenge, parseWwwAuthenticate } from './www-authenticate';

/** A challenge as the tables write it: scheme, params (plain object) and token68. */
type Expected = [scheme: string, params: Record<string, string>, token68?: string];

describe('parseWwwAuthenticate', () => {
  it.each<[string, string, Expected[]]>([
    // RFC 6750 §3 examples.
    ['RFC 6750: realm only', 'Bearer realm="example"', [['Bearer', { realm: 'example' }]]],
    [
      'RFC 6750: expired token',
      'Bearer realm="example", error="invalid_token", error_description="The access token expired"',
      [
        [
          'Bearer',
          {
            realm: 'example',
            error: 'invalid_token',
            error_description: 'The access token expired',
          },
        ],
      ],
    ],
    // RFC 9470 §3 example.
    [
      'RFC 9470: step-up with acr_values',
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
      [
        [
          'Bearer',
          {
            error: 'insufficient_user_authentication',
            error_description: 'A different authentication level is required',
            acr_values: 'myACR',
          },
        ],
      ],
    ],
    [
      'RFC 9470: step-up with max_age',
      'Bearer error="insufficient_user_authentication", error_description="More recent authentication is required", max_age="5"',
      [
        [
          'Bearer',
          {
            error: 'insufficient_user_authentication',
            error_description: 'More recent authentication is required',
            max_age: '5',
          },
        ],
      ],
    ],
    // RFC 9110 §11.6.1 example: two challenges, a token value, escapes in a quoted string.
    [
      'RFC 9110: two challenges with an escaped quote',
      'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"',
      [
        ['Newauth', { realm: 'apps', type: '1', title: 'Login to "apps"' }],
        ['Basic', { realm: 'simple' }],
      ],
    ],
    // RFC 9449 §7.1 example: a DPoP challenge with an error, after a Bearer one.
    [
      'RFC 9449: DPoP and Bearer',
      'DPoP algs="ES256 PS256", error="invalid_token", error_description="Invalid DPoP key binding", Bearer realm="api"',
      [
        [
          'DPoP',
          {
            algs: 'ES256 PS256',
            error: 'invalid_token',
            error_description: 'Invalid DPoP key binding',
          },
        ],
        ['Bearer', { realm: 'api' }],
      ],
    ],
    [
      'RFC 9449: use_dpop_nonce',
      'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"',
      [
        [
          'DPoP',
          {
            error: 'use_dpop_nonce',
            error_description: 'Resource server requires nonce in DPoP proof',
          },
        ],
      ],
    ],
    // Shapes of real servers.
    [
      'Keycloak',
      'Bearer realm="quarkus", error="invalid_token", error_description="Token verification failed"',
      [
        [
          'Bearer',
          {
            realm: 'quarkus',
            error: 'invalid_token',
            error_description: 'Token verification failed',
          },
        ],
      ],
    ],
    [
      'oidc-provider (userinfo, insufficient scope)',
      'Bearer realm="http://localhost:3000", error="insufficient_scope", error_description="access token missing \'openid\' scope", scope="openid"',
      [
        [
          'Bearer',
          {
            realm: 'http://localhost:3000',
            error: 'insufficient_scope',
            error_description: "access token missing 'openid' scope",
            scope: 'openid',
          },
        ],
      ],
    ],
    [
      'Azure / Microsoft Graph, with commas inside quotes',
      'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000", error="insufficient_claims", claims="eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0="',
      [
        [
          'Bearer',
          {
            realm: '',
            authorization_uri: 'https://login.microsoftonline.com/common/oauth2/authorize',
            client_id: '00000003-0000-0000-c000-000000000000',
            error: 'insufficient_claims',
            claims:
              'eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwgInZhbHVlIjoiMTYwNDEwNjY1MSJ9fX0=',
          },
        ],
      ],
    ],
    [
      'Auth0 / ASP.NET, description with a comma',
      'Bearer error="invalid_token", error_description="The token expired at \'11/30/2026 14:51:39\', please sign in"',
      [
        [
          'Bearer',
          {
            error: 'invalid_token',
            error_description: "The token expired at '11/30/2026 14:51:39', please sign in",
          },
        ],
      ],
    ],
    ['a bare scheme', 'Bearer', [['Bearer', {}]]],
    [
      'bare schemes in a list',
      'Negotiate, Bearer',
      [
        ['Negotiate', {}],
        ['Bearer', {}],
      ],
    ],
    ['a token68', 'Negotiate YIIGhgYJKoZIhvc=', [['Negotiate', {}, 'YIIGhgYJKoZIhvc=']]],
    [
      'case-insensitive parameter names, scheme as written',
      'bEARER ERROR="invalid_token"',
      [['bEARER', { error: 'invalid_token' }]],
    ],
    [
      'spaces around "=", empty list elements and trailing commas',
      ' ,Bearer  realm = "a" , , error=invalid_token ,',
      [['Bearer', { realm: 'a', error: 'invalid_token' }]],
    ],
    [
      'quoted-pairs of any character, a space, a tab and a backslash among them (RFC 9110 §5.6.4)',
      'Bearer error_description="a\\ b\\\tc\\\\d\\e", realm=""',
      [['Bearer', { error_description: 'a b\tc\\de', realm: '' }]],
    ],
    [
      'a parameter named __proto__',
      'Bearer __proto__="x"',
      // JSON.parse makes an own property; an object literal would set the prototype instead.
      [['Bearer', JSON.parse('{"__proto__":"x"}') as Record<string, string>]],
    ],
  ])('reads %s', (_, header, expected) => {
    expect(plain(parseWwwAuthenticate(header))).toEqual(expected);
  });

  it('reads several header fields as one list', () => {
    expect(
      plain(parseWwwAuthenticate(['Basic realm="a"', 'Bearer error="insufficient_scope"'])),
    ).toEqual([
      ['Basic', { realm: 'a' }],
      ['Bearer', { error: 'insufficient_scope' }],
    ]);
  });

  it.each([
    ['no header', null],
    ['an empty header', ''],
    ['only separators', ' , ,'],
    ['an unterminated quoted string', 'Bearer error="invalid_token'],
    ['parameters without a comma between them', 'Bearer realm="a" error="b"'],
    ['a parameter given twice', 'Bearer error="a", ERROR="b"'],
    ['a parameter before any scheme', 'realm="a", Bearer'],
    ['a parameter after a bare scheme and a comma', 'Bearer, error="invalid_token"'],
    ['a parameter after a token68', 'Negotiate abc=, realm="x"'],
    ['a value that is not a token', 'Bearer error=invalid token'],
    ['a scheme glued to a quote', 'Bearer"x"'],
    ['JSON instead of a challenge', '{"error":"invalid_token"}'],
    ['a lone equals sign', '='],
  ])('reads %s as no challenge', (_, header) => {
    expect(parseWwwAuthenticate(header)).toEqual([]);
  });

  it('never throws, and returns challenges with string params, for any input', () => {
    const piece = fc.constantFrom(
      'Bearer',
      'DPoP',
      ' ',
      ',',
      '=',
      '"',
      '\\',
      'error',
      'realm',
      '"invalid_token"',
      'abc==',
      '__proto__',
      '\t',
    );
    const header = fc.oneof(
      fc.string(),
      fc.array(piece, { maxLength: 30 }).map((pieces) => pieces.join('')),
    );
    fc.assert(
      fc.property(header, (text) => {
        const challenges = parseWwwAuthenticate(text);
        return challenges.every(
          (challenge) =>
            challenge.scheme !== '' &&
            Object.values(challenge.params).every((value) => typeof value === 'string'),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a header built from any parameters back to the same parameters', () => {
    const token = fc.stringMatching(/^[\w!#$%&'*+.^`|~-]{1,12}$/);
    const value = fc.string({ maxLength: 20 });
    fc.assert(
      fc.property(
        token,
        fc.uniqueArray(fc.tuple(token, value), {
          selector: ([name]) => name.toLowerCase(),
          maxLength: 5,
        }),
        (scheme, params) => {
          const header = `${scheme} ${params
            .map(([name, text]) => `${name}="${text.replace(/["\\]/g, '\\$&')}"`)
            .join(', ')}`;
          const expected = Object.fromEntries(
            params.map(([name, text]) => [name.toLowerCase(), text]),
          );
          expect(plain(parseWwwAuthenticate(header))).toEqual([[scheme, expected]]);
        },
      ),
    );
  });
});

/** The challenges in the tables' shape, with params as plain objects. */
function plain(challenges: AuthChallenge[]): Expected[] {
  return challenges.map(({ scheme, params, token68 }) => {
    const copy: Record<string, string> = {};
    for (const [name, value] of Object.entries(params)) {
      Object.defineProperty(copy, name, { value, enumerable: true });
    }
    return token68 === null ? [scheme, copy] : [scheme, copy, token68];
  });
}

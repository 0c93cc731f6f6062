import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { calculateJwkThumbprint, decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { JWK } from 'jose';

import { DpopVerifier } from '../src/dpop-verifier.ts';
import { rawRequest, startTestServer, statusOf, temporaryDir } from './helpers.ts';
import type { JsonAnswer, TestServer } from './helpers.ts';

const LOGIN = { username: 'demo', password: 'demo-password' };

describe('DEMO_DPOP=on: DPoP-bound tokens (RFC 9449)', () => {
  let server: TestServer;
  let client: DpopClient;
  beforeEach(async () => {
    server = await startTestServer({ dpop: true });
    client = await DpopClient.create(server);
  });
  afterEach(() => server.close());

  it('binds a login to the proof key after one nonce challenge, and admits proven calls', async () => {
    const first = await client.post('/api/auth/login', LOGIN, { nonce: null });

    assert.equal(first.status, 400);
    assert.deepEqual(first.body, {
      error: 'use_dpop_nonce',
      error_description: 'The DPoP proof has no nonce',
    });
    const nonce = first.headers.get('dpop-nonce');
    assert.match(nonce ?? '', /^[\w-]{22}$/);

    const login = await client.post('/api/auth/login', LOGIN, { nonce });

    assert.equal(login.status, 200);
    assert.equal(login.body['tokenType'], 'DPoP');
    const accessToken = login.body['accessToken'] as string;
    assert.deepEqual(decodeJwt(accessToken)['cnf'], { jkt: client.thumbprint });
    const profile = await client.get('/api/profile', accessToken);
    assert.equal(profile.status, 200);
    assert.deepEqual(profile.body, { username: 'demo' });
    assert.equal(profile.headers.get('dpop-nonce'), nonce);
    assert.deepEqual(await dpopStats(server), {
      dpopTokenNonceChallenges: 1,
      dpopResourceNonceChallenges: 0,
      dpopProofRejections: 0,
    });
  });

  it('refuses a login without a proof 400 invalid_dpop_proof, before any password check', async () => {
    const answer = await server.post('/api/auth/login', LOGIN);

    assert.equal(answer.status, 400);
    assert.deepEqual(answer.body, {
      error: 'invalid_dpop_proof',
      error_description: 'The request has no DPoP proof',
    });
    assert.match(answer.headers.get('dpop-nonce') ?? '', /^[\w-]{22}$/);
    const stats = (await server.get('/__test/stats')).body;
    assert.deepEqual([stats['loginFailures'], stats['dpopProofRejections']], [0, 1]);
  });

  it('refuses proofs whose header is not a public ES256 key of type dpop+jwt, each saying why', async () => {
    const { accessToken } = await client.signIn();
    const other = await DpopClient.create(server);
    const cases: [string, Promise<string>][] = [
      ['The DPoP proof is not a JWT', Promise.resolve('not-a-jwt')],
      ["The DPoP proof's typ is not dpop+jwt", client.proof('GET', '/api/profile', { typ: 'JWT' })],
      [
        'The DPoP proof must be signed with ES256',
        new SignJWT({ htm: 'GET', htu: `${server.url}/api/profile`, jti: randomUUID() })
          .setIssuedAt()
          .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: client.jwk })
          .sign(new Uint8Array(32)),
      ],
      ['The DPoP proof has no jwk header', client.proof('GET', '/api/profile', { jwk: null })],
      [
        "The DPoP proof's jwk holds a private key",
        client.proof('GET', '/api/profile', { jwk: client.privateJwk }),
      ],
      [
        "The DPoP proof's signature does not verify with its jwk",
        client.proof('GET', '/api/profile', { jwk: other.jwk }),
      ],
    ];
    for (const [description, proof] of cases) {
      const answer = await server.get('/api/profile', {
        Authorization: `DPoP ${accessToken}`,
        DPoP: await proof,
      });

      assertProofRefused(answer, description);
    }
    assert.equal((await dpopStats(server))['dpopProofRejections'], cases.length);
  });

  it('refuses a jwk that is no valid P-256 public key as invalid_dpop_proof at both endpoints, never 500', async () => {
    const { accessToken } = await client.signIn();
    const { x, y } = client.jwk;
    // Each passes the header checks, and WebCrypto refuses the key data (a DataError, not jose's).
    const keys = [
      { kty: 'EC', crv: 'P-256', x: 1, y },
      { kty: 'EC', crv: 'P-256', x: 'AAAA', y },
      { kty: 'EC', crv: 'P-256', x: y, y },
      { kty: 'EC', crv: 'P-384', x, y },
    ] as unknown as JWK[];
    for (const jwk of keys) {
      const resource = await server.get('/api/profile', {
        Authorization: `DPoP ${accessToken}`,
        DPoP: await client.proof('GET', '/api/profile', { accessToken, jwk }),
      });
      const login = await client.post('/api/auth/login', LOGIN, { jwk });

      assertProofRefused(resource, "The DPoP proof's signature does not verify with its jwk");
      assert.equal(login.status, 400, JSON.stringify(jwk));
      assert.deepEqual(login.body, {
        error: 'invalid_dpop_proof',
        error_description: "The DPoP proof's signature does not verify with its jwk",
      });
    }
    assert.equal((await dpopStats(server))['dpopProofRejections'], 2 * keys.length);
  });

  it('refuses a proof for another method, URL or time, and accepts one whose URL has a query', async () => {
    const { accessToken } = await client.signIn();
    const { port } = new URL(server.url);
    const cases: [string, Promise<string>][] = [
      ["The DPoP proof's htm is not GET", client.proof('POST', '/api/profile', { accessToken })],
      [
        "The DPoP proof's htu is not the request URL",
        client.proof('GET', '/api/data/1', { accessToken }),
      ],
      [
        "The DPoP proof's htu is not the request URL",
        client.proof('GET', `http://localhost:${port}/api/profile`, { accessToken }),
      ],
      [
        "The DPoP proof's iat is more than 60 s away from the server's time",
        client.proof('GET', '/api/profile', { accessToken, iatOffset: -70 }),
      ],
      [
        "The DPoP proof's iat is more than 60 s away from the server's time",
        client.proof('GET', '/api/profile', { accessToken, iatOffset: 70 }),
      ],
    ];
    for (const [description, proof] of cases) {
      const answer = await server.get('/api/profile', {
        Authorization: `DPoP ${accessToken}`,
        DPoP: await proof,
      });

      assertProofRefused(answer, description);
    }
    const withQuery = await server.get('/api/profile?fresh=1', {
      Authorization: `DPoP ${accessToken}`,
      DPoP: await client.proof('GET', '/api/profile#top', { accessToken, iatOffset: -30 }),
    });
    assert.equal(withQuery.status, 200);
  });

  it('refuses a replayed proof: the same jti twice within the window', async () => {
    const { accessToken } = await client.signIn();
    const headers = {
      Authorization: `DPoP ${accessToken}`,
      DPoP: await client.proof('GET', '/api/profile', { accessToken }),
    };

    const first = await server.get('/api/profile', headers);
    const replay = await server.get('/api/profile', headers);

    assert.equal(first.status, 200);
    assertProofRefused(replay, 'The DPoP proof was used before (its jti is not new)');
  });

  it('refuses a resource proof without ath, or with the hash of another token', async () => {
    const { accessToken } = await client.signIn();
    const cases: [string, Promise<string>][] = [
      ['The DPoP proof has no ath', client.proof('GET', '/api/profile')],
      [
        "The DPoP proof's ath is not the hash of the access token",
        client.proof('GET', '/api/profile', { accessToken: `${accessToken}x` }),
      ],
    ];
    for (const [description, proof] of cases) {
      const answer = await server.get('/api/profile', {
        Authorization: `DPoP ${accessToken}`,
        DPoP: await proof,
      });

      assertProofRefused(answer, description);
    }
    const noProof = await server.get('/api/profile', { Authorization: `DPoP ${accessToken}` });
    assertProofRefused(noProof, 'The request has no DPoP proof');
  });

  it('refuses a valid proof by another key than the token is bound to (cnf.jkt)', async () => {
    const { accessToken } = await client.signIn();
    const thief = await DpopClient.create(server);
    thief.nonce = client.nonce;

    const answer = await thief.get('/api/profile', accessToken);

    assertProofRefused(
      answer,
      'The DPoP proof is not signed by the key the access token is bound to',
    );
  });

  it('refuses a bound token sent as Bearer 401 invalid_token, with a DPoP challenge', async () => {
    const { accessToken } = await client.signIn();

    const answer = await server.get('/api/profile', { Authorization: `Bearer ${accessToken}` });

    assert.equal(answer.status, 401);
    assert.equal(
      answer.headers.get('www-authenticate'),
      'DPoP realm="demo", error="invalid_token", ' +
        'error_description="The access token is bound to a DPoP key: send it as DPoP, with a proof", ' +
        'algs="ES256"',
    );
    assert.deepEqual(answer.body, { error: 'invalid_token' });
    const none = await server.get('/api/profile');
    assert.equal(none.headers.get('www-authenticate'), 'DPoP realm="demo", algs="ES256"');
  });

  it('asks a resource call for a nonce 401 use_dpop_nonce with a fresh DPoP-Nonce: missing, then stale', async () => {
    const { accessToken } = await client.signIn();
    const challenge =
      'DPoP realm="demo", error="use_dpop_nonce", ' +
      'error_description="The DPoP proof has no nonce", algs="ES256"';

    const missing = await client.get('/api/profile', accessToken, { nonce: null });

    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), challenge);
    assert.equal(missing.headers.get('dpop-nonce'), client.nonce);
    assert.deepEqual(missing.body, { error: 'use_dpop_nonce' });

    // One rotation: the previous nonce still passes, and the answer brings the new one.
    const previous = client.nonce;
    await server.post('/__test/rotate-dpop-nonce');
    const stillGood = await client.get('/api/profile', accessToken, { nonce: previous });
    assert.equal(stillGood.status, 200);
    assert.notEqual(stillGood.headers.get('dpop-nonce'), previous);

    // Two rotations: it is stale.
    await server.post('/__test/rotate-dpop-nonce');
    const stale = await client.get('/api/profile', accessToken, { nonce: previous });
    assert.equal(stale.status, 401);
    assert.equal(
      stale.headers.get('www-authenticate'),
      challenge.replace(' has no nonce', "'s nonce is not current"),
    );
    assert.equal(
      stale.headers.get('dpop-nonce'),
      (await server.get('/api/demo/stats')).headers.get('dpop-nonce'),
    );
    assert.deepEqual(await dpopStats(server), {
      dpopTokenNonceChallenges: 1,
      dpopResourceNonceChallenges: 2,
      dpopProofRejections: 0,
    });
  });

  it('refreshes only with the bound key: another key gets 400 invalid_grant and spends nothing', async () => {
    const { refreshToken } = await client.signIn();
    const thief = await DpopClient.create(server);
    thief.nonce = client.nonce;

    const stolen = await thief.post('/api/auth/refresh', { refreshToken });

    assert.equal(stolen.status, 400);
    assert.deepEqual(stolen.body, {
      error: 'invalid_grant',
      error_description: 'The refresh token is bound to another DPoP key',
    });

    await server.post('/__test/rotate-dpop-nonce');
    await server.post('/__test/rotate-dpop-nonce');
    const stale = await client.post('/api/auth/refresh', { refreshToken });
    assert.equal(stale.status, 400);
    assert.deepEqual(stale.body, {
      error: 'use_dpop_nonce',
      error_description: "The DPoP proof's nonce is not current",
    });

    client.nonce = stale.headers.get('dpop-nonce');
    const refreshed = await client.post('/api/auth/refresh', { refreshToken });
    assert.equal(refreshed.status, 200);
    assert.equal(refreshed.body['tokenType'], 'DPoP');
    const accessToken = refreshed.body['accessToken'] as string;
    assert.deepEqual(decodeJwt(accessToken)['cnf'], { jkt: client.thumbprint });
    assert.equal((await client.get('/api/profile', accessToken)).status, 200);
    const stats = (await server.get('/__test/stats')).body;
    assert.deepEqual(
      [stats['refreshSuccesses'], stats['refreshRejections'], stats['reuseDetected']],
      [1, 1, 0],
    );
  });

  it('counts a refresh only once its proof passes: nonce challenges and refused proofs apart', async () => {
    const { refreshToken } = await client.signIn();
    await server.post('/__test/reset-stats');
    await server.post('/__test/rotate-dpop-nonce');
    await server.post('/__test/rotate-dpop-nonce');

    const noProof = await server.post('/api/auth/refresh', { refreshToken });
    const stale = await client.post('/api/auth/refresh', { refreshToken });
    const resent = await client.post('/api/auth/refresh', { refreshToken });

    assert.deepEqual(
      [noProof.body['error'], stale.body['error'], resent.status],
      ['invalid_dpop_proof', 'use_dpop_nonce', 200],
    );
    const stats = (await server.get('/__test/stats')).body;
    assert.deepEqual(
      {
        refreshCalls: stats['refreshCalls'],
        refreshSuccesses: stats['refreshSuccesses'],
        dpopTokenNonceChallenges: stats['dpopTokenNonceChallenges'],
        dpopProofRejections: stats['dpopProofRejections'],
      },
      { refreshCalls: 1, refreshSuccesses: 1, dpopTokenNonceChallenges: 1, dpopProofRejections: 1 },
    );
  });

  it('refuses two DPoP headers as invalid_dpop_proof, though each proof alone passes', async () => {
    const { accessToken } = await client.signIn();
    const { host } = new URL(server.url);
    const twoProofs = async (method: string, path: string, token?: string) =>
      [
        `DPoP: ${await client.proof(method, path, { accessToken: token })}`,
        `DPoP: ${await client.proof(method, path, { accessToken: token })}`,
      ].join('\r\n');

    const resource = await rawRequest(
      server.url,
      `GET /api/profile HTTP/1.1\r\nHost: ${host}\r\nAuthorization: DPoP ${accessToken}\r\n` +
        `${await twoProofs('GET', '/api/profile', accessToken)}\r\nConnection: close\r\n\r\n`,
    );
    const body = JSON.stringify(LOGIN);
    const login = await rawRequest(
      server.url,
      `POST /api/auth/login HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${body.length}\r\n${await twoProofs('POST', '/api/auth/login')}\r\n` +
        `Connection: close\r\n\r\n${body}`,
    );

    assert.equal(statusOf(resource.response), 401);
    assert.match(
      resource.response,
      /\r\nwww-authenticate: DPoP realm="demo", error="invalid_dpop_proof", error_description="The request has more than one DPoP header", algs="ES256"\r\n/i,
    );
    assert.equal(statusOf(login.response), 400);
    assert.ok(
      login.response.endsWith(
        '{"error":"invalid_dpop_proof","error_description":"The request has more than one DPoP header"}',
      ),
      login.response,
    );
    assert.equal((await dpopStats(server))['dpopProofRejections'], 2);
  });

  it('sends a DPoP-Nonce on every API answer, and none on the app config', async () => {
    const answers = [
      await server.get('/api/demo/stats'),
      await server.get('/api/nothing'),
      await server.post('/api/auth/logout', {}),
    ];

    for (const answer of answers) {
      assert.match(answer.headers.get('dpop-nonce') ?? '', /^[\w-]{22}$/);
    }
    const config = await fetch(`${server.url}/demo-config.js`);
    assert.equal(config.headers.get('dpop-nonce'), null);
    assert.match(await config.text(), /"dpop":true/);
  });
});

describe('switching DEMO_DPOP on a kept database', () => {
  let dir: ReturnType<typeof temporaryDir>;
  beforeEach(() => {
    dir = temporaryDir();
  });
  afterEach(() => dir.remove());

  it('refuses a bound session on a server without DPoP: its token as Bearer, its refresh', async () => {
    const dbPath = `${dir.path}/demo.db`;
    const bound = await startTestServer({ dpop: true, dbPath });
    const client = await DpopClient.create(bound);
    const { accessToken, refreshToken } = await client.signIn();
    await bound.close();

    const plain = await startTestServer({ dbPath });
    try {
      const call = await plain.get('/api/profile', { Authorization: `Bearer ${accessToken}` });
      const refresh = await plain.post('/api/auth/refresh', { refreshToken });

      assert.equal(call.status, 401);
      assert.equal(
        call.headers.get('www-authenticate'),
        'Bearer realm="demo", error="invalid_token", ' +
          'error_description="The access token is bound to a DPoP key: send it as DPoP, with a proof"',
      );
      assert.equal(refresh.status, 400);
      assert.deepEqual(refresh.body, {
        error: 'invalid_grant',
        error_description:
          'The session is bound to a DPoP key and this server runs without DPoP: sign in again',
      });
    } finally {
      await plain.close();
    }
  });

  it('refuses an unbound session on a server with DPoP: its token, and its refresh', async () => {
    const dbPath = `${dir.path}/demo.db`;
    const plain = await startTestServer({ dbPath });
    const { accessToken, refreshToken } = await plain.login();
    await plain.close();

    const bound = await startTestServer({ dpop: true, dbPath });
    try {
      const client = await DpopClient.create(bound);
      await client.learnNonce();
      const asBearer = await bound.get('/api/profile', { Authorization: `Bearer ${accessToken}` });
      const asDpop = await client.get('/api/profile', accessToken);
      const refresh = await client.post('/api/auth/refresh', { refreshToken });

      assert.match(
        asBearer.headers.get('www-authenticate') ?? '',
        /error_description="The access token is not bound to a DPoP key"/,
      );
      assert.match(
        asDpop.headers.get('www-authenticate') ?? '',
        /error_description="The access token is not bound to a DPoP key"/,
      );
      assert.deepEqual(refresh.body, {
        error: 'invalid_grant',
        error_description: 'The session is not bound to a DPoP key: sign in again',
      });
    } finally {
      await bound.close();
    }
  });
});

describe('DpopVerifier', () => {
  it('accepts the previous nonce for one period after a rotation, not two', async () => {
    let now = 1_000_000_000_000;
    const verifier = new DpopVerifier({ now: () => now });
    const key = await DpopKey.create();
    const url = 'http://127.0.0.1/api/profile';
    const first = verifier.nonce();
    const check = async (nonce: string) =>
      (
        await verifier.check(await key.sign({ htm: 'GET', htu: url, nonce }, now), {
          method: 'GET',
          url,
        })
      ).error;

    now += 59_999;
    assert.equal(verifier.nonce(), first);
    now += 1;
    const second = verifier.nonce();
    assert.notEqual(second, first);
    assert.deepEqual([await check(first), await check(second)], [null, null]);
    now += 60_000;
    assert.deepEqual([await check(first), await check(second)], ['use_dpop_nonce', null]);
    now += 120_000;
    assert.deepEqual([await check(second)], ['use_dpop_nonce']);
  });

  it('keeps at most maxRememberedProofs ids, refusing more until the oldest leave the window', async () => {
    let now = 1_000_000_000_000;
    const verifier = new DpopVerifier({ now: () => now, maxRememberedProofs: 2 });
    const key = await DpopKey.create();
    const url = 'http://127.0.0.1/api/auth/login';
    const check = async () => {
      const proof = await key.sign({ htm: 'POST', htu: url, nonce: verifier.nonce() }, now);
      return (await verifier.check(proof, { method: 'POST', url })).error;
    };

    assert.deepEqual([await check(), await check(), await check()], [null, null, 'busy']);
    now += 60_001;
    assert.equal(await check(), null);
  });
});

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** A key pair that signs DPoP proofs the way a client does, with jose. */
class DpopKey {
  readonly privateKey: SigningKey;
  readonly jwk: JWK;
  readonly privateJwk: JWK;
  readonly thumbprint: string;

  private constructor(privateKey: SigningKey, jwk: JWK, privateJwk: JWK, thumbprint: string) {
    this.privateKey = privateKey;
    this.jwk = jwk;
    this.privateJwk = privateJwk;
    this.thumbprint = thumbprint;
  }

  static async create(): Promise<DpopKey> {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    return new DpopKey(
      privateKey,
      jwk,
      await exportJWK(privateKey),
      await calculateJwkThumbprint(jwk, 'sha256'),
    );
  }

  /** A proof with these claims (and a fresh jti) at `now` (ms), with header changes for tests. */
  sign(
    claims: Record<string, unknown>,
    now = Date.now(),
    header: { typ?: string; jwk?: JWK | null } = {},
  ): Promise<string> {
    const jwk = header.jwk === undefined ? this.jwk : header.jwk;
    return new SignJWT({ jti: randomUUID(), ...claims })
      .setIssuedAt(Math.floor(now / 1000))
      .setProtectedHeader({
        typ: header.typ ?? 'dpop+jwt',
        alg: 'ES256',
        ...(jwk === null ? {} : { jwk }),
      })
      .sign(this.privateKey);
  }
}

interface ProofOptions {
  accessToken?: string;
  /** The nonce to send; the last one the server gave when left out, none when `null`. */
  nonce?: string | null;
  iatOffset?: number;
  typ?: string;
  jwk?: JWK | null;
}

/** A client of the test server that proves its requests and remembers the server's nonce. */
class DpopClient {
  nonce: string | null = null;

  readonly #server: TestServer;
  readonly #key: DpopKey;

  private constructor(server: TestServer, key: DpopKey) {
    this.#server = server;
    this.#key = key;
  }

  static async create(server: TestServer): Promise<DpopClient> {
    return new DpopClient(server, await DpopKey.create());
  }

  get jwk(): JWK {
    return this.#key.jwk;
  }

  get privateJwk(): JWK {
    return this.#key.privateJwk;
  }

  get thumbprint(): string {
    return this.#key.thumbprint;
  }

  /** A proof for `method` and `target` (a path on the server, or an absolute URL). */
  proof(method: string, target: string, options: ProofOptions = {}): Promise<string> {
    const htu = target.startsWith('/') ? this.#server.url + target : target;
    const nonce = options.nonce === undefined ? this.nonce : options.nonce;
    return this.#key.sign(
      {
        htm: method,
        htu,
        ...(options.accessToken === undefined ? {} : { ath: sha256(options.accessToken) }),
        ...(nonce === null ? {} : { nonce }),
      },
      Date.now() + (options.iatOffset ?? 0) * 1000,
      { typ: options.typ, jwk: options.jwk },
    );
  }

  async post(path: string, body: unknown, options: ProofOptions = {}): Promise<JsonAnswer> {
    const answer = await this.#server.post(path, body, {
      DPoP: await this.proof('POST', path, options),
    });
    this.nonce = answer.headers.get('dpop-nonce') ?? this.nonce;
    return answer;
  }

  async get(path: string, accessToken: string, options: ProofOptions = {}): Promise<JsonAnswer> {
    const answer = await this.#server.get(path, {
      Authorization: `DPoP ${accessToken}`,
      DPoP: await this.proof('GET', path, { accessToken, ...options }),
    });
    this.nonce = answer.headers.get('dpop-nonce') ?? this.nonce;
    return answer;
  }

  /** Learns the server's nonce from an answer that needs none. */
  async learnNonce(): Promise<void> {
    this.nonce = (await this.#server.get('/api/demo/stats')).headers.get('dpop-nonce');
  }

  /** Signs in as `demo` with a proof (after the nonce challenge); returns the tokens. */
  async signIn(): Promise<{ accessToken: string; refreshToken: string }> {
    await this.post('/api/auth/login', LOGIN, { nonce: null });
    const answer = await this.post('/api/auth/login', LOGIN);
    assert.equal(answer.status, 200);
    return answer.body as { accessToken: string; refreshToken: string };
  }
}

function assertProofRefused(answer: JsonAnswer, description: string): void {
  assert.equal(answer.status, 401, description);
  assert.equal(
    answer.headers.get('www-authenticate'),
    `DPoP realm="demo", error="invalid_dpop_proof", error_description="${description}", algs="ES256"`,
  );
  assert.deepEqual(answer.body, { error: 'invalid_dpop_proof' }, description);
}

async function dpopStats(server: TestServer): Promise<Record<string, unknown>> {
  const stats = (await server.get('/__test/stats')).body;
  return {
    dpopTokenNonceChallenges: stats['dpopTokenNonceChallenges'],
    dpopResourceNonceChallenges: stats['dpopResourceNonceChallenges'],
    dpopProofRejections: stats['dpopProofRejections'],
  };
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}

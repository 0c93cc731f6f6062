import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { bearer, startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

describe('the WWW-Authenticate challenges (RFC 6750, RFC 9470)', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  it('answers a call without a token 401 with the realm only, and no error code', async () => {
    const withoutBearer: Record<string, string>[] = [
      {},
      { Authorization: 'Basic ZGVtbzpkZW1vLXBhc3N3b3Jk' },
    ];
    for (const headers of withoutBearer) {
      const answer = await server.get('/api/profile', headers);

      assert.equal(answer.status, 401);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="demo"');
    }
  });

  it('answers an access token the server expired 401 invalid_token, saying it expired', async () => {
    const session = await server.login();
    await server.post('/__test/expire-access-tokens');

    const answer = await server.get('/api/profile', bearer(session));

    assert.equal(answer.status, 401);
    assert.equal(
      answer.headers.get('www-authenticate'),
      'Bearer realm="demo", error="invalid_token", error_description="The access token expired"',
    );
    assert.deepEqual(answer.body, { error: 'invalid_token' });
  });

  it('answers an access token past its exp 401 invalid_token, saying it expired', async () => {
    await server.close();
    server = await startTestServer({ accessTokenTtlSeconds: 1 });
    const session = await server.login();
    await waitUntilExpired(server, session.accessToken);

    const answer = await server.get('/api/profile', bearer(session));

    assert.equal(
      answer.headers.get('www-authenticate'),
      'Bearer realm="demo", error="invalid_token", error_description="The access token expired"',
    );
  });

  it('answers a token of a revoked session 401 invalid_token, saying it was revoked', async () => {
    const session = await server.login();
    await server.post('/api/demo/revoke-session', {}, bearer(session));

    const answer = await server.get('/api/data/1', bearer(session));

    assert.equal(answer.status, 401);
    assert.equal(
      answer.headers.get('www-authenticate'),
      'Bearer realm="demo", error="invalid_token", ' +
        'error_description="The session of the access token was revoked"',
    );
  });

  it('answers a forged or malformed token 401 invalid_token, saying it is not valid', async () => {
    for (const authorization of ['Bearer forged', 'Bearer a.b.c', 'Bearer two words', 'Bearer ']) {
      const answer = await server.get('/api/profile', { Authorization: authorization });

      assert.equal(answer.status, 401, authorization);
      assert.equal(
        answer.headers.get('www-authenticate'),
        'Bearer realm="demo", error="invalid_token", ' +
          'error_description="The access token is not valid"',
        authorization,
      );
    }
  });

  it('answers the admin report 403 insufficient_scope naming the scope, for a valid token', async () => {
    const session = await server.login();
    await server.post('/__test/reset-stats');

    const answer = await server.get('/api/admin/report', bearer(session));

    assert.equal(answer.status, 403);
    assert.equal(
      answer.headers.get('www-authenticate'),
      'Bearer realm="demo", error="insufficient_scope", ' +
        'error_description="The access token lacks the admin scope", scope="admin"',
    );
    assert.deepEqual(answer.body, { error: 'insufficient_scope' });
    const stats = (await server.get('/__test/stats')).body;
    assert.deepEqual([stats['forbidden'], stats['unauthorized']], [1, 0]);
    // The token itself is still good: the scope check refused the call, nothing else.
    assert.equal((await server.get('/api/profile', bearer(session))).status, 200);
  });

  it('answers the security page 401 insufficient_user_authentication with acr_values', async () => {
    const session = await server.login();

    const answer = await server.get('/api/account/security', bearer(session));

    assert.equal(answer.status, 401);
    assert.equal(
      answer.headers.get('www-authenticate'),
      'Bearer realm="demo", error="insufficient_user_authentication", ' +
        'error_description="A multi-factor sign-in is required", acr_values="mfa"',
    );
    assert.deepEqual(answer.body, { error: 'insufficient_user_authentication' });
  });

  it('checks the token before the scope or the step-up: an expired one gets invalid_token', async () => {
    const session = await server.login();
    await server.post('/__test/expire-access-tokens');

    for (const path of ['/api/admin/report', '/api/account/security']) {
      const answer = await server.get(path, bearer(session));

      assert.equal(answer.status, 401, path);
      assert.match(answer.headers.get('www-authenticate') ?? '', /error="invalid_token"/, path);
    }
  });

  it('sends no challenge on answers that are not refusals', async () => {
    const session = await server.login();

    const answers = [
      await server.get('/api/profile', bearer(session)),
      await server.get('/api/nothing-here', bearer(session)),
    ];

    assert.deepEqual(
      answers.map((answer) => [answer.status, answer.headers.get('www-authenticate')]),
      [
        [200, null],
        [404, null],
      ],
    );
  });
});

/** Polls (bounded) until the server answers the token 401; its exp is whole seconds. */
async function waitUntilExpired(server: TestServer, accessToken: string): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const answer = await server.get('/api/profile', { Authorization: `Bearer ${accessToken}` });
    if (answer.status === 401) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('the access token did not expire within 4 s');
}

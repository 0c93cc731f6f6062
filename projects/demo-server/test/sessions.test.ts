import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';

import { DEFAULT_OPTIONS } from '../src/options.ts';
import { SessionStore } from '../src/session-store.ts';
import type { RotationResult } from '../src/session-store.ts';
import { bearer, startTestServer, temporaryDir } from './helpers.ts';
import type { TestServer, Tokens } from './helpers.ts';

describe('the demo endpoints', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(() => server.close());

  for (const path of ['/api/demo/expire-access-tokens', '/api/demo/revoke-session']) {
    it(`refuses ${path} without an access token: 401, and nothing changes`, async () => {
      const session = await server.login();

      assert.equal((await server.post(path)).status, 401);
      assert.equal((await server.post(path, {}, { Authorization: 'Bearer forged' })).status, 401);
      assert.equal((await server.get('/api/profile', bearer(session))).status, 200);
    });
  }

  it('expire-access-tokens expires the caller’s access tokens only', async () => {
    const mine = await server.login();
    const other = await server.login(); // the same user in another browser

    assert.deepEqual((await server.post('/api/demo/expire-access-tokens', {}, bearer(mine))).body, {
      expired: 'this-session',
    });

    assert.equal((await server.get('/api/profile', bearer(mine))).status, 401);
    assert.equal((await server.get('/api/profile', bearer(other))).status, 200);
    const refreshed = await refresh(server, mine.refreshToken);
    assert.equal(refreshed.status, 200); // the session itself lives on
  });

  it('revoke-session ends the caller’s session only: its tokens stop working, others’ do not', async () => {
    const mine = await server.login();
    const other = await server.login();

    assert.deepEqual((await server.post('/api/demo/revoke-session', {}, bearer(mine))).body, {
      revoked: 'this-session',
    });

    assert.equal((await server.get('/api/profile', bearer(mine))).status, 401);
    assert.deepEqual((await refresh(server, mine.refreshToken)).body, {
      error: 'invalid_grant',
      reason: 'revoked',
    });
    assert.equal((await server.get('/api/profile', bearer(other))).status, 200);
    assert.equal((await refresh(server, other.refreshToken)).status, 200);
  });

  it('logout revokes the presented token’s session', async () => {
    const session = await server.login();

    assert.equal(
      (await server.post('/api/auth/logout', { refreshToken: session.refreshToken })).status,
      200,
    );

    assert.equal((await server.get('/api/profile', bearer(session))).status, 401);
    assert.equal((await refresh(server, session.refreshToken)).status, 401);
  });
});

describe('a restart', () => {
  it('keeps sessions, revocations and expired access tokens as they were', async () => {
    const dir = temporaryDir();
    const dbPath = join(dir.path, 'demo.db');
    try {
      let server = await startTestServer({ dbPath });
      const expired = await server.login();
      const revoked = await server.login();
      await server.post('/api/demo/revoke-session', {}, bearer(revoked));
      const kept = await server.login();
      await server.post('/__test/expire-access-tokens');
      const renewed = (await refresh(server, kept.refreshToken)).body as unknown as Tokens;
      await server.post('/api/demo/revoke-session', {}, bearer(renewed));
      const live = await server.login();
      await server.close();

      server = await startTestServer({ dbPath });
      try {
        assert.equal((await server.get('/api/profile', bearer(expired))).status, 401);
        assert.equal((await server.get('/api/profile', bearer(renewed))).status, 401);
        assert.equal((await server.get('/api/profile', bearer(live))).status, 200);
        assert.equal((await refresh(server, renewed.refreshToken)).body['reason'], 'revoked');
        assert.equal((await refresh(server, expired.refreshToken)).status, 200);
        assert.equal((await server.get('/api/profile', bearer(revoked))).status, 401);
      } finally {
        await server.close();
      }
    } finally {
      dir.remove();
    }
  });
});

describe('rotation over HTTP', () => {
  let server: TestServer | undefined;
  afterEach(() => server?.close());

  it('gives the previous token, presented again at once, the same new refresh token (grace)', async () => {
    server = await startTestServer({ rotationGraceSeconds: 5 });
    const session = await server.login();

    const first = await refresh(server, session.refreshToken);
    const again = await refresh(server, session.refreshToken);

    assert.equal(first.status, 200);
    assert.equal(again.status, 200);
    assert.equal(again.body['refreshToken'], first.body['refreshToken']);
    assert.equal((await server.get('/api/profile', bearer(again.body as never))).status, 200);
    const next = await refresh(server, String(first.body['refreshToken']));
    assert.equal(next.status, 200);
    assert.deepEqual(
      pick(await server.get('/__test/stats'), [
        'refreshSuccesses',
        'graceReplays',
        'reuseDetected',
      ]),
      { refreshSuccesses: 3, graceReplays: 1, reuseDetected: 0 },
    );
  });

  it('revokes the family when the previous token comes back after its successor was used', async () => {
    server = await startTestServer({ rotationGraceSeconds: 5 });
    const session = await server.login();
    const first = await refresh(server, session.refreshToken);
    const second = await refresh(server, String(first.body['refreshToken']));

    const reused = await refresh(server, session.refreshToken);

    assert.deepEqual(reused.body, { error: 'invalid_grant', reason: 'reused' });
    assert.equal(
      (await refresh(server, String(second.body['refreshToken']))).body['reason'],
      'revoked',
    );
    assert.equal((await server.get('/api/profile', bearer(second.body as never))).status, 401);
  });

  it('with ROTATION_GRACE_SECONDS=0, a second use of a token is reuse at once', async () => {
    server = await startTestServer({ rotationGraceSeconds: 0 });
    const session = await server.login();
    await refresh(server, session.refreshToken);

    assert.equal((await refresh(server, session.refreshToken)).body['reason'], 'reused');
  });
});

describe('SessionStore rotation', () => {
  const lifetimes = {
    refreshTokenTtlSeconds: 3600,
    familyLifetimeSeconds: 24 * 3600,
    rotationGraceSeconds: 5,
  };
  let store: SessionStore;
  let userId: number;
  beforeEach(() => {
    mock.timers.enable({ apis: ['Date'], now: 1_800_000_000_000 });
    store = new SessionStore(':memory:', lifetimes);
    store.addUser('demo', { salt: 's', hash: 'h' });
    userId = store.user('demo')?.id ?? -1;
  });
  afterEach(() => {
    store.close();
    mock.timers.reset();
  });

  it('answers the previous token within the window with the same successor, and outside it with reuse', () => {
    const { refreshToken } = store.startFamily(userId);
    const rotated = rotated_(store.rotate(refreshToken));
    mock.timers.tick(4_999);

    assert.equal(rotated_(store.rotate(refreshToken), 'grace'), rotated);
    mock.timers.tick(2);
    const late = store.rotate(refreshToken);
    assert.equal(late.outcome, 'reused');
    assert.equal(store.rotate(rotated).outcome, 'revoked');
  });

  it('with a window of 0, a second use in the same millisecond is reuse', () => {
    const strict = new SessionStore(':memory:', { ...lifetimes, rotationGraceSeconds: 0 });
    try {
      strict.addUser('demo', { salt: 's', hash: 'h' });
      const { refreshToken } = strict.startFamily(strict.user('demo')?.id ?? -1);
      rotated_(strict.rotate(refreshToken));

      assert.equal(strict.rotate(refreshToken).outcome, 'reused');
    } finally {
      strict.close();
    }
  });

  it('ends a family at its absolute lifetime however often it rotates', () => {
    let { refreshToken } = store.startFamily(userId);
    for (let hour = 0; hour < 23; hour++) {
      mock.timers.tick(3_500_000);
      refreshToken = rotated_(store.rotate(refreshToken));
    }
    mock.timers.tick(24 * 3600 * 1000 - 23 * 3_500_000);

    assert.equal(store.rotate(refreshToken).outcome, 'expired');
  });

  it('prunes spent and expired tokens, and families dead for a day', () => {
    const kept = store.startFamily(userId);
    const dead = store.startFamily(userId);
    let token = kept.refreshToken;
    for (let step = 0; step < 5; step++) {
      token = rotated_(store.rotate(token));
    }
    store.revokeFamily(dead.familyId);
    assert.deepEqual(store.counts(), { families: 2, refreshTokens: 7 });

    mock.timers.tick(3_600_001); // every token but none of the families has expired
    assert.equal(store.prune(), 7);
    mock.timers.tick(24 * 3600 * 1000);
    store.prune();

    assert.deepEqual(store.counts(), { families: 1, refreshTokens: 0 });
  });
});

describe('two processes on one database', () => {
  it('never both rotate one token: of 4 processes presenting it at once, 1 rotates, 1 sees reuse, 2 see it revoked', async () => {
    const dir = temporaryDir();
    const dbPath = join(dir.path, 'shared.db');
    try {
      const store = new SessionStore(dbPath, { ...DEFAULT_OPTIONS, rotationGraceSeconds: 0 });
      store.addUser('demo', { salt: 's', hash: 'h' });
      const { refreshToken } = store.startFamily(store.user('demo')?.id ?? -1);
      store.close();

      const outcomes = await Promise.all(
        Array.from({ length: 4 }, () => rotateInChildProcess(dbPath, refreshToken)),
      );

      // Serialized by the immediate transactions: the first loser revokes the family.
      assert.deepEqual(outcomes.sort(), ['reused', 'revoked', 'revoked', 'rotated']);
    } finally {
      dir.remove();
    }
  });
});

function refresh(server: TestServer, refreshToken: string) {
  return server.post('/api/auth/refresh', { refreshToken });
}

function pick(answer: { body: Record<string, unknown> }, keys: string[]) {
  return Object.fromEntries(keys.map((key) => [key, answer.body[key]]));
}

/** The new refresh token of a rotation that must have succeeded with `outcome`. */
function rotated_(result: RotationResult, outcome: 'rotated' | 'grace' = 'rotated'): string {
  assert.equal(result.outcome, outcome);
  return 'refreshToken' in result ? result.refreshToken : '';
}

/** Rotates `token` from a separate Node process, all of them released at the same moment. */
function rotateInChildProcess(dbPath: string, token: string): Promise<string> {
  const script = `
    import { SessionStore } from ${JSON.stringify(join(import.meta.dirname, '../src/session-store.ts'))};
    const store = new SessionStore(process.argv[1], { refreshTokenTtlSeconds: 3600, familyLifetimeSeconds: 86400, rotationGraceSeconds: 0 });
    process.stdin.once('data', () => { console.log(store.rotate(process.argv[2]).outcome); store.close(); process.exit(0); });
    console.log('ready');
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script, dbPath, token], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      if (output === 'ready\n') {
        readyChildren.push(() => child.stdin.write('go\n'));
        if (readyChildren.length === 4) {
          for (const go of readyChildren.splice(0)) go();
        }
      }
    });
    child.on('error', reject);
    child.on('exit', () => resolve(output.replace('ready\n', '').trim()));
  });
}
const readyChildren: (() => void)[] = [];

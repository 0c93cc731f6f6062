import assert from 'node:assert/strict';
import { scrypt } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';

import { LoginThrottle } from '../src/login-throttle.ts';
import { PasswordHasher, PasswordHasherBusy } from '../src/passwords.ts';
import { startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

describe('login', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer({
      loginThrottle: { maxFailuresPerUser: 3, maxFailuresPerClient: 5, windowSeconds: 60 },
    });
  });
  afterEach(() => server.close());

  it('signs in both seeded users, demo and alice, into sessions of their own', async () => {
    const demo = await server.login('demo', 'demo-password');
    const alice = await server.login('alice', 'alice-password');

    const profile = (tokens: { accessToken: string }) =>
      server.get('/api/profile', { Authorization: `Bearer ${tokens.accessToken}` });
    assert.deepEqual((await profile(demo)).body, { username: 'demo' });
    assert.deepEqual((await profile(alice)).body, { username: 'alice' });
  });

  it('answers an unknown user and a wrong password alike: 401 invalid_credentials', async () => {
    const unknown = await server.post('/api/auth/login', { username: 'mallory', password: 'x' });
    const wrong = await server.post('/api/auth/login', { username: 'demo', password: 'x' });

    assert.deepEqual([unknown.status, unknown.body], [401, { error: 'invalid_credentials' }]);
    assert.deepEqual([wrong.status, wrong.body], [401, { error: 'invalid_credentials' }]);
  });

  it('refuses a user after 3 failures with 429 and Retry-After, even with the right password', async () => {
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = await server.post('/api/auth/login', { username: 'demo', password: 'x' });
      assert.equal(answer.status, 401);
    }

    const refused = await server.post('/api/auth/login', {
      username: 'demo',
      password: 'demo-password',
    });
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.body, { error: 'too_many_attempts' });
    const retryAfter = Number(refused.headers.get('retry-after'));
    assert.ok(retryAfter > 0 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    // Another user is not affected by demo's lock (the client has 3 of its 5 failures).
    assert.equal(
      (await server.post('/api/auth/login', { username: 'alice', password: 'alice-password' }))
        .status,
      200,
    );
    const stats = (await server.get('/__test/stats')).body;
    assert.equal(stats['loginFailures'], 3);
    assert.equal(stats['loginsThrottled'], 1);
  });

  it('refuses a client after 5 failures across user names, unknown names included', async () => {
    for (const username of ['a', 'b', 'c', 'd', 'e']) {
      assert.equal((await server.post('/api/auth/login', { username, password: 'x' })).status, 401);
    }

    const refused = await server.post('/api/auth/login', {
      username: 'alice',
      password: 'alice-password',
    });
    assert.equal(refused.status, 429);
    assert.ok(Number(refused.headers.get('retry-after')) > 0);
  });

  it('counts only failures: many correct logins are never throttled', async () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      await server.login('demo');
    }
  });
});

describe('LoginThrottle', () => {
  it('lets a user try again once the window that the first failure opened has passed', () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({
      maxFailuresPerUser: 2,
      maxFailuresPerClient: 100,
      windowSeconds: 60,
      now: () => now,
    });
    throttle.recordFailure('demo', '10.0.0.1');
    now += 10_000;
    throttle.recordFailure('demo', '10.0.0.2');

    assert.equal(throttle.retryAfterSeconds('demo', '10.0.0.3'), 50);
    assert.equal(throttle.retryAfterSeconds('alice', '10.0.0.3'), 0);
    now += 50_000;
    assert.equal(throttle.retryAfterSeconds('demo', '10.0.0.3'), 0);
  });

  it('throttles a client over every name it tries', () => {
    const now = 0;
    const throttle = new LoginThrottle({
      maxFailuresPerUser: 100,
      maxFailuresPerClient: 3,
      windowSeconds: 30,
      now: () => now,
    });
    for (const name of ['x', 'y', 'z']) throttle.recordFailure(name, '10.0.0.9');

    assert.equal(throttle.retryAfterSeconds('anyone', '10.0.0.9'), 30);
    assert.equal(throttle.retryAfterSeconds('anyone', '10.0.0.8'), 0);
  });
});

describe('PasswordHasher', () => {
  it('does one scrypt of the same size for an unknown user as for a wrong password', async () => {
    const calls: { salt: string; keylen: number }[] = [];
    const counting = ((password: string, salt: string, keylen: number, done: never) => {
      calls.push({ salt, keylen });
      scrypt(password, salt, keylen, done);
    }) as unknown as typeof scrypt;
    const hasher = new PasswordHasher({ concurrency: 2, maxQueued: 8, scryptFn: counting });
    const record = await hasher.hash('right');
    await hasher.verify('nobody-knows', null); // first use also makes the dummy record
    calls.length = 0;

    assert.equal(await hasher.verify('wrong', record), false);
    assert.equal(await hasher.verify('wrong', null), false);
    assert.equal(await hasher.verify('right', record), true);
    assert.deepEqual(
      calls.map((call) => call.keylen),
      [32, 32, 32],
    );
    assert.notEqual(calls[1].salt, record.salt); // the dummy record's salt, not a shortcut
  });

  it('runs at most `concurrency` hashes at once and refuses past `maxQueued` with PasswordHasherBusy', async () => {
    const started: (() => void)[] = [];
    const parked = ((_p: string, _s: string, _k: number, done: (e: null, key: Buffer) => void) =>
      started.push(() => done(null, Buffer.alloc(32)))) as unknown as typeof scrypt;
    const hasher = new PasswordHasher({ concurrency: 1, maxQueued: 1, scryptFn: parked });
    const record = { salt: 's', hash: Buffer.alloc(32).toString('base64') };

    const first = hasher.verify('a', record);
    const second = hasher.verify('b', record);
    await assert.rejects(hasher.verify('c', record), PasswordHasherBusy);
    await Promise.resolve();
    assert.equal(started.length, 1);
    started[0]();
    assert.equal(await first, true);
    await new Promise((done) => setImmediate(done));
    assert.equal(started.length, 2);
    started[1]();
    assert.equal(await second, true);
  });
});

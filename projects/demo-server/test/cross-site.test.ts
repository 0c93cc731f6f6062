import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';

import { crossOriginReason } from '../src/cross-origin.ts';
import { startTestServer } from './helpers.ts';
import type { TestServer } from './helpers.ts';

describe('cross-site requests to login, refresh and logout', () => {
  let server: TestServer | undefined;
  afterEach(() => server?.close());

  it('refuses a cross-site text/plain form login with 415, before checking the password', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain', Origin: 'https://evil.example' },
      body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
    });

    assert.equal(response.status, 415);
    assert.deepEqual(await response.json(), { error: 'json_required' });
    assert.equal((await server.get('/__test/stats')).body['loginFailures'], 0);
  });

  it('refuses a url-encoded form post to refresh with 415', async () => {
    server = await startTestServer();
    const response = await fetch(`${server.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'refreshToken=x',
    });

    assert.equal(response.status, 415);
  });

  for (const path of ['/api/auth/login', '/api/auth/refresh', '/api/auth/logout']) {
    it(`refuses ${path} from a page on another port of the same host with 403`, async () => {
      server = await startTestServer({ refreshStyle: 'cookie' });
      const sameSiteOtherPort = new URL(server.url);
      sameSiteOtherPort.port = String(Number(sameSiteOtherPort.port) + 1);

      const fromOrigin = await server.post(
        path,
        { username: 'demo', password: 'demo-password' },
        { Origin: sameSiteOtherPort.origin },
      );
      const fromFetchMetadata = await server.post(
        path,
        { username: 'demo', password: 'demo-password' },
        { 'Sec-Fetch-Site': 'same-site', Origin: server.url },
      );

      assert.deepEqual(
        [fromOrigin.status, fromOrigin.body],
        [403, { error: 'cross_origin_request' }],
      );
      assert.equal(fromFetchMetadata.status, 403);
    });
  }

  it('lets the cookie-style refresh through from its own origin, and refuses it from another port', async () => {
    server = await startTestServer({ refreshStyle: 'cookie' });
    const login = await server.post(
      '/api/auth/login',
      { username: 'demo', password: 'demo-password' },
      { Origin: server.url, 'Sec-Fetch-Site': 'same-origin' },
    );
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
    assert.match(cookie, /^demo_refresh=[\w-]{20,}$/);
    assert.match(login.headers.get('set-cookie') ?? '', /HttpOnly; SameSite=Strict/i);

    const other = new URL(server.url);
    other.port = String(Number(other.port) + 1);
    const refused = await server.post(
      '/api/auth/refresh',
      {},
      { Cookie: cookie, Origin: other.origin },
    );
    const allowed = await server.post(
      '/api/auth/refresh',
      {},
      { Cookie: cookie, Origin: server.url },
    );

    assert.equal(refused.status, 403);
    assert.equal(allowed.status, 200);
    assert.equal(typeof allowed.body['accessToken'], 'string');
  });
});

describe('crossOriginReason', () => {
  const host = '127.0.0.1:4300';

  it('admits same-origin requests, typed-in navigations and clients that send neither header', () => {
    assert.equal(crossOriginReason({ host, 'sec-fetch-site': 'same-origin' }), null);
    assert.equal(crossOriginReason({ host, 'sec-fetch-site': 'none' }), null);
    assert.equal(crossOriginReason({ host, origin: 'http://127.0.0.1:4300' }), null);
    assert.equal(crossOriginReason({ host }), null);
  });

  it('refuses other sites, other ports, and origins that are not URLs', () => {
    assert.equal(
      crossOriginReason({ host, 'sec-fetch-site': 'cross-site' }),
      'Sec-Fetch-Site is cross-site',
    );
    assert.equal(
      crossOriginReason({ host, origin: 'http://127.0.0.1:4301' }),
      'Origin is another host',
    );
    assert.equal(crossOriginReason({ host, origin: 'null' }), 'Origin is not a URL');
  });
});

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { rawRequest, startTestServer, statusOf, temporaryDir } from './helpers.ts';
import type { TestServer } from './helpers.ts';

describe('malformed requests', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const target of ['//[', 'http://[', '//a:99999/', 'http://a:b/', '/%E0%A4%A', '*']) {
    it(`answers GET ${target} with 400 and a fixed body, and keeps serving`, async () => {
      const { response } = await rawRequest(
        server.url,
        `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`,
      );

      assert.equal(statusOf(response), 400);
      assert.equal(response.slice(response.indexOf('\r\n\r\n') + 4), '{"error":"bad_request"}');
      assert.equal((await server.get('/api/demo/stats')).status, 200);
    });
  }

  it('answers a request line that is not HTTP with 400 and keeps serving', async () => {
    const { response } = await rawRequest(server.url, 'GARBAGE\r\n\r\n');

    assert.equal(statusOf(response), 400);
    assert.equal((await server.get('/api/demo/stats')).status, 200);
  });

  it('answers a JSON body that does not parse with 400, without echoing the parser error', async () => {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"username": "demo", password',
    });

    assert.equal(response.status, 400);
    assert.deepEqual(await response.json(), { error: 'bad_request' });
  });

  it('answers a body over 64 KiB with 413 and Connection: close, then closes the socket cleanly', async () => {
    const body = JSON.stringify({ username: 'demo', password: 'x'.repeat(70 * 1024) });
    const { response, ending } = await rawRequest(
      server.url,
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      { halfClose: false },
    );

    assert.equal(statusOf(response), 413);
    assert.match(response, /\r\nconnection: close\r\n/i);
    assert.doesNotMatch(response, /keep-alive/i);
    assert.equal(ending, 'close');
    assert.equal((await server.get('/api/demo/stats')).status, 200);
  });

  it('closes the connection cleanly after a 400 for a body that does not parse, leaving nothing half-read', async () => {
    const bad = '{"a":';
    const { response, ending } = await rawRequest(
      server.url,
      `POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${bad.length}\r\n\r\n${bad}` +
        `GET /api/demo/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`,
      { halfClose: false },
    );

    const statuses = [...response.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['400']);
    assert.match(response, /\r\nconnection: close\r\n/i);
    assert.equal(ending, 'close');
  });

  it('answers pipelined keep-alive requests in order on one connection', async () => {
    const { response } = await rawRequest(
      server.url,
      'GET /api/demo/stats HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n' +
        'GET /api/profile HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
      { halfClose: false },
    );

    const statuses = [...response.matchAll(/HTTP\/1\.1 (\d{3})/g)].map((match) => match[1]);
    assert.deepEqual(statuses, ['200', '401']);
  });
});

describe('static files', () => {
  let server: TestServer;
  let staticDir: ReturnType<typeof temporaryDir>;
  before(async () => {
    staticDir = temporaryDir();
    writeFileSync(
      join(staticDir.path, 'index.html'),
      '<!doctype html><script src="/demo-config.js"></script><script>inline()</script>',
    );
    writeFileSync(join(staticDir.path, 'main.js'), 'console.log(1);');
    server = await startTestServer({ staticDir: staticDir.path });
  });
  after(async () => {
    await server.close();
    staticDir.remove();
  });

  for (const path of ['/', '/main.js', '/dashboard', '/demo-config.js']) {
    it(`serves ${path} with a CSP that forbids framing, and nosniff`, async () => {
      const response = await fetch(server.url + path);

      assert.equal(response.status, 200);
      const csp = response.headers.get('content-security-policy') ?? '';
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self' 'sha256-[\w+/=]+'(;|$)/);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    });
  }

  it('serves index.html for app routes and 404 JSON under /api and /__test', async () => {
    assert.match(await (await fetch(`${server.url}/dashboard`)).text(), /inline\(\)/);
    const api = await fetch(`${server.url}/api/nope`, {
      headers: { Authorization: 'Bearer x' },
    });
    assert.equal(api.status, 401);
    assert.equal((await fetch(`${server.url}/__test/nope`)).status, 404);
  });

  it('tells the app its refresh style, store, refresh timeout and DPoP in /demo-config.js', async () => {
    const response = await fetch(`${server.url}/demo-config.js`);

    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(
      await response.text(),
      'window.demoConfig = {"refreshStyle":"body","store":"default","refreshTimeoutMs":null,"dpop":false};',
    );
  });

  it('never serves files outside its directory', async () => {
    const { response } = await rawRequest(
      server.url,
      'GET /../../../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n',
    );

    assert.doesNotMatch(response, /root:/);
  });
});

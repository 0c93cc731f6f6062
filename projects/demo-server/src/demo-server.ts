import { readFile, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';

import { jwtVerify, SignJWT } from 'jose';

import { SessionStore } from './session-store.ts';

/** How the demo server runs. */
export interface DemoServerOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** SQLite file for users and sessions (`:memory:` for a throwaway server). */
  dbPath: string;
  /** Lifetime of access tokens. */
  accessTokenTtlSeconds: number;
  /** Where the refresh token travels: the JSON body, or an httpOnly SameSite=Strict cookie. */
  refreshStyle: 'body' | 'cookie';
  /** Whether the /__test hooks exist. Never on outside tests. */
  testMode: boolean;
  /** The built demo app to serve, or `null` for an API-only server. */
  staticDir: string | null;
}

/** A running demo server. */
export interface RunningDemoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** Counters a test reads to check what really happened on the server. */
interface Counters {
  refreshCalls: number;
  refreshSuccesses: number;
  refreshRejections: number;
  unauthorized: number;
  apiCalls: number;
  reuseDetected: number;
}

const REFRESH_COOKIE = 'demo_refresh';
const MAX_BODY_BYTES = 64 * 1024;
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** Starts the demo auth server: login, refresh with rotation, logout, protected API, the built app. */
export async function startDemoServer(options: DemoServerOptions): Promise<RunningDemoServer> {
  const sessions = new SessionStore(options.dbPath);
  sessions.seedUser('demo', 'demo-password');
  const signingKey = sessions.signingKey();
  const counters: Counters = emptyCounters();
  /** Bumped to expire every access token issued so far (a test hook and a demo button). */
  let accessGeneration = 0;
  /** Scripted behaviour of the next refresh calls (test hooks). */
  let refreshDelayMs = 0;
  let refreshFailures: { status: number; remaining: number } | null = null;

  async function issueAccessToken(username: string): Promise<string> {
    return new SignJWT({ gen: accessGeneration })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(username)
      .setIssuedAt()
      .setExpirationTime(`${options.accessTokenTtlSeconds}s`)
      .sign(signingKey);
  }

  async function authenticate(request: IncomingMessage): Promise<string | null> {
    const match = /^Bearer (.+)$/.exec(request.headers.authorization ?? '');
    if (!match) {
      return null;
    }
    try {
      const { payload } = await jwtVerify(match[1], signingKey, { algorithms: ['HS256'] });
      return payload['gen'] === accessGeneration && typeof payload.sub === 'string'
        ? payload.sub
        : null;
    } catch {
      // Expired, forged or malformed: the caller answers 401 and the client refreshes.
      return null;
    }
  }

  async function tokenAnswer(
    response: ServerResponse,
    username: string,
    refreshToken: string,
  ): Promise<void> {
    const accessToken = await issueAccessToken(username);
    const body: Record<string, unknown> = { accessToken, expiresIn: options.accessTokenTtlSeconds };
    if (options.refreshStyle === 'cookie') {
      response.setHeader('Set-Cookie', refreshCookie(refreshToken, 7 * 24 * 3600));
    } else {
      body['refreshToken'] = refreshToken;
    }
    sendJson(response, 200, body);
  }

  function presentedRefreshToken(
    request: IncomingMessage,
    body: Record<string, unknown>,
  ): string | null {
    if (options.refreshStyle === 'cookie') {
      return readCookie(request, REFRESH_COOKIE);
    }
    return typeof body['refreshToken'] === 'string' ? body['refreshToken'] : null;
  }

  async function handleRefresh(request: IncomingMessage, response: ServerResponse): Promise<void> {
    counters.refreshCalls++;
    const body = await readJson(request);
    if (refreshDelayMs > 0) {
      await new Promise((done) => setTimeout(done, refreshDelayMs));
    }
    if (refreshFailures && refreshFailures.remaining > 0) {
      refreshFailures.remaining--;
      sendJson(response, refreshFailures.status, { error: 'temporarily_unavailable' });
      return;
    }
    const presented = presentedRefreshToken(request, body);
    const result = presented ? sessions.rotate(presented) : ({ outcome: 'unknown' } as const);
    if (result.outcome !== 'rotated') {
      counters.refreshRejections++;
      if (result.outcome === 'reused') {
        counters.reuseDetected++;
      }
      sendJson(response, 401, { error: 'invalid_grant', reason: result.outcome });
      return;
    }
    counters.refreshSuccesses++;
    await tokenAnswer(response, result.username, result.refreshToken);
  }

  async function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    if (method === 'POST' && path === '/api/auth/login') {
      const body = await readJson(request);
      const userId = sessions.verifyPassword(text(body['username']), text(body['password']));
      if (userId === null) {
        sendJson(response, 401, { error: 'invalid_credentials' });
        return;
      }
      await tokenAnswer(response, sessions.username(userId), sessions.startFamily(userId));
      return;
    }
    if (method === 'POST' && path === '/api/auth/refresh') {
      await handleRefresh(request, response);
      return;
    }
    if (method === 'POST' && path === '/api/auth/logout') {
      const presented = presentedRefreshToken(request, await readJson(request));
      if (presented) {
        sessions.revokeByToken(presented);
      }
      response.setHeader('Set-Cookie', refreshCookie('', 0));
      sendJson(response, 200, { loggedOut: true });
      return;
    }
    if (method === 'GET' && path === '/api/demo/stats') {
      sendJson(response, 200, counters);
      return;
    }
    if (method === 'POST' && path === '/api/demo/expire-access-tokens') {
      accessGeneration++;
      sendJson(response, 200, { expired: true });
      return;
    }
    if (method === 'POST' && path === '/api/demo/revoke-session') {
      const userId = sessions.userId('demo');
      if (userId !== null) {
        sessions.revokeUser(userId);
      }
      accessGeneration++;
      sendJson(response, 200, { revoked: true });
      return;
    }
    // Everything else under /api is protected.
    counters.apiCalls++;
    const username = await authenticate(request);
    if (username === null) {
      counters.unauthorized++;
      response.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      sendJson(response, 401, { error: 'invalid_token' });
      return;
    }
    if (method === 'GET' && path === '/api/profile') {
      sendJson(response, 200, { username });
      return;
    }
    const data = /^\/api\/data\/([\w-]{1,40})$/.exec(path);
    if (method === 'GET' && data) {
      sendJson(response, 200, { id: data[1], username, servedAt: new Date().toISOString() });
      return;
    }
    sendJson(response, 404, { error: 'not_found' });
  }

  async function handleTestHook(
    request: IncomingMessage,
    response: ServerResponse,
    path: string,
  ): Promise<void> {
    const body = request.method === 'POST' ? await readJson(request) : {};
    switch (path) {
      case '/__test/stats':
        sendJson(response, 200, counters);
        return;
      case '/__test/reset-stats':
        Object.assign(counters, emptyCounters());
        refreshDelayMs = 0;
        refreshFailures = null;
        sendJson(response, 200, counters);
        return;
      case '/__test/expire-access-tokens':
        accessGeneration++;
        sendJson(response, 200, { accessGeneration });
        return;
      case '/__test/revoke': {
        const userId = sessions.userId(text(body['username']) || 'demo');
        if (userId !== null) {
          sessions.revokeUser(userId);
        }
        sendJson(response, 200, { revoked: userId !== null });
        return;
      }
      case '/__test/refresh-behaviour':
        refreshDelayMs = Number(body['delayMs'] ?? 0);
        refreshFailures = body['failStatus']
          ? { status: Number(body['failStatus']), remaining: Number(body['failCount'] ?? 1) }
          : null;
        sendJson(response, 200, { refreshDelayMs, refreshFailures });
        return;
      default:
        sendJson(response, 404, { error: 'no such test hook' });
    }
  }

  async function handleStatic(response: ServerResponse, path: string): Promise<void> {
    if (path === '/demo-config.js') {
      response.writeHead(200, {
        'Content-Type': 'text/javascript; charset=utf-8',
        'Cache-Control': 'no-store',
      });
      response.end(
        `window.demoConfig = ${JSON.stringify({ refreshStyle: options.refreshStyle })};`,
      );
      return;
    }
    if (!options.staticDir) {
      sendJson(response, 404, { error: 'not_found' });
      return;
    }
    const root = resolve(options.staticDir);
    let file = resolve(join(root, decodeURIComponent(path)));
    if (file !== root && !file.startsWith(root + sep)) {
      sendJson(response, 403, { error: 'forbidden' });
      return;
    }
    const isFile = await stat(file).then(
      (info) => info.isFile(),
      () => false,
    );
    if (!isFile) {
      file = join(root, 'index.html'); // client-side routes: the app's router takes over
    }
    response.writeHead(200, {
      'Content-Type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    });
    response.end(await readFile(file));
  }

  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const handled = path.startsWith('/api/')
      ? handleApi(request, response, path)
      : path.startsWith('/__test/') && options.testMode
        ? handleTestHook(request, response, path)
        : handleStatic(response, path);
    handled.catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, error instanceof BadRequest ? 400 : 500, { error: String(error) });
      }
    });
  });

  await new Promise<void>((ready) => server.listen(options.port, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((closed) => {
        server.closeAllConnections();
        server.close(() => {
          sessions.close();
          closed();
        });
      }),
  };
}

class BadRequest extends Error {}

function emptyCounters(): Counters {
  return {
    refreshCalls: 0,
    refreshSuccesses: 0,
    refreshRejections: 0,
    unauthorized: 0,
    apiCalls: 0,
    reuseDetected: 0,
  };
}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new BadRequest('body too large');
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') {
    return {};
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    throw new BadRequest('body is not JSON');
  }
}

/** A string field of a JSON body, or '' when it is missing or not a string. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json', 'Cache-Control': 'no-store' });
  response.end(JSON.stringify(body));
}

function refreshCookie(value: string, maxAgeSeconds: number): string {
  // Secure is left out only because the demo is served over plain http on 127.0.0.1.
  return `${REFRESH_COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/api/auth; Max-Age=${maxAgeSeconds}`;
}

function readCookie(request: IncomingMessage, name: string): string | null {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      return value.join('=') || null;
    }
  }
  return null;
}

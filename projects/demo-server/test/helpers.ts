/*
 * Helpers for the demo server's tests: a server on a free port with a throwaway database, JSON
 * requests, and raw HTTP over a socket for what fetch cannot send.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startDemoServer } from '../src/demo-server.ts';
import type { RunningDemoServer } from '../src/demo-server.ts';
import { DEFAULT_OPTIONS } from '../src/options.ts';
import type { DemoServerOptions } from '../src/options.ts';

export interface TestServer extends RunningDemoServer {
  readonly options: DemoServerOptions;
  /** POSTs JSON (same-origin, as the demo app does) and returns the status and parsed body. */
  post(path: string, body?: unknown, headers?: Record<string, string>): Promise<JsonAnswer>;
  get(path: string, headers?: Record<string, string>): Promise<JsonAnswer>;
  /** Signs in and returns the token answer. */
  login(username?: string, password?: string): Promise<Tokens>;
}

export interface JsonAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** A fresh temporary directory, deleted by `remove`. */
export function temporaryDir(): { path: string; remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'demo-server-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Starts a server in test mode on a free port, API only, with an in-memory database by default. */
export async function startTestServer(
  overrides: Partial<DemoServerOptions> = {},
): Promise<TestServer> {
  const options: DemoServerOptions = {
    ...DEFAULT_OPTIONS,
    port: 0,
    dbPath: ':memory:',
    testMode: true,
    staticDir: null,
    ...overrides,
  };
  const server = await startDemoServer(options);
  const request = async (
    method: string,
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<JsonAnswer> => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text.startsWith('{') ? (JSON.parse(text) as Record<string, unknown>) : { text },
    };
  };
  const post = (path: string, body: unknown = {}, headers: Record<string, string> = {}) =>
    request('POST', path, body, headers);
  return {
    url: server.url,
    options,
    close: () => server.close(),
    post,
    get: (path, headers = {}) => request('GET', path, undefined, headers),
    login: async (username = 'demo', password = `${username}-password`) => {
      const answer = await post('/api/auth/login', { username, password });
      if (answer.status !== 200) {
        throw new Error(`login as ${username} answered ${answer.status}`);
      }
      return answer.body as unknown as Tokens;
    },
  };
}

export function bearer(tokens: Tokens): Record<string, string> {
  return { Authorization: `Bearer ${tokens.accessToken}` };
}

/**
 * Sends raw bytes on a new connection and resolves with everything the server sent, how the
 * connection ended (`close` after a clean FIN, `reset` after ECONNRESET) and when.
 */
export function rawRequest(
  url: string,
  bytes: string | Buffer,
  options: { halfClose: boolean } = { halfClose: true },
): Promise<{ response: string; ending: 'close' | 'reset' }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    // Without the half-close the server alone decides when the connection ends, as with keep-alive.
    const socket = connect(Number(port), hostname, () =>
      options.halfClose ? socket.end(bytes) : socket.write(bytes),
    );
    let response = '';
    let ending: 'close' | 'reset' = 'close';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (response += chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ECONNRESET') ending = 'reset';
      else reject(error);
    });
    socket.on('close', () => resolve({ response, ending }));
  });
}

/** The status code of the first response in raw HTTP text. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? NaN);
}

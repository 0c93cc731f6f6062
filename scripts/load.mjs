// `npm run load`: the demo server under load, measured with autocannon. Starts the server in its own
// process (a throwaway database, test mode for its memory hook), then runs a 5 s warm-up and two
// phases of LOAD_SECONDS (default 20) with LOAD_CONNECTIONS (default 200) clients across protected
// calls, refreshes (each one rotating a token) and logins: once alone, once with a wrong-password
// flood alongside from random client addresses. Prints requests/s, p50/p99 latency, unexpected
// answers and server memory, and checks the targets of issue 13. Not part of `npm test`.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import autocannon from 'autocannon';

const SECONDS = positiveInteger('LOAD_SECONDS', 20);
const CONNECTIONS = positiveInteger('LOAD_CONNECTIONS', 200);
const FLOOD_CONNECTIONS = 20;
const WARM_UP_SECONDS = 5;
/** How the clients split: most call the API, some refresh, a few sign in. */
const SPLIT = { protected: 0.7, refresh: 0.2, login: 0.1 };

const dataDir = mkdtempSync(join(tmpdir(), 'demo-load-'));
const server = await startServer();
try {
  await run();
} finally {
  server.process.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
}

async function run() {
  const accessTokens = await logins(20);
  const refreshPool = [];
  const groups = {
    protected: Math.round(CONNECTIONS * SPLIT.protected),
    refresh: Math.round(CONNECTIONS * SPLIT.refresh),
  };
  groups.login = CONNECTIONS - groups.protected - groups.refresh;
  const memory = { start: await serverMemory() };

  console.log(
    `demo-server load: ${CONNECTIONS} clients (${describe(groups)}), ${SECONDS} s per phase`,
  );
  await phase(WARM_UP_SECONDS, groups, accessTokens, refreshPool, false);
  memory.warm = await serverMemory();
  const quiet = await phase(SECONDS, groups, accessTokens, refreshPool, false);
  memory.quiet = await serverMemory();
  const flooded = await phase(SECONDS, groups, accessTokens, refreshPool, true);
  memory.flooded = await serverMemory();

  printPhase('without flood', quiet);
  printPhase(`with a wrong-password flood (${FLOOD_CONNECTIONS} more clients)`, flooded);
  console.log('\nserver memory (after a forced GC)');
  for (const [when, value] of Object.entries(memory)) {
    console.log(
      `  ${when.padEnd(8)} rss ${mb(value.rss)}  heap ${mb(value.heapUsed)}  ` +
        `families ${value.families}  refresh-token rows ${value.refreshTokens}`,
    );
  }
  const stats = await (await fetch(`${server.url}/__test/stats`)).json();
  console.log(
    `\nserver counters: ${stats.refreshSuccesses} refreshes, ${stats.loginFailures} failed logins, ` +
      `${stats.loginsThrottled} refused with 429, ${stats.reuseDetected} reuse detected`,
  );

  const unexpected = [quiet, flooded].reduce(
    (sum, results) => sum + Object.values(results).reduce((n, r) => n + r.unexpected, 0),
    0,
  );
  const p99Ratio = flooded.protected.p99 / Math.max(1, quiet.protected.p99);
  const heapGrowth = memory.flooded.heapUsed / memory.warm.heapUsed;
  console.log('\ntargets');
  check(`0 answers other than the expected 401/429 (got ${unexpected})`, unexpected === 0);
  check(
    `protected p99 with the flood within 3x of without (${flooded.protected.p99} ms vs ` +
      `${quiet.protected.p99} ms: ${p99Ratio.toFixed(2)}x)`,
    p99Ratio <= 3,
  );
  check(
    `heap flat after warm-up (${mb(memory.warm.heapUsed)} -> ${mb(memory.flooded.heapUsed)}: ` +
      `${heapGrowth.toFixed(2)}x, at most 1.5x)`,
    heapGrowth <= 1.5,
  );
}

/** Runs every group (and the flood) at once for `seconds`; returns each group's figures. */
async function phase(seconds, groups, accessTokens, refreshPool, withFlood) {
  // A run that stops drops the answers in flight, and with them the tokens they rotated: top up.
  const missing = groups.refresh * 2 - refreshPool.length;
  if (missing > 0) {
    refreshPool.push(...(await logins(missing)).map((tokens) => tokens.refreshToken));
  }
  const url = server.url;
  const json = { 'content-type': 'application/json' };
  let nextToken = 0;
  const runs = {
    protected: cannon({
      url,
      connections: groups.protected,
      duration: seconds,
      // Each client calls with one of the sessions signed in beforehand.
      setupClient: (client) =>
        client.setHeaders({
          authorization: `Bearer ${accessTokens[nextToken++ % accessTokens.length].accessToken}`,
        }),
      requests: [{ method: 'GET', path: '/api/profile' }],
      expected: [200],
    }),
    refresh: cannon({
      url,
      connections: groups.refresh,
      duration: seconds,
      // Every refresh takes a token from the pool and puts its successor back: each is used once.
      requests: [
        {
          method: 'POST',
          path: '/api/auth/refresh',
          headers: json,
          setupRequest: (request, context) => {
            context.token = refreshPool.shift();
            return { ...request, body: JSON.stringify({ refreshToken: context.token }) };
          },
          onResponse: (status, body, context) =>
            refreshPool.push(status === 200 ? JSON.parse(body).refreshToken : context.token),
        },
      ],
      expected: [200],
    }),
    login: cannon({
      url,
      connections: groups.login,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          path: '/api/auth/login',
          headers: json,
          body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
        },
      ],
      expected: [200, 429],
    }),
  };
  if (withFlood) {
    runs.flood = cannon({
      url,
      connections: FLOOD_CONNECTIONS,
      duration: seconds,
      // Random names from random addresses: no per-user or per-client limit stops this one; the
      // bounded password-hashing queue does.
      requests: [
        {
          method: 'POST',
          path: '/api/auth/login',
          setupRequest: (request) => ({
            ...request,
            headers: { ...json, 'x-forwarded-for': randomAddress() },
            body: JSON.stringify({ username: `user${Math.random()}`, password: 'wrong' }),
          }),
        },
      ],
      expected: [401, 429],
    });
  }
  const names = Object.keys(runs);
  const results = await Promise.all(Object.values(runs));
  return Object.fromEntries(names.map((name, index) => [name, results[index]]));
}

/** One autocannon run, summarised: requests/s, latency, answers by status, unexpected ones. */
async function cannon({ expected, ...options }) {
  const result = await autocannon({ timeout: 30, ...options });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, { count }]) => [code, count]),
  );
  const unexpectedStatuses = Object.entries(statuses)
    .filter(([code]) => !expected.includes(Number(code)))
    .reduce((sum, [, count]) => sum + count, 0);
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    statuses,
    errors: result.errors,
    timeouts: result.timeouts,
    unexpected: unexpectedStatuses + result.errors + result.timeouts,
  };
}

function printPhase(title, results) {
  console.log(`\n${title}`);
  console.log('  group       req/s   p50 ms   p99 ms   answers                     errors');
  for (const [name, r] of Object.entries(results)) {
    const answers = Object.entries(r.statuses)
      .map(([code, count]) => `${code}: ${count}`)
      .join(', ');
    console.log(
      `  ${name.padEnd(10)} ${String(r.rps).padStart(6)} ${String(r.p50).padStart(8)} ` +
        `${String(r.p99).padStart(8)}   ${answers.padEnd(27)} ${r.errors + r.timeouts}`,
    );
  }
}

function startServer() {
  const child = spawn(
    process.execPath,
    ['--expose-gc', join(import.meta.dirname, '../projects/demo-server/src/main.ts')],
    {
      env: {
        ...process.env,
        PORT: '0',
        DEMO_DB: join(dataDir, 'load.db'),
        DEMO_TEST_MODE: '1',
        STATIC_DIR: '',
        ACCESS_TTL_SECONDS: '3600',
        TRUST_PROXY: '1',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /^listening (\S+)/m.exec(output);
      if (match) resolve({ process: child, url: match[1] });
    });
    child.on('exit', (code) => reject(new Error(`the demo server exited with ${code}`)));
  });
}

/** Signs in `count` sessions, 10 at a time (the server's hashing queue is bounded). */
async function logins(count) {
  const sessions = [];
  while (sessions.length < count) {
    const batch = Math.min(10, count - sessions.length);
    sessions.push(...(await Promise.all(Array.from({ length: batch }, () => login()))));
  }
  return sessions;
}

/** Signs in as demo; waits out a 429 (the previous phase's logins may still fill the queue). */
async function login() {
  for (;;) {
    const response = await fetch(`${server.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'demo', password: 'demo-password' }),
    });
    if (response.status === 200) return response.json();
    if (response.status !== 429) throw new Error(`login answered ${response.status}`);
    const seconds = Number(response.headers.get('retry-after')) || 1;
    await new Promise((done) => setTimeout(done, seconds * 1000));
  }
}

async function serverMemory() {
  return (await fetch(`${server.url}/__test/memory`)).json();
}

function check(text, ok) {
  console.log(`  ${ok ? 'met ' : 'MISSED'}  ${text}`);
  if (!ok) process.exitCode = 1;
}

function describe(groups) {
  return Object.entries(groups)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
}

function mb(bytes) {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function randomAddress() {
  const part = () => Math.floor(Math.random() * 254) + 1;
  return `198.18.${part()}.${part()}`;
}

function positiveInteger(name, fallback) {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isInteger(value) || value <= 0) {
    throw new Error(`${name} must be a positive integer, got "${process.env[name]}"`);
  }
  return value;
}

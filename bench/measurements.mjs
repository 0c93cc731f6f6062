// Measurements 1 to 5 of bench/README.md: per-request cost, skipped and foreign requests, bursts,
// release scaling and memory. Every timing is a median over interleaved rounds, with its ratio to a
// baseline measured in the same rounds.
import {
  HttpBackend,
  HttpClient,
  HttpHeaders,
  HttpResponse,
  provideHttpClient,
  withInterceptors,
} from '@angular/common/http';
import {
  createEnvironmentInjector,
  inject,
  InjectionToken,
  provideZonelessChangeDetection,
  ɵINJECTOR_SCOPE,
} from '@angular/core';

import { firstValueFrom, of } from 'rxjs';

import { createApp } from './app-injector.mjs';
import { ScriptedAuthServer, syncOkBackend } from './backends.mjs';
import { median, microsPerItem, shuffled, sleep } from './stats.mjs';
import { REFRESHING_VARIANTS, Tokens, VARIANTS } from './variants.mjs';

const VALID_JWT = jwtExpiringIn(3600);

/** 1. The happy path: valid token, no refresh; cost per request through HttpClient. */
export function happyPath({ requests = 100_000, rounds = 10 } = {}) {
  const perRound = Math.ceil(requests / rounds);
  const apps = Object.fromEntries(
    Object.keys(VARIANTS).map((name) => [
      name,
      createApp(name, syncOkBackend, withToken(VALID_JWT)),
    ]),
  );
  warm(apps, '/api/orders');
  const samples = collect(Object.keys(apps), rounds, (name) =>
    microsPerItem(perRound, () => fire(apps[name].http, '/api/orders', perRound)),
  );
  destroyAll(apps);
  return summarize(samples, 'bare');
}

/** 2. Skipped and foreign-origin requests: ours against bare, and against an empty interceptor. */
export function untouchedRequests({ requests = 100_000, rounds = 10 } = {}) {
  const perRound = Math.ceil(requests / rounds);
  const apps = {
    bare: createApp('bare', syncOkBackend),
    'empty interceptor': interceptorApp((request, next) => next(request)),
    'one inject()': interceptorApp((request, next) => (inject(INJECTED), next(request))),
    'ngx-token-refresh': createApp('ngx-token-refresh', syncOkBackend, withToken(VALID_JWT)),
  };
  const result = {};
  for (const [label, url] of [
    ['skipped (skipUrls)', '/api/public/catalog'],
    ['foreign origin', 'https://cdn.example.net/lib.json'],
  ]) {
    warm(apps, url);
    const samples = collect(Object.keys(apps), rounds, (name) =>
      microsPerItem(perRound, () => fire(apps[name].http, url, perRound)),
    );
    result[label] = summarize(samples, 'bare');
  }
  destroyAll(apps);
  return result;
}

/** 3. Bursts of N concurrent requests with an expired token against a server with a slow refresh. */
export async function bursts({ sizes = [1, 10, 100, 1000] } = {}) {
  const scenarios = {
    'expired token': {},
    'half the 401s after the refresh': { lateMs: 30 },
    'refresh answers 401': { refreshStatus: 401 },
  };
  const rows = [];
  for (const [scenario, script] of Object.entries(scenarios)) {
    for (const variant of REFRESHING_VARIANTS) {
      for (const size of sizes) {
        rows.push({ scenario, variant, size, ...(await burst(variant, size, script)) });
      }
    }
  }
  return rows;
}

async function burst(variant, size, script) {
  const server = new ScriptedAuthServer(script);
  const app = createApp(variant, server, withToken('stale'));
  let succeeded = 0;
  let failed = 0;
  const subscriptions = Array.from({ length: size }, (_, i) =>
    app.http.get(`/api/items/${i}`).subscribe({ next: () => succeeded++, error: () => failed++ }),
  );
  const deadline = Date.now() + 3000;
  while (succeeded + failed < size && Date.now() < deadline) {
    await sleep(5);
  }
  await sleep(50); // late answers, if any variant sends more than it should
  const pending = size - succeeded - failed;
  subscriptions.forEach((subscription) => subscription.unsubscribe());
  app.destroy();
  return {
    refreshCalls: server.refreshCalls,
    succeeded,
    failed,
    pending,
    apiCalls: server.apiCalls,
  };
}

/**
 * 4. Release scaling: N requests wait for one refresh; time from its answer to all N retried and
 * completed (synchronous backend), per waiter.
 */
export function releaseScaling({ sizes = [1_000, 10_000, 100_000], rounds = 9 } = {}) {
  const variants = ['naive-queue', 'ngx-auth', 'ngx-token-refresh'];
  for (const variant of variants) {
    releaseOnce(variant, 2_000); // warm-up: JIT-compile every path before anything is timed
  }
  const rows = [];
  for (const size of sizes) {
    const samples = collect(variants, rounds, (variant) => releaseOnce(variant, size));
    for (const variant of variants) {
      rows.push({ variant, size, perWaiterMicros: median(samples[variant]) });
    }
  }
  return rows;
}

function releaseOnce(variant, size) {
  const server = new ScriptedAuthServer({ manualRefresh: true });
  const app = createApp(variant, server, withToken('stale'));
  let done = 0;
  for (let i = 0; i < size; i++) {
    app.http.get(`/api/items/${i}`).subscribe({ next: () => done++, error: () => done++ });
  }
  if (server.pendingRefreshes.length !== 1) {
    throw new Error(
      `${variant}: expected 1 refresh in flight, saw ${server.pendingRefreshes.length}`,
    );
  }
  const micros = microsPerItem(size, () => server.releaseRefresh());
  if (done !== size) {
    throw new Error(`${variant}: ${size - done} of ${size} waiters did not complete`);
  }
  app.destroy();
  return micros;
}

/** 5. Memory: heap after 100k requests and after 1000 refresh cycles, against the heap before. */
export async function memory() {
  if (typeof globalThis.gc !== 'function') {
    throw new Error('run with node --expose-gc');
  }
  const server = new ScriptedAuthServer({ manualRefresh: true });
  const app = createApp('ngx-token-refresh', server, withToken(server.valid));
  fire(app.http, '/api/orders', 1000);
  const baseline = await heapAfterGc();
  fire(app.http, '/api/orders', 100_000);
  const afterRequests = await heapAfterGc();
  for (let cycle = 0; cycle < 1000; cycle++) {
    app.tokens.access = 'stale';
    app.http.get('/api/orders').subscribe();
    server.releaseRefresh();
  }
  const afterRefreshes = await heapAfterGc();
  app.destroy();
  return {
    baselineBytes: baseline,
    after100kRequestsDelta: afterRequests - baseline,
    after1000RefreshesDelta: afterRefreshes - baseline,
    refreshCalls: server.refreshCalls,
  };
}

async function heapAfterGc() {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await sleep(10);
  }
  return process.memoryUsage().heapUsed;
}

function collect(names, rounds, measure) {
  const samples = Object.fromEntries(names.map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(names)) {
      samples[name].push(measure(name));
    }
  }
  return samples;
}

/** Median µs per request of each variant, and the median of its per-round ratio to `baseline`. */
function summarize(samples, baseline) {
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [
      name,
      {
        micros: median(values),
        ratio: median(values.map((value, round) => value / samples[baseline][round])),
        overheadMicros: median(values.map((value, round) => value - samples[baseline][round])),
      },
    ]),
  );
}

function fire(http, url, count) {
  for (let i = 0; i < count; i++) {
    http.get(url).subscribe();
  }
}

function warm(apps, url) {
  for (const app of Object.values(apps)) {
    fire(app.http, url, 20_000);
  }
}

function destroyAll(apps) {
  Object.values(apps).forEach((app) => app.destroy());
}

function withToken(token) {
  const tokens = new Tokens();
  tokens.access = token;
  return tokens;
}

/** What an interceptor that only injects its configuration reads: the floor of a configured one. */
const INJECTED = new InjectionToken('INJECTED');

/**
 * An app whose only interceptor is `interceptor`: one that only calls next() is the floor of any
 * interceptor, one that also injects something is the floor of any interceptor configured through DI.
 */
function interceptorApp(interceptor) {
  const injector = createEnvironmentInjector(
    [
      { provide: ɵINJECTOR_SCOPE, useValue: 'root' },
      provideZonelessChangeDetection(),
      provideHttpClient(withInterceptors([interceptor])),
      { provide: INJECTED, useValue: {} },
      { provide: HttpBackend, useValue: syncOkBackend },
    ],
    null,
  );
  return { http: injector.get(HttpClient), destroy: () => injector.destroy() };
}

function jwtExpiringIn(seconds) {
  const encode = (part) => Buffer.from(JSON.stringify(part)).toString('base64url');
  return `${encode({ alg: 'none' })}.${encode({ sub: 'bench', exp: Math.floor(Date.now() / 1000) + seconds })}.sig`;
}

/**
 * 7. The DPoP happy path: valid token, no refresh, a proof signed per request (WebCrypto, so each
 * request completes asynchronously); µs per request, `count` requests in flight at a time, against
 * the same app without withDpop() measured in the same rounds. "with a nonce": every answer brings a
 * `DPoP-Nonce`, so each proof carries one.
 */
export async function dpopHappyPath({ requests = 20_000, rounds = 10, inFlight = 100 } = {}) {
  const perRound = Math.ceil(requests / rounds);
  const nonceHeaders = new HttpHeaders({ 'DPoP-Nonce': 'bench-nonce' });
  // Fails the bench if the DPoP apps ever send a request without a proof (the feature inert).
  const proving = (headers) => ({
    handle: (request) => {
      if (!request.headers.has('DPoP')) {
        throw new Error('dpopHappyPath: a request went out without a DPoP proof');
      }
      return of(new HttpResponse({ status: 200, body: { ok: true }, url: request.url, headers }));
    },
  });
  const apps = {
    'ngx-token-refresh (Bearer)': createApp(
      'ngx-token-refresh',
      syncOkBackend,
      withToken(VALID_JWT),
    ),
    'withDpop()': createApp(
      'ngx-token-refresh + withDpop()',
      proving(undefined),
      withToken(VALID_JWT),
    ),
    'withDpop(), with a nonce': createApp(
      'ngx-token-refresh + withDpop()',
      proving(nonceHeaders),
      withToken(VALID_JWT),
    ),
  };
  const send = async (app, count) => {
    for (let sent = 0; sent < count; sent += inFlight) {
      const batch = Array.from({ length: Math.min(inFlight, count - sent) }, () =>
        firstValueFrom(app.http.get('/api/orders')),
      );
      await Promise.all(batch);
    }
  };
  for (const app of Object.values(apps)) {
    await send(app, 2_000); // warm up, and make the key
  }
  const samples = Object.fromEntries(Object.keys(apps).map((name) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const name of shuffled(Object.keys(apps))) {
      const start = performance.now();
      await send(apps[name], perRound);
      samples[name].push(((performance.now() - start) * 1000) / perRound);
    }
  }
  destroyAll(apps);
  return summarize(samples, 'ngx-token-refresh (Bearer)');
}

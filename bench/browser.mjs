// Measurement 7: in headless Chromium against the demo server, a burst of 50 calls with an expired
// access token, from click to all results, against the theoretical floor measured on the same server
// in the same round: one failed round trip + one refresh + one successful round trip.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { chromium } from 'playwright-core';

import { median } from './stats.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Debian's Chromium and its flags, shared with the browser tests. */
const CHROMIUM_CONFIG = JSON.parse(readFileSync(join(ROOT, 'e2e/chromium.json'), 'utf8'));
const CHROMIUM = process.env.CHROMIUM_PATH ?? CHROMIUM_CONFIG.executablePath;

export async function browserBurst({ calls = 50, rounds = 7 } = {}) {
  if (!existsSync(CHROMIUM)) {
    return { skipped: `no Chromium at ${CHROMIUM}` };
  }
  const data = mkdtempSync(join(tmpdir(), 'ntr-bench-'));
  const server = spawn(process.execPath, [join(ROOT, 'projects/demo-server/src/main.ts')], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      DEMO_DB: join(data, 'bench.db'),
      DEMO_TEST_MODE: '1',
      ACCESS_TTL_SECONDS: '300',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('demo server did not start')), 15_000);
    server.stdout.on('data', (chunk) => {
      const match = /^listening (\S+)/m.exec(chunk.toString());
      if (match) {
        clearTimeout(timer);
        ready(match[1]);
      }
    });
  });
  const profile = mkdtempSync(join(tmpdir(), 'ntr-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_CONFIG.args,
  });
  try {
    const page = await context.newPage();
    await page.goto(`${url}/login`);
    await page.getByLabel('Username').fill('demo');
    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/dashboard');
    await page.getByTestId('count').fill(String(calls));
    await page.getByTestId('count').dispatchEvent('change');
    const hook = (path) =>
      fetch(`${url}/__test/${path}`, { method: 'POST', body: '{}' }).then((r) => r.json());
    const refreshCallsSoFar = async () => {
      const { refreshCalls } = await fetch(`${url}/__test/stats`).then((r) => r.json());
      if (!Number.isInteger(refreshCalls)) {
        throw new Error(`the demo server's stats have no refreshCalls: ${refreshCalls}`);
      }
      return refreshCalls;
    };

    const floors = [];
    const bursts = [];
    const validBursts = [];
    let refreshCalls = 0;
    for (let round = 0; round < rounds; round++) {
      floors.push(await page.evaluate(measureFloor));
      validBursts.push(await page.evaluate(clickAndWait, calls)); // same burst, token still valid
      await hook('expire-access-tokens');
      await hook('reset-stats');
      bursts.push(await page.evaluate(clickAndWait, calls));
      refreshCalls = Math.max(refreshCalls, await refreshCallsSoFar());
    }
    return {
      calls,
      rounds,
      floorMs: median(floors),
      burstMs: median(bursts),
      validBurstMs: median(validBursts),
      ratioToFloor: median(bursts.map((burst, i) => burst / floors[i])),
      ratioToValidBurst: median(bursts.map((burst, i) => burst / validBursts[i])),
      maxRefreshCallsPerBurst: refreshCalls,
    };
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
    server.kill('SIGTERM');
    rmSync(data, { recursive: true, force: true });
  }
}

/** In the page: a 401 round trip, a refresh and a 200 round trip, one after the other, with fetch. */
async function measureFloor() {
  const time = async (work) => {
    const start = performance.now();
    await work();
    return performance.now() - start;
  };
  const failed = await time(() =>
    fetch('/api/data/floor', { headers: { Authorization: 'Bearer invalid' } }),
  );
  let tokens;
  const refresh = await time(async () => {
    const answer = await fetch('/api/auth/refresh', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ refreshToken: localStorage.getItem('ngx-token-refresh.refresh') }),
    });
    tokens = await answer.json();
  });
  // The app's store is localStorage: keep it in step with the rotation made here.
  localStorage.setItem('ngx-token-refresh.access', tokens.accessToken);
  localStorage.setItem('ngx-token-refresh.refresh', tokens.refreshToken);
  const ok = await time(() =>
    fetch('/api/data/floor', { headers: { Authorization: `Bearer ${tokens.accessToken}` } }),
  );
  return failed + refresh + ok;
}

/** In the page: clicks "Fire", and resolves with the time until every call has ended. */
function clickAndWait(calls) {
  return new Promise((done) => {
    const count = (id) => Number(document.querySelector(`[data-testid="${id}"]`)?.textContent ?? 0);
    const pending = () => document.querySelectorAll('ol.calls li.pending').length;
    let sawPending = false; // the page first shows the new calls as pending, then their results
    const start = performance.now();
    document.querySelector('[data-testid="fire"]').click();
    const check = () => {
      sawPending ||= pending() > 0;
      if (sawPending && pending() === 0 && count('ok') + count('failed') >= calls) {
        done(performance.now() - start);
      } else {
        setTimeout(check, 1);
      }
    };
    check();
  });
}

/*
 * The library in a real Angular app, in Chromium, against the real demo auth server. Every scenario
 * checks the server's own counters, not only what the page shows.
 */
import { join } from 'node:path';
import { Page } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, signIn, waitForCalls } from './harness';

describe('demo app in Chromium against the demo auth server', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let server: DemoServer | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await server?.dispose();
    server = undefined;
    for (const page of browser?.context.pages() ?? []) {
      await page.close();
    }
    await browser?.context.clearCookies();
  });

  /** The browser context; beforeAll has launched it. */
  function context() {
    if (!browser) throw new Error('the browser did not launch');
    return browser.context;
  }

  /** The demo server of the current test; every test starts one. */
  function demo(): DemoServer {
    if (!server) throw new Error('no demo server started');
    return server;
  }

  async function startServer(
    options: ConstructorParameters<typeof DemoServer>[0] = {},
  ): Promise<Page> {
    server = new DemoServer(options);
    await server.start();
    const page = await context().newPage();
    await signIn(page, demo());
    return page;
  }

  it('20 parallel calls with an expired access token: exactly 1 refresh, 20 successes, no stale token resent', async () => {
    const page = await startServer();
    await demo().hook('reset-stats', {});
    await demo().hook('expire-access-tokens', {});

    expect(await fireCalls(page, 20)).toEqual({ ok: 20, failed: 0 });

    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      unauthorized: 20, // the first wave only: no call went out twice with the stale token
      apiCalls: 40, // 20 first attempts + 20 retries
      reuseDetected: 0,
    });
    await page.getByTestId('refresh-calls').filter({ hasText: '1' }).waitFor();
    // README shows docs/dashboard.png; `npm run docs:screenshot` refreshes it from this very run.
    const shot =
      process.env['UPDATE_DOCS_SCREENSHOT'] === '1'
        ? '../docs/dashboard.png'
        : '../reports/dashboard.png';
    await page.screenshot({ path: join(__dirname, shot), fullPage: true });
  });

  it('proactive refresh: with the JWT already expired before the call, 0 401s are served', async () => {
    const page = await startServer({ accessTtlSeconds: 2 });
    await page.waitForTimeout(2_500); // let the access token's exp pass
    await demo().hook('reset-stats', {});

    expect(await fireCalls(page, 20)).toEqual({ ok: 20, failed: 0 });

    expect(await demo().stats()).toMatchObject({ refreshCalls: 1, unauthorized: 0, apiCalls: 20 });
  });

  it('revoked refresh token: every waiting call fails, the app lands on login, exactly 1 refresh attempt', async () => {
    const page = await startServer();
    await demo().hook('revoke', { username: 'demo' });
    await demo().hook('expire-access-tokens', {});
    await demo().hook('reset-stats', {});

    await page.getByTestId('count').fill('20');
    await page.getByTestId('count').dispatchEvent('change');
    await page.getByTestId('fire').click();
    await page.waitForURL('**/login?expired=1');
    const notice = page.getByTestId('expired-notice');
    await notice.filter({ hasText: '20 of 20 calls failed: session-expired' }).waitFor();
    await page.waitForTimeout(1_000); // room for a loop to show itself, if there were one

    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshRejections: 1,
      unauthorized: 20,
      apiCalls: 20, // nothing was retried
    });
    expect(await page.evaluate(() => localStorage.getItem('ngx-token-refresh.refresh'))).toBeNull();
  });

  it('slow refresh: calls made meanwhile wait, then succeed with the new token', async () => {
    const page = await startServer();
    await demo().hook('reset-stats', {});
    await demo().hook('refresh-behaviour', { delayMs: 1_500 });
    await demo().hook('expire-access-tokens', {});

    await page.getByTestId('count').fill('10');
    await page.getByTestId('count').dispatchEvent('change');
    await page.getByTestId('fire').click();
    await page.getByTestId('state').filter({ hasText: 'refreshing' }).waitFor();
    await page.getByTestId('fire').click(); // 10 more while the refresh is in flight

    expect(await waitForCalls(page, 20)).toEqual({ ok: 20, failed: 0 });
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      unauthorized: 10, // the calls made during the refresh never went out with the stale token
      apiCalls: 30,
    });
  });

  it('refresh fails with 503 once: calls fail clearly, the user stays signed in, the next call refreshes', async () => {
    const page = await startServer();
    await demo().hook('reset-stats', {});
    // The refresh answers after 500 ms, so that all 10 calls are waiting for it when it fails: a 401
    // that arrives after a failed refresh rightly starts a fresh one.
    await demo().hook('refresh-behaviour', { failStatus: 503, failCount: 1, delayMs: 500 });
    await demo().hook('expire-access-tokens', {});

    expect(await fireCalls(page, 10)).toEqual({ ok: 0, failed: 10 });
    expect(await page.locator('ol.calls li.failed').first().textContent()).toContain(
      'refresh-failed',
    );
    expect(page.url()).toMatch(/\/dashboard$/);
    expect(await page.getByTestId('state').textContent()).toBe('idle');

    expect(await fireCalls(page, 10)).toEqual({ ok: 10, failed: 0 });
    expect(await demo().stats()).toMatchObject({ refreshCalls: 2, refreshSuccesses: 1 });
  });

  it('server restarted between calls: the session survives', async () => {
    const page = await startServer();
    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });

    await demo().stop();
    await demo().start(); // same database and port, new process
    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 }); // the access token still verifies
    await demo().hook('expire-access-tokens', {}); // force a refresh against the restarted server
    await demo().hook('reset-stats', {});

    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });
    expect(await demo().stats()).toMatchObject({ refreshCalls: 1, refreshSuccesses: 1 });
  });

  it.each(['body', 'cookie'] as const)(
    'two tabs (%s-style refresh, rotation with reuse detection): exactly 1 refresh, both succeed, nobody logged out',
    async (refreshStyle) => {
      const pageA = await startServer({ refreshStyle });
      const pageB = await context().newPage();
      await pageB.goto(`${demo().url}/dashboard`);
      await pageB.getByTestId('username').filter({ hasText: 'demo' }).waitFor();
      await demo().hook('reset-stats', {});
      await demo().hook('expire-access-tokens', {});

      for (const page of [pageA, pageB]) {
        await page.getByTestId('count').fill('10');
        await page.getByTestId('count').dispatchEvent('change');
      }
      await Promise.all([pageA.getByTestId('fire').click(), pageB.getByTestId('fire').click()]);
      const [resultA, resultB] = await Promise.all([
        waitForCalls(pageA, 10),
        waitForCalls(pageB, 10),
      ]);

      expect([resultA, resultB]).toEqual([
        { ok: 10, failed: 0 },
        { ok: 10, failed: 0 },
      ]);
      expect(await demo().stats()).toMatchObject({
        refreshCalls: 1,
        reuseDetected: 0,
        refreshRejections: 0,
      });
      expect(pageA.url()).toMatch(/\/dashboard$/);
      expect(pageB.url()).toMatch(/\/dashboard$/);
    },
  );

  it('cookie style: the refresh token never reaches JavaScript, storage or a response body', async () => {
    server = new DemoServer({ refreshStyle: 'cookie' });
    await demo().start();
    const page = await context().newPage();
    const bodies: string[] = [];
    page.on('response', (response) => {
      if (response.url().includes('/api/')) {
        bodies.push(''); // placeholder keeps order; filled below
        const index = bodies.length - 1;
        response.text().then(
          (text) => (bodies[index] = text),
          () => undefined,
        );
      }
    });
    await signIn(page, demo());
    await demo().hook('expire-access-tokens', {});
    expect(await fireCalls(page, 3)).toEqual({ ok: 3, failed: 0 });

    const cookie = (await context().cookies()).find((c) => c.name === 'demo_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
    const refreshToken = cookie?.value ?? '';
    expect(refreshToken.length).toBeGreaterThan(20);

    const visibleToScripts = await page.evaluate(() =>
      JSON.stringify({
        cookie: document.cookie,
        local: Object.entries(localStorage),
        session: Object.entries(sessionStorage),
      }),
    );
    expect(visibleToScripts).not.toContain(refreshToken);
    expect(visibleToScripts).not.toContain('demo_refresh');
    expect(bodies.join('\n')).not.toContain(refreshToken);
    expect(bodies.join('\n')).not.toContain('refreshToken');
    expect(await demo().stats()).toMatchObject({ refreshCalls: 1 });
  });
});

/*
 * Tabs with withCrossTab(), in Chromium against the demo server: tabs that hold separate sessions stay
 * separate, and a tab that loads right after another tab's refresh does not stall.
 */
import { Page } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, signIn } from './harness';

describe('tabs in Chromium against the demo server', () => {
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

  function demo(): DemoServer {
    if (!server) throw new Error('no demo server started');
    return server;
  }

  async function start(options: ConstructorParameters<typeof DemoServer>[0]): Promise<void> {
    server = new DemoServer(options);
    await server.start();
  }

  async function newPage(): Promise<Page> {
    if (!browser) throw new Error('the browser did not launch');
    return browser.context.newPage();
  }

  it('two tabs with separate sessions (sessionStorage) stay separate through refreshes and sign-outs', async () => {
    await start({ store: 'session' });
    const demoTab = await newPage();
    const aliceTab = await newPage();
    await signIn(demoTab, demo(), 'demo');
    await signIn(aliceTab, demo(), 'alice');
    const aliceRefreshToken = () =>
      aliceTab.evaluate(() => sessionStorage.getItem('ngx-token-refresh.refresh'));
    const aliceBefore = await aliceRefreshToken();
    await demo().hook('reset-stats', {});
    await demo().hook('expire-access-tokens', {});

    expect(await fireCalls(demoTab, 5)).toEqual({ ok: 5, failed: 0 });
    // demo's refresh reached alice's tab neither as tokens nor as a sign-out.
    expect(await aliceRefreshToken()).toBe(aliceBefore);
    expect(await demo().stats()).toMatchObject({ refreshCalls: 1, reuseDetected: 0 });

    expect(await fireCalls(aliceTab, 5)).toEqual({ ok: 5, failed: 0 });
    expect(await aliceRefreshToken()).not.toBe(aliceBefore); // alice refreshed her own session
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 2,
      refreshRejections: 0,
      reuseDetected: 0,
    });
    await aliceTab.reload();
    await aliceTab.getByTestId('username').filter({ hasText: 'alice' }).waitFor();

    await demoTab.getByTestId('sign-out').click();
    await demoTab.waitForURL('**/login?signedOut=1');
    expect(await fireCalls(aliceTab, 3)).toEqual({ ok: 3, failed: 0 });
    expect(aliceTab.url()).toMatch(/\/dashboard$/);
    await aliceTab.getByTestId('username').filter({ hasText: 'alice' }).waitFor();
  });

  it('a reload right after another tab’s refresh gets its first data without waiting for a broadcast', async () => {
    await start({ refreshStyle: 'body' });
    const tabA = await newPage();
    await signIn(tabA, demo());
    const tabB = await newPage();
    await tabB.goto(`${demo().url}/dashboard`);
    await tabB.getByTestId('username').filter({ hasText: 'demo' }).waitFor();
    await demo().hook('expire-access-tokens', {});
    expect(await fireCalls(tabA, 3)).toEqual({ ok: 3, failed: 0 }); // A refreshes and records it

    // B's stored token is expired again; B reloads within the 10 s in which A's refresh is recent.
    await demo().hook('expire-access-tokens', {});
    const times: { unauthorized?: number; data?: number } = {};
    tabB.on('response', (response) => {
      if (new URL(response.url()).pathname !== '/api/profile') return;
      if (response.status() === 401) times.unauthorized ??= Date.now();
      if (response.status() === 200) times.data ??= Date.now();
    });
    await tabB.reload();
    await tabB.getByTestId('username').filter({ hasText: 'demo' }).waitFor();

    expect(times.unauthorized).toBeDefined();
    expect(times.data).toBeDefined();
    // The refresh itself takes milliseconds here; the old stall was the 2 s grace period.
    expect((times.data ?? 0) - (times.unauthorized ?? 0)).toBeLessThan(1000);
    expect(await demo().stats()).toMatchObject({ reuseDetected: 0, refreshRejections: 0 });
  });
});

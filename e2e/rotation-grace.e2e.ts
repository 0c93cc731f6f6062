/*
 * A refresh whose answer never reaches the app: the server has rotated the refresh token, the app
 * still holds the old one and presents it again. Within the server's rotation grace window the user
 * stays signed in; after it, reuse detection still revokes the session.
 */
import { Page } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, ServerOptions, signIn } from './harness';

describe('rotation grace window, in Chromium against the demo server', () => {
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

  async function newPage(): Promise<Page> {
    if (!browser) throw new Error('the browser did not launch');
    return browser.context.newPage();
  }

  /**
   * A signed-in tab (and `otherTabs` more on the dashboard) whose next refresh the server rotates at
   * once but answers only after 1.5 s.
   */
  async function signedInWithSlowAnswer(
    options: ServerOptions = {},
    otherTabs: Page[] = [],
  ): Promise<Page> {
    server = new DemoServer(options);
    await server.start();
    const page = await newPage();
    await signIn(page, server);
    for (const tab of otherTabs) {
      await tab.goto(`${server.url}/dashboard`);
      await tab.getByTestId('username').filter({ hasText: 'demo' }).waitFor();
    }
    await server.hook('reset-stats', {});
    await server.hook('refresh-behaviour', { delayMs: 1_500, delayCount: 1 });
    await server.hook('expire-access-tokens', {});
    return page;
  }

  /** Fires calls and returns once the refresh they caused is on its way to the server. */
  async function startRefresh(page: Page): Promise<void> {
    const refreshSent = page.waitForRequest((request) =>
      request.url().endsWith('/api/auth/refresh'),
    );
    await page.getByTestId('count').fill('5');
    await page.getByTestId('count').dispatchEvent('change');
    await page.getByTestId('fire').click();
    await refreshSent;
  }

  it('a tab closed mid-refresh: the next tab presents the old token and stays signed in', async () => {
    const page = await signedInWithSlowAnswer();
    await startRefresh(page);
    await page.close(); // the answer is lost with the tab

    const next = await newPage();
    await next.goto(`${demo().url}/dashboard`);
    await next.getByTestId('username').filter({ hasText: 'demo' }).waitFor();

    expect(await fireCalls(next, 5)).toEqual({ ok: 5, failed: 0 });
    expect(next.url()).toMatch(/\/dashboard$/);
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 2,
      refreshSuccesses: 2,
      graceReplays: 1,
      reuseDetected: 0,
    });
  });

  it('a reload mid-refresh: the reloaded page presents the old token and stays signed in', async () => {
    const page = await signedInWithSlowAnswer();
    await startRefresh(page);
    await page.reload();

    await page.getByTestId('username').filter({ hasText: 'demo' }).waitFor();
    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });
    expect(page.url()).toMatch(/\/dashboard$/);
    expect(await demo().stats()).toMatchObject({ graceReplays: 1, reuseDetected: 0 });
  });

  it('a refresh slower than refreshTimeout: the calls fail, the user stays signed in, the next refresh gets the same token', async () => {
    const page = await signedInWithSlowAnswer({ refreshTimeoutMs: 800 });

    expect(await fireCalls(page, 5)).toEqual({ ok: 0, failed: 5 });
    expect(await page.locator('ol.calls li.failed').first().textContent()).toContain(
      'refresh-timeout',
    );
    await page.waitForTimeout(1_000); // the server's late answer arrives and is discarded
    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });

    expect(page.url()).toMatch(/\/dashboard$/);
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 2,
      graceReplays: 1,
      reuseDetected: 0,
    });
  });

  it('the old token presented after the window is still reuse: the session is revoked in every tab', async () => {
    const other = await newPage();
    const page = await signedInWithSlowAnswer({ rotationGraceSeconds: 1 }, [other]);
    await startRefresh(page);
    await page.close();
    await other.waitForTimeout(2_000); // past the 1 s window

    const late = await newPage();
    await late.goto(`${demo().url}/dashboard`);
    await late.waitForURL('**/login?expired=1');

    expect(await demo().stats()).toMatchObject({ reuseDetected: 1, graceReplays: 0 });
    // The other tab held the same session: the library may end it there at once (withCrossTab());
    // if not, its next call finds the session revoked on the server. Either way it signs out.
    await other.waitForTimeout(1_000);
    if (other.url().endsWith('/dashboard')) {
      await other.getByTestId('fire').click();
    }
    await other.waitForURL('**/login?expired=1');
  });
});

/*
 * The server's WWW-Authenticate challenges and the browser going offline, in Chromium against the
 * demo server: which refusals make the library refresh (exactly once) and which reach the app at
 * once with no refresh, counted by the server itself.
 */
import { Page } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, signIn } from './harness';

describe('challenges and offline in Chromium against the demo server', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let server: DemoServer | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await browser?.context.setOffline(false);
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

  /** Starts a server, opens a page (`prepare` runs before it loads anything) and signs in. */
  async function startServer(
    options: ConstructorParameters<typeof DemoServer>[0] = {},
    prepare: (page: Page) => Promise<void> = () => Promise.resolve(),
  ): Promise<Page> {
    server = new DemoServer(options);
    await server.start();
    const page = await context().newPage();
    await prepare(page);
    await signIn(page, demo());
    await demo().hook('reset-stats', {});
    return page;
  }

  it('an access token the server expired: 10 calls get invalid_token, exactly 1 refresh, all 10 succeed', async () => {
    const page = await startServer();
    const challenges = challengesOf(page, '/api/data/');
    await demo().hook('expire-access-tokens', {});

    expect(await fireCalls(page, 10)).toEqual({ ok: 10, failed: 0 });

    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshSuccesses: 1,
      unauthorized: 10,
      apiCalls: 20, // 10 first attempts, 10 retries
    });
    expect(await Promise.all(challenges)).toEqual(
      Array<string>(10).fill(
        'Bearer realm="demo", error="invalid_token", error_description="The access token expired"',
      ),
    );
  });

  it('insufficient_scope: no refresh call at all, the 403 and its challenge reach the app at once', async () => {
    const page = await startServer();

    await page.getByTestId('call-scope').click();

    await page
      .getByTestId('challenge-result')
      .filter({
        hasText:
          'Admin report: 403 insufficient_scope (scope admin): The access token lacks the admin scope',
      })
      .waitFor();
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 0,
      forbidden: 1,
      unauthorized: 0,
      apiCalls: 1, // not retried
    });
    expect(await page.getByTestId('state').textContent()).toBe('idle');
    expect(page.url()).toMatch(/\/dashboard$/);
  });

  it('insufficient_user_authentication (step-up): a 401, yet no refresh call, and the user stays signed in', async () => {
    const page = await startServer();

    await page.getByTestId('call-step-up').click();

    await page
      .getByTestId('challenge-result')
      .filter({
        hasText:
          'Security settings: 401 insufficient_user_authentication (acr_values mfa): ' +
          'A multi-factor sign-in is required',
      })
      .waitFor();
    expect(await demo().stats()).toMatchObject({ refreshCalls: 0, unauthorized: 1, apiCalls: 1 });
    expect(await page.getByTestId('state').textContent()).toBe('idle');
    // The session is untouched: the next ordinary calls go through without a refresh.
    expect(await fireCalls(page, 3)).toEqual({ ok: 3, failed: 0 });
    expect(await demo().stats()).toMatchObject({ refreshCalls: 0, apiCalls: 4 });
  });

  it('offline during a refresh: the calls fail with code offline, the session is kept, and back online 1 refresh serves the next calls', async () => {
    // 10 s tokens: 5.5 s after sign-in the token is within the app's 5 s expiryLeeway, so the next
    // call refreshes first, and a fresh token is good for 5 s more before that happens again.
    const page = await startServer({ accessTtlSeconds: 10 });
    await page.waitForTimeout(5_500);
    await demo().hook('reset-stats', {});
    await context().setOffline(true);

    expect(await fireCalls(page, 5)).toEqual({ ok: 0, failed: 5 });

    expect(await page.locator('ol.calls li').allTextContents()).toEqual(
      [0, 1, 2, 3, 4].map((id) => `#${id} failed offline`),
    );
    await page.getByTestId('state').filter({ hasText: 'offline' }).waitFor();
    expect(page.url()).toMatch(/\/dashboard$/);
    expect(
      await page.evaluate(() => localStorage.getItem('ngx-token-refresh.refresh')),
    ).not.toBeNull();
    expect(await demo().stats()).toMatchObject({ refreshCalls: 0, apiCalls: 0 });

    // Back online, withResumeRefresh() refreshes at once; calls made meanwhile join that refresh.
    await context().setOffline(false);
    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });

    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshSuccesses: 1,
      unauthorized: 0,
      apiCalls: 5,
    });
    expect(await page.getByTestId('state').textContent()).toBe('idle');
  });

  it('a hidden page whose token expired meanwhile refreshes once as it becomes visible: the first call gets no 401', async () => {
    const page = await startServer({}, async (newPage) => {
      await newPage.clock.install();
    });
    await setVisibility(page, 'hidden');
    // The page's clock jumps past the token's 300 s lifetime, as in a laptop's sleep.
    await page.clock.fastForward('05:10');
    expect(await demo().stats()).toMatchObject({ refreshCalls: 0 }); // hidden: nothing happens

    await setVisibility(page, 'visible');
    await waitForRefreshCalls(demo(), 1);
    await page.getByTestId('state').filter({ hasText: 'idle' }).waitFor();
    // The server's clock did not sleep: the page's goes back to it, or the fresh token would look
    // expired to the page too. A real sleep moves both clocks.
    await page.clock.setSystemTime(Date.now());

    expect(await fireCalls(page, 5)).toEqual({ ok: 5, failed: 0 });
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshSuccesses: 1,
      unauthorized: 0,
      apiCalls: 5,
    });
  });
});

/**
 * The `WWW-Authenticate` header of every 401 the page receives from URLs containing `path`, in the
 * order they arrive.
 */
function challengesOf(page: Page, path: string): Promise<string>[] {
  const challenges: Promise<string>[] = [];
  page.on('response', (response) => {
    if (response.status() === 401 && response.url().includes(path)) {
      challenges.push(response.headerValue('www-authenticate').then((value) => value ?? '(none)'));
    }
  });
  return challenges;
}

/** Polls the server's counters (every 100 ms, for at most 10 s) until it has seen `count` refreshes. */
async function waitForRefreshCalls(server: DemoServer, count: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if ((await server.stats()).refreshCalls >= count) return;
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`the server did not see ${count} refresh calls within 10 s`);
}

/**
 * Makes the page report `state` as its visibility and fires `visibilitychange`, as a browser does
 * when the tab is switched away and back (a headless page is always visible otherwise).
 */
async function setVisibility(page: Page, state: 'hidden' | 'visible'): Promise<void> {
  await page.evaluate((visibility) => {
    Object.defineProperty(document, 'visibilityState', { value: visibility, configurable: true });
    Object.defineProperty(document, 'hidden', {
      value: visibility === 'hidden',
      configurable: true,
    });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}

/*
 * The demo explains itself: what a visitor, a signed-out user and a signed-in user read on the page,
 * including when the server is down, and the figures each burst shows.
 */
import { Page } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, ServerOptions, signIn } from './harness';

describe('the demo’s messages, in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let server: DemoServer | undefined;
  /** Uncaught errors and unhandled promise rejections of every page. */
  let pageErrors: string[] = [];

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
    expect(pageErrors).toEqual([]);
    pageErrors = [];
  });

  function demo(): DemoServer {
    if (!server) throw new Error('no demo server started');
    return server;
  }

  async function start(options: ServerOptions = {}): Promise<Page> {
    if (!browser) throw new Error('the browser did not launch');
    server = new DemoServer(options);
    await server.start();
    const page = await browser.context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    return page;
  }

  it('a first visit to /dashboard asks to sign in, without saying a session ended', async () => {
    const page = await start();
    await page.goto(`${demo().url}/dashboard`);

    await page.waitForURL(/\/login$/);
    expect(await page.getByTestId('expired-notice').count()).toBe(0);
    await page.getByLabel('Password').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page
      .getByTestId('login-error')
      .filter({ hasText: 'Wrong username or password.' })
      .waitFor();
    expect(await page.getByTestId('expired-notice').count()).toBe(0);
  });

  it('a sign-out says "You signed out", not that the session ended', async () => {
    const page = await start();
    await signIn(page, demo());

    await page.getByTestId('sign-out').click();

    await page.waitForURL('**/login?signedOut=1');
    await page.getByTestId('signed-out-notice').filter({ hasText: 'You signed out.' }).waitFor();
    expect(await page.getByTestId('expired-notice').count()).toBe(0);
  });

  it('too many wrong passwords: the login page says when to try again', async () => {
    const page = await start();
    await page.goto(`${demo().url}/login`);
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.getByLabel('Password').fill(`wrong-${attempt}`);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('login-error').filter({ hasText: 'Wrong username' }).waitFor();
    }

    await page.getByLabel('Password').fill('demo-password');
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page
      .getByTestId('login-error')
      .filter({ hasText: /^Too many failed sign-ins; try again in \d+ s\.$/ })
      .waitFor();
  });

  it('with the server down, every button and the calls say so, and nothing is left unhandled', async () => {
    const page = await start();
    await signIn(page, demo());
    await demo().stop();

    await page.getByTestId('expire').click();
    await page
      .getByTestId('message')
      .filter({ hasText: 'Expiring the access token failed: the demo server cannot be reached' })
      .waitFor();
    await page.getByTestId('revoke').click();
    await page.getByTestId('message').filter({ hasText: 'Revoking the session failed' }).waitFor();
    expect(await fireCalls(page, 3)).toEqual({ ok: 0, failed: 3 });
    await page
      .getByTestId('message')
      .filter({
        hasText: 'Reading the server’s counters failed: the demo server cannot be reached',
      })
      .waitFor();
    expect(await page.locator('ol.calls li.failed').first().textContent()).toContain('unreachable');
  });

  it('"Revoke session" says what it did, and the next call signs the user out', async () => {
    const page = await start();
    await signIn(page, demo());

    await page.getByTestId('revoke').click();
    await page
      .getByTestId('message')
      .filter({ hasText: 'The server revoked this session' })
      .waitFor();
    await page.getByTestId('fire').click();

    await page.waitForURL('**/login?expired=1');
    await page.getByTestId('expired-notice').waitFor();
  });

  it('each burst shows its own figures; the server totals are shown apart', async () => {
    const page = await start();
    await signIn(page, demo());
    await page.getByTestId('expire').click();
    await page.getByTestId('message').filter({ hasText: 'expired the access tokens' }).waitFor();

    expect(await fireCalls(page, 10)).toEqual({ ok: 10, failed: 0 });
    expect(await burstFigures(page)).toEqual({ unauthorized: '10', refreshes: '1', retries: '10' });
    expect(await fireCalls(page, 4)).toEqual({ ok: 4, failed: 0 });
    expect(await burstFigures(page)).toEqual({ unauthorized: '0', refreshes: '0', retries: '0' });
    await page.getByTestId('refresh-calls').filter({ hasText: /^1$/ }).waitFor();
    expect(await page.getByTestId('burst-time').textContent()).toMatch(/^\d+ ms$/);
  });

  it('the call count box: the button follows the input, values are clamped with a message, Enter fires', async () => {
    const page = await start();
    await signIn(page, demo());
    const count = page.getByTestId('count');

    await count.fill('7');
    await page.getByTestId('fire').filter({ hasText: 'Fire 7 calls' }).waitFor();
    await count.fill('500');
    await page.getByTestId('fire').filter({ hasText: 'Fire 200 calls' }).waitFor();
    expect(await page.getByTestId('count-hint').textContent()).toBe(
      '1 to 200 calls at a time: 200 will be fired.',
    );
    await count.fill('0');
    await count.press('Enter');

    await page.locator('ol.calls li.ok').first().waitFor();
    expect(await page.locator('ol.calls li').count()).toBe(1);
    expect(await count.inputValue()).toBe('1');
    expect(await page.getByTestId('fire').textContent()).toContain('Fire 1 call');
  });

  it('the event log says "No events yet." until an event, then numbers them newest first', async () => {
    const page = await start();
    await signIn(page, demo());
    await page.getByTestId('events-empty').filter({ hasText: 'No events yet.' }).waitFor();
    expect(await page.locator('ol.log').count()).toBe(0);

    await page.getByTestId('expire').click();
    await fireCalls(page, 2);

    const items = page.locator('ol.log li');
    const values = await items.evaluateAll((lis) => lis.map((li) => (li as HTMLLIElement).value));
    expect(values).toEqual([3, 2, 1]);
    expect(await items.first().textContent()).toContain('refresh-succeeded');
    expect(await items.last().textContent()).toContain(
      'server: this session’s access tokens expired',
    );
  });

  it('alice signs in as herself; DEMO_STORE=session keeps the tokens in this tab’s sessionStorage', async () => {
    const page = await start({ store: 'session' });
    await signIn(page, demo(), 'alice');

    const stored = await page.evaluate(() => ({
      session: sessionStorage.getItem('ngx-token-refresh.refresh'),
      local: localStorage.getItem('ngx-token-refresh.refresh'),
    }));
    expect(stored.session?.length).toBeGreaterThan(20);
    expect(stored.local).toBeNull();
    expect(await fireCalls(page, 2)).toEqual({ ok: 2, failed: 0 });
  });
});

async function burstFigures(page: Page) {
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
  await page.getByTestId('burst').waitFor();
  return {
    unauthorized: await text('burst-unauthorized'),
    refreshes: await text('burst-refreshes'),
    retries: await text('burst-retries'),
  };
}

/*
 * The demo in DPoP mode (DEMO_DPOP=on), in Chromium against the demo server: the app's withDpop()
 * and DpopService against the server's own proof checks (jose: signature, htm, htu, iat, jti, ath,
 * nonce, cnf.jkt), counted by the server itself.
 */
import type { Page, Request } from 'playwright-core';

import { DemoServer, fireCalls, launchBrowser, signIn } from './harness';

const BURST = 20;
const JWT = /^[\w-]+\.[\w-]+\.[\w-]+$/;

/** What one request carried, as Chromium sent it. */
interface Sent {
  method: string;
  path: string;
  authorization: string | undefined;
  dpop: string | undefined;
}

describe('the demo with DEMO_DPOP=on, in Chromium', () => {
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let server: DemoServer | undefined;

  beforeAll(async () => {
    server = new DemoServer({ dpop: true });
    await server.start();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.dispose();
  });

  function demo(): DemoServer {
    if (!server) throw new Error('the demo server did not start');
    return server;
  }

  it('binds the session to one key, refreshes once for 20 proven calls, answers both nonce challenges, and refuses a replayed proof', async () => {
    if (!browser) throw new Error('the browser did not launch');
    const page = await browser.context.newPage();
    const sent = recordApiRequests(page);

    // The app knows no nonce yet: the login is proven, challenged once, and resent with the nonce.
    await signIn(page, demo());
    const thumbprint = await thumbprintShown(page);
    expect(thumbprint).toMatch(/^[\w-]{43}$/);
    expect(await page.getByTestId('dpop').textContent()).toContain(
      `Tokens: DPoP-bound (key thumbprint ${thumbprint.slice(0, 12)}…)`,
    );
    expect(await dpopStats(demo())).toEqual({
      dpopTokenNonceChallenges: 1,
      dpopResourceNonceChallenges: 0,
      dpopProofRejections: 0,
    });
    const logins = (await settled(sent)).filter((request) => request.path === '/api/auth/login');
    expect(logins).toHaveLength(2);
    for (const login of logins) {
      expect(login.dpop).toMatch(JWT);
      expect(login.authorization).toBeUndefined();
    }

    // Expire the access token, then 20 calls at once.
    await demo().hook('reset-stats', {});
    await demo().hook('expire-access-tokens', {});
    const challenges = challengesOf(page, '/api/data/');
    sent.length = 0;

    expect(await fireCalls(page, BURST)).toEqual({ ok: BURST, failed: 0 });

    expect(await burstFigures(page)).toEqual({
      unauthorized: '20',
      nonceChallenges: '0',
      refreshes: '1',
      retries: '20',
    });
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshSuccesses: 1,
      refreshRejections: 0,
      unauthorized: BURST,
      apiCalls: 2 * BURST, // 20 first attempts, 20 retries
      dpopTokenNonceChallenges: 0,
      dpopResourceNonceChallenges: 0,
      dpopProofRejections: 0,
    });
    expect(await Promise.all(challenges)).toEqual(
      Array<string>(BURST).fill(
        'DPoP realm="demo", error="invalid_token", ' +
          'error_description="The access token expired", algs="ES256"',
      ),
    );
    const burst = await settled(sent);
    const calls = burst.filter((request) => request.path.startsWith('/api/data/'));
    expect(calls).toHaveLength(2 * BURST);
    for (const call of calls) {
      expect(call.authorization).toMatch(/^DPoP [\w-]+\.[\w-]+\.[\w-]+$/);
      expect(call.dpop).toMatch(JWT);
    }
    expect(new Set(calls.map((call) => call.dpop)).size).toBe(2 * BURST);
    const refreshes = burst.filter((request) => request.path === '/api/auth/refresh');
    expect(refreshes).toHaveLength(1);
    expect(refreshes[0].dpop).toMatch(JWT);
    expect(refreshes[0].authorization).toBeUndefined();
    // The retries carry the refreshed token, bound to the key the page shows.
    const retried = calls[calls.length - 1];
    expect(claimsOf(tokenOf(retried))['cnf']).toEqual({ jkt: thumbprint });
    expect(claimsOf(retried.dpop ?? '')['htu']).toBe(`${demo().url}${retried.path}`);

    // The same proof again, from outside the browser: the server has seen its jti.
    const replay = await fetch(`${demo().url}${retried.path}`, {
      headers: { Authorization: retried.authorization ?? '', DPoP: retried.dpop ?? '' },
    });
    expect(replay.status).toBe(401);
    expect(replay.headers.get('www-authenticate')).toBe(
      'DPoP realm="demo", error="invalid_dpop_proof", ' +
        'error_description="The DPoP proof was used before (its jti is not new)", algs="ES256"',
    );
    expect((await demo().stats()).dpopProofRejections).toBe(1);

    // A reload keeps the key; the reloaded app knows no nonce, so the resource asks for one.
    await demo().hook('reset-stats', {});
    sent.length = 0;
    await page.reload();
    await page.getByTestId('username').filter({ hasText: 'demo' }).waitFor();
    expect(await thumbprintShown(page)).toBe(thumbprint);
    expect(await demo().stats()).toMatchObject({
      apiCalls: 2, // the profile call, and its resend with the nonce
      unauthorized: 1,
      refreshCalls: 0,
      dpopTokenNonceChallenges: 0,
      dpopResourceNonceChallenges: 1,
      dpopProofRejections: 0,
    });
    const profileCalls = (await settled(sent)).filter((request) => request.path === '/api/profile');
    expect(profileCalls).toHaveLength(2);
    expect(claimsOf(profileCalls[0].dpop ?? '')['nonce']).toBeUndefined();
    expect(typeof claimsOf(profileCalls[1].dpop ?? '')['nonce']).toBe('string');
    expect(claimsOf(tokenOf(profileCalls[1]))['cnf']).toEqual({ jkt: thumbprint });
  });

  it('after the nonce went stale (2 minutes idle), a burst still shows 1 refresh and 20 successes, the nonce challenges apart', async () => {
    if (!browser) throw new Error('the browser did not launch');
    const page = await browser.context.newPage();
    await signIn(page, demo());
    await thumbprintShown(page);
    // Two rotations, as two idle minutes make: the nonce the app holds is no longer accepted.
    await demo().hook('rotate-dpop-nonce', {});
    await demo().hook('rotate-dpop-nonce', {});
    await demo().hook('expire-access-tokens', {});
    await demo().hook('reset-stats', {});

    expect(await fireCalls(page, BURST)).toEqual({ ok: BURST, failed: 0 });

    // Each call: a nonce challenge, its resend with the new nonce (401 expired), and a retry.
    expect(await demo().stats()).toMatchObject({
      refreshCalls: 1,
      refreshSuccesses: 1,
      refreshRejections: 0,
      unauthorized: 2 * BURST,
      apiCalls: 3 * BURST,
      dpopTokenNonceChallenges: 0,
      dpopResourceNonceChallenges: BURST,
      dpopProofRejections: 0,
    });
    expect(await burstFigures(page)).toEqual({
      unauthorized: '20',
      nonceChallenges: '20',
      refreshes: '1',
      retries: '20',
    });
    await page.getByTestId('nonce-challenges').filter({ hasText: /^20$/ }).waitFor();
    expect(await page.getByTestId('refresh-calls').textContent()).toBe('1');
    expect(await page.getByTestId('unauthorized').textContent()).toBe('40');
    await page.close();
  });
});

/** The figures the dashboard shows for the last burst. */
async function burstFigures(page: Page): Promise<Record<string, string | undefined>> {
  const text = async (id: string) => (await page.getByTestId(id).textContent())?.trim();
  await page.getByTestId('burst').waitFor();
  return {
    unauthorized: await text('burst-unauthorized'),
    nonceChallenges: await text('burst-nonce-challenges'),
    refreshes: await text('burst-refreshes'),
    retries: await text('burst-retries'),
  };
}

/** The full thumbprint of the key the dashboard shows. */
async function thumbprintShown(page: Page): Promise<string> {
  const line = page.getByTestId('dpop');
  await line.waitFor();
  return (await line.getAttribute('data-thumbprint')) ?? '';
}

/** Records every request to /api/ (as pending promises: the headers are read asynchronously). */
function recordApiRequests(page: Page): Promise<Sent>[] {
  const sent: Promise<Sent>[] = [];
  page.on('request', (request: Request) => {
    const url = new URL(request.url());
    if (url.pathname.startsWith('/api/')) {
      sent.push(
        request.allHeaders().then((headers) => ({
          method: request.method(),
          path: url.pathname,
          authorization: headers['authorization'],
          dpop: headers['dpop'],
        })),
      );
    }
  });
  return sent;
}

function settled(sent: Promise<Sent>[]): Promise<Sent[]> {
  return Promise.all(sent);
}

/** The WWW-Authenticate of every 401 answer to a request under `path`, in order of arrival. */
function challengesOf(page: Page, path: string): Promise<string>[] {
  const challenges: Promise<string>[] = [];
  page.on('response', (response) => {
    if (response.status() === 401 && new URL(response.url()).pathname.startsWith(path)) {
      challenges.push(response.headerValue('www-authenticate').then((value) => value ?? ''));
    }
  });
  return challenges;
}

function tokenOf(request: Sent): string {
  return (request.authorization ?? '').replace(/^DPoP /, '');
}

/** The claims of a JWT, unverified (the server verified it). */
function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString()) as Record<
    string,
    unknown
  >;
}

async function dpopStats(server: DemoServer): Promise<Record<string, number>> {
  const stats = await server.stats();
  return {
    dpopTokenNonceChallenges: stats.dpopTokenNonceChallenges,
    dpopResourceNonceChallenges: stats.dpopResourceNonceChallenges,
    dpopProofRejections: stats.dpopProofRejections,
  };
}

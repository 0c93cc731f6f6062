/*
 * DPoP (RFC 9449) against an authorization server nobody here wrote: oidc-provider with DPoP on,
 * nonces required and the client's access tokens DPoP-bound. The app (Angular's HttpClient with the
 * built library, withDpop() and withCrossTab()) runs in Chromium on the issuer's origin, signs in
 * with authorization code + PKCE, and calls the userinfo endpoint, which checks each proof and the
 * token's binding to the key.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { build } from 'esbuild';
import type { Page } from 'playwright-core';

import { launchBrowser, waitForListening } from './harness';

const CLIENT_ID = 'ngx-token-refresh-e2e';
const BURST = 20;

interface DpopStats {
  refreshGrants: number;
  codeGrants: number;
  userinfoOk: number;
  userinfoUnauthorized: number;
  tokenNonceChallenges: number;
  userinfoNonceChallenges: number;
}

type AppWindow = Window & {
  dpopApp: {
    events: string[];
    thumbprint(): Promise<string>;
    signIn(code: string, verifier: string): Promise<{ tokenType: string }>;
    burst(count: number): Promise<{ sub?: string; error?: string }[]>;
  };
};

describe('DPoP against oidc-provider, in Chromium', () => {
  let authServer: ChildProcess | undefined;
  let issuer: string;
  let appDir: string;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;

  beforeAll(async () => {
    appDir = mkdtempSync(join(tmpdir(), 'ntr-dpop-app-'));
    await build({
      entryPoints: [join(__dirname, 'oauth/dpop-app.mjs')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      outfile: join(appDir, 'app.js'),
      logLevel: 'error',
    });
    writeFileSync(
      join(appDir, 'index.html'),
      '<!doctype html><html><head><title>loading</title><script type="module" src="/app/app.js"></script></head><body></body></html>',
    );
    authServer = spawn(process.execPath, [join(__dirname, 'oauth/oidc-server.mjs')], {
      env: { ...process.env, ACCESS_TTL_SECONDS: '5', CLIENT_ID, DPOP: '1', APP_DIR: appDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    issuer = await waitForListening(authServer, 'oidc-provider');
    browser = await launchBrowser();
  }, 60_000);

  function opened(): Awaited<ReturnType<typeof launchBrowser>> {
    if (browser === undefined) {
      throw new Error('Chromium did not start');
    }
    return browser;
  }

  afterAll(async () => {
    await browser?.close();
    authServer?.kill('SIGTERM');
    rmSync(appDir, { recursive: true, force: true });
  });

  it('binds the session to one non-extractable key that survives a reload, refreshes once per burst, and every proof passes', async () => {
    const page = await opened().context.newPage();
    await openApp(page, `${issuer}/app/`);
    const thumbprint = await page.evaluate(() =>
      (window as unknown as AppWindow).dpopApp.thumbprint(),
    );

    // Sign in: authorization code + PKCE, the code bound to the key (dpop_jkt), exchanged with a proof.
    const signedIn = await signInWithPkce(page, issuer, thumbprint);
    expect(signedIn).toEqual({ tokenType: 'DPoP' });
    expect(await stats(issuer)).toMatchObject({ codeGrants: 1, tokenNonceChallenges: 1 });

    // A reload keeps the key; script cannot read the private key.
    await page.reload();
    await page.waitForFunction(() => document.title === 'ready');
    expect(await page.evaluate(() => (window as unknown as AppWindow).dpopApp.thumbprint())).toBe(
      thumbprint,
    );
    expect(await exportPrivateKey(page)).toMatch(/InvalidAccessError|not extractable/i);

    // The reloaded app knows no nonce yet: the resource server asks for one, the call is resent.
    expect(
      await page.evaluate((count) => (window as unknown as AppWindow).dpopApp.burst(count), 1),
    ).toEqual([{ sub: 'e2e-user' }]);
    expect(await stats(issuer)).toMatchObject({ userinfoNonceChallenges: 1, userinfoOk: 1 });

    // Let the access token expire for real, then 20 calls at once.
    await new Promise((done) => setTimeout(done, 5_500));
    const results = await page.evaluate(
      (count) => (window as unknown as AppWindow).dpopApp.burst(count),
      BURST,
    );

    expect(results).toEqual(Array.from({ length: BURST }, () => ({ sub: 'e2e-user' })));
    expect(await page.evaluate(() => (window as unknown as AppWindow).dpopApp.events)).toEqual([
      'refresh-started',
      'refresh-succeeded',
    ]);
    const after = await stats(issuer);
    expect(after.refreshGrants).toBe(1);
    expect(after.userinfoOk).toBe(1 + BURST);
    expect(after.tokenNonceChallenges).toBeGreaterThanOrEqual(1);

    // Two tabs of the origin, one key: a burst in each after expiry refreshes once in all.
    const second = await opened().context.newPage();
    await openApp(second, `${issuer}/app/`);
    expect(await second.evaluate(() => (window as unknown as AppWindow).dpopApp.thumbprint())).toBe(
      thumbprint,
    );
    await new Promise((done) => setTimeout(done, 5_500));
    const [first, other] = await Promise.all(
      [page, second].map((tab) =>
        tab.evaluate((count) => (window as unknown as AppWindow).dpopApp.burst(count), 5),
      ),
    );
    expect([...first, ...other]).toEqual(Array.from({ length: 10 }, () => ({ sub: 'e2e-user' })));
    expect((await stats(issuer)).refreshGrants).toBe(2);
  });
});

async function openApp(page: Page, url: string): Promise<void> {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(url);
  await page
    .waitForFunction(() => document.title === 'ready', null, { timeout: 10_000 })
    .catch((error: unknown) => {
      throw new Error(`the app did not start: ${errors.join('; ') || String(error)}`);
    });
}

async function stats(issuer: string): Promise<DpopStats> {
  return (await (await fetch(`${issuer}/__stats`)).json()) as DpopStats;
}

/** Tries `crypto.subtle.exportKey` on the stored private key in the page; returns the rejection. */
function exportPrivateKey(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const opening = indexedDB.open('ngx-token-refresh-dpop');
        opening.onsuccess = () => {
          const read = opening.result.transaction('keys').objectStore('keys').get('current');
          read.onsuccess = () => {
            const pair = read.result as CryptoKeyPair;
            crypto.subtle.exportKey('jwk', pair.privateKey).then(
              () => resolve('exported'),
              (error: unknown) => resolve(String(error)),
            );
          };
        };
      }),
  );
}

/** Authorization code + PKCE through oidc-provider's dev login and consent, then the exchange in the app. */
async function signInWithPkce(
  page: Page,
  issuer: string,
  thumbprint: string,
): Promise<{ tokenType: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: `${issuer}/app/callback`,
    scope: 'openid offline_access',
    prompt: 'consent',
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    dpop_jkt: thumbprint,
    state: randomBytes(8).toString('hex'),
  }).toString();
  await page.goto(authorize.toString());
  await page.locator('input[name="login"]').fill('e2e-user');
  await page.locator('input[name="password"]').fill('any-password');
  await page.locator('button[type="submit"]').click();
  for (let step = 0; step < 10 && !page.url().startsWith(`${issuer}/app/callback`); step++) {
    const submit = page.locator('button[type="submit"]');
    if (await submit.isVisible().catch(() => false)) {
      await submit.click();
    }
    await page.waitForTimeout(300);
  }
  const code = new URL(page.url()).searchParams.get('code');
  if (code === null) {
    throw new Error(`no authorization code; the page shows: ${await page.textContent('body')}`);
  }
  await page.waitForFunction(() => document.title === 'ready');
  return page.evaluate(
    ([code, verifier]) => (window as unknown as AppWindow).dpopApp.signIn(code, verifier),
    [code, verifier] as const,
  );
}

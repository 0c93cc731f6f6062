/*
 * Interoperability with an authorization server nobody here wrote: oidc-provider, with PKCE and
 * refresh-token rotation. A real grant is obtained through its authorization-code + PKCE flow in
 * headless Chromium; then Angular's HttpClient with the library refreshes it through the token
 * endpoint while 10 calls to the userinfo endpoint fail at once.
 */
import { ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { launchBrowser, waitForListening } from './harness';

const CLIENT_ID = 'ngx-token-refresh-e2e';
const REDIRECT_URI = 'http://127.0.0.1/callback';
const CONCURRENCY = 10;

describe('OAuth 2.0 refresh grant against oidc-provider', () => {
  let authServer: ChildProcess | undefined;
  let issuer: string;

  beforeAll(async () => {
    authServer = spawn(process.execPath, [join(__dirname, 'oauth/oidc-server.mjs')], {
      env: { ...process.env, ACCESS_TTL_SECONDS: '2', CLIENT_ID, REDIRECT_URI },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    issuer = await waitForListening(authServer, 'oidc-provider');
  });

  afterAll(() => {
    authServer?.kill('SIGTERM');
  });

  it('refreshes once for 10 concurrent 401s, stores the rotated refresh token, and every call succeeds', async () => {
    const grant = await obtainGrantWithPkce(issuer);
    expect(grant.refresh_token).toEqual(expect.any(String));
    await new Promise((done) => setTimeout(done, 2_500)); // let the 2 s access token expire for real

    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        join(__dirname, 'oauth/angular-client.mjs'),
        JSON.stringify({
          issuer,
          clientId: CLIENT_ID,
          accessToken: grant.access_token,
          refreshToken: grant.refresh_token,
          concurrency: CONCURRENCY,
        }),
      ],
      { timeout: 30_000 },
    );
    const outcome = JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
      results: { sub?: string; error?: string }[];
      events: string[];
      accessToken: string;
      refreshToken: string;
    };

    expect(outcome.results).toEqual(
      Array.from({ length: CONCURRENCY }, () => ({ sub: 'e2e-user' })),
    );
    expect(outcome.events).toEqual(['refresh-started', 'refresh-succeeded']);
    expect(outcome.refreshToken).not.toBe(grant.refresh_token); // rotated, and the new one was stored
    expect(outcome.accessToken).not.toBe(grant.access_token);
    const stats = (await (await fetch(`${issuer}/__stats`)).json()) as Record<string, number>;
    expect(stats).toEqual({
      refreshGrants: 1,
      userinfoUnauthorized: CONCURRENCY,
      userinfoOk: CONCURRENCY,
    });

    // The server really rotated: the first refresh token is spent.
    const replay = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: grant.refresh_token,
        client_id: CLIENT_ID,
      }),
    });
    expect(replay.status).toBe(400);
    expect(await replay.json()).toMatchObject({ error: 'invalid_grant' });
  });
});

/** Runs the authorization-code flow with PKCE in Chromium through oidc-provider's dev login and consent. */
async function obtainGrantWithPkce(
  issuer: string,
): Promise<{ access_token: string; refresh_token: string }> {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL(`${issuer}/auth`);
  authorize.search = new URLSearchParams({
    client_id: CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid offline_access',
    prompt: 'consent',
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: randomBytes(8).toString('hex'),
  }).toString();

  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    let code = null as string | null; // set by the route handler below
    await page.route(`${REDIRECT_URI}**`, async (route) => {
      code = new URL(route.request().url()).searchParams.get('code');
      await route.fulfill({ status: 200, body: 'signed in' });
    });
    await page.goto(authorize.toString());
    await page.locator('input[name="login"]').fill('e2e-user');
    await page.locator('input[name="password"]').fill('any-password');
    await page.locator('button[type="submit"]').click();
    for (let step = 0; step < 5 && code === null; step++) {
      // Consent (and any further dev interaction) until the redirect back to the client.
      const submit = page.locator('button[type="submit"]');
      if (await submit.isVisible().catch(() => false)) {
        await submit.click();
      }
      await page.waitForTimeout(300);
    }
    if (code === null) {
      throw new Error(`no authorization code; the page shows: ${await page.textContent('body')}`);
    }
    const response = await fetch(`${issuer}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT_URI,
        client_id: CLIENT_ID,
        code_verifier: verifier,
      }),
    });
    const grant = (await response.json()) as {
      access_token: string;
      refresh_token: string;
      error?: string;
    };
    if (!response.ok) {
      throw new Error(`code exchange failed: ${JSON.stringify(grant)}`);
    }
    return grant;
  } finally {
    await browser.close();
  }
}

// An OAuth 2.0 / OpenID Connect authorization server that nobody here wrote (oidc-provider, a certified
// implementation), configured for a public SPA client with PKCE and refresh-token rotation. Listens on
// 127.0.0.1 and prints "listening <issuer>". Stops on SIGTERM.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';

import Provider from 'oidc-provider';

// The client is the test's: it passes its id and redirect URI in the environment.
// With DPOP=1: DPoP on with nonces required, the client's access tokens DPoP-bound, and the browser
// app in APP_DIR served on the issuer's own origin under /app/ (its redirect URI is /app/callback).
const CLIENT_ID = process.env.CLIENT_ID;
const isDpop = process.env.DPOP === '1';

const server = createServer();
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const issuer = `http://127.0.0.1:${server.address().port}`;
const REDIRECT_URI = isDpop ? `${issuer}/app/callback` : process.env.REDIRECT_URI;
const counters = { refreshGrants: 0, userinfoUnauthorized: 0, userinfoOk: 0 };
if (isDpop) {
  Object.assign(counters, { codeGrants: 0, tokenNonceChallenges: 0, userinfoNonceChallenges: 0 });
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none', // a public client, like a browser app
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      ...(isDpop ? { dpop_bound_access_tokens: true } : {}),
    },
  ],
  ...(isDpop
    ? {
        features: {
          dPoP: { enabled: true, nonceSecret: randomBytes(32), requireNonce: () => true },
        },
      }
    : {}),
  scopes: ['openid', 'offline_access'],
  ttl: { AccessToken: Number(process.env.ACCESS_TTL_SECONDS ?? 2) },
  clockTolerance: 0, // the default 15 s would keep a 2 s access token valid for 17 s
  cookies: { keys: ['e2e-only-cookie-key'] },
  findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id }) }),
});

provider.on('grant.success', (ctx) => {
  if (ctx.oidc.params?.grant_type === 'refresh_token') {
    counters.refreshGrants++;
  }
  if (isDpop && ctx.oidc.params?.grant_type === 'authorization_code') {
    counters.codeGrants++;
  }
});
provider.use(async (ctx, next) => {
  if (ctx.path === '/__stats') {
    ctx.body = counters;
    return;
  }
  if (isDpop && ctx.path.startsWith('/app/')) {
    const file = ctx.path === '/app/app.js' ? 'app.js' : 'index.html';
    ctx.type = file.endsWith('.js') ? 'text/javascript' : 'text/html';
    ctx.body = await readFile(join(process.env.APP_DIR, file));
    return;
  }
  await next();
  const isNonceChallenge = String(ctx.response.get('WWW-Authenticate')).includes('use_dpop_nonce');
  if (ctx.path === '/me') {
    if (isNonceChallenge) counters.userinfoNonceChallenges++;
    else if (ctx.status === 401) counters.userinfoUnauthorized++;
    if (ctx.status === 200) counters.userinfoOk++;
  }
  if (ctx.path === '/token' && ctx.status === 400 && ctx.body?.error === 'use_dpop_nonce') {
    counters.tokenNonceChallenges++;
  }
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

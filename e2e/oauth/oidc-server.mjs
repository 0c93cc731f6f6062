// An OAuth 2.0 / OpenID Connect authorization server that nobody here wrote (oidc-provider, a certified
// implementation), configured for a public SPA client with PKCE and refresh-token rotation. Listens on
// 127.0.0.1 and prints "listening <issuer>". Stops on SIGTERM.
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

// The client is the test's: it passes its id and redirect URI in the environment.
const CLIENT_ID = process.env.CLIENT_ID;
const REDIRECT_URI = process.env.REDIRECT_URI;

const server = createServer();
await new Promise((ready) => server.listen(0, '127.0.0.1', ready));
const issuer = `http://127.0.0.1:${server.address().port}`;
const counters = { refreshGrants: 0, userinfoUnauthorized: 0, userinfoOk: 0 };

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: CLIENT_ID,
      token_endpoint_auth_method: 'none', // a public client, like a browser app
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
    },
  ],
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
});
provider.use(async (ctx, next) => {
  if (ctx.path === '/__stats') {
    ctx.body = counters;
    return;
  }
  await next();
  if (ctx.path === '/me') {
    if (ctx.status === 401) counters.userinfoUnauthorized++;
    if (ctx.status === 200) counters.userinfoOk++;
  }
});

server.on('request', provider.callback());
console.log(`listening ${issuer}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

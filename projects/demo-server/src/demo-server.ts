import cookie from '@fastify/cookie';
import helmet from '@fastify/helmet';
import Fastify from 'fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { AccessTokens } from './access-tokens.ts';
import type { ServerContext } from './context.ts';
import { emptyCounters } from './counters.ts';
import { DpopVerifier } from './dpop-verifier.ts';
import { LoginThrottle } from './login-throttle.ts';
import type { DemoServerOptions } from './options.ts';
import { PasswordHasher } from './passwords.ts';
import { apiRoutes } from './routes/api-routes.ts';
import { authRoutes } from './routes/auth-routes.ts';
import { demoRoutes } from './routes/demo-routes.ts';
import { inlineScriptHashes, staticRoutes } from './routes/static-routes.ts';
import { testHooks } from './routes/test-hooks.ts';
import { SessionStore } from './session-store.ts';

export type { DemoServerOptions } from './options.ts';

/** A running demo server. */
export interface RunningDemoServer {
  readonly url: string;
  close(): Promise<void>;
}

/** The seeded users: `demo`, and `alice` for trying two people in two tabs. */
export const SEEDED_USERS: readonly { username: string; password: string }[] = [
  { username: 'demo', password: 'demo-password' },
  { username: 'alice', password: 'alice-password' },
];

const CLIENT_ERRORS: Partial<Record<number, string>> = {
  403: 'forbidden',
  404: 'not_found',
  415: 'unsupported_media_type',
};
const MAX_BODY_BYTES = 64 * 1024;
const PRUNE_INTERVAL_MS = 10 * 60 * 1000;

/**
 * Starts the demo auth server on 127.0.0.1: login, refresh with rotation, logout, the protected API,
 * the demo's endpoints, and the built app.
 *
 * @throws the listen error (e.g. `EADDRINUSE`) when the port is taken; the caller names it.
 */
export async function startDemoServer(options: DemoServerOptions): Promise<RunningDemoServer> {
  const sessions = new SessionStore(options.dbPath, options);
  const passwords = new PasswordHasher({ concurrency: 2, maxQueued: 16 });
  for (const { username, password } of SEEDED_USERS) {
    if (!sessions.hasUser(username)) {
      sessions.addUser(username, await passwords.hash(password));
    }
  }
  sessions.prune();
  const context: ServerContext = {
    options,
    sessions,
    tokens: new AccessTokens(sessions, options.accessTokenTtlSeconds),
    passwords,
    throttle: new LoginThrottle(options.loginThrottle),
    counters: emptyCounters(),
    refreshBehaviour: { delayMs: 0, delayRemaining: null, failures: null },
    dpop: options.dpop ? new DpopVerifier() : null,
  };
  const app = await buildApp(context);
  try {
    await app.listen({ port: options.port, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    sessions.close();
    throw error;
  }
  const pruning = setInterval(() => sessions.prune(), PRUNE_INTERVAL_MS);
  pruning.unref();
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      clearInterval(pruning);
      app.server.closeAllConnections();
      await app.close();
      sessions.close();
    },
  };
}

async function buildApp(context: ServerContext): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    trustProxy: context.options.trustProxy,
    // A URL the router cannot decode (`/%E0%A4%A`, `http://[`) gets a plain 400, not the parser's text.
    frameworkErrors: (_error, _request, reply) => {
      void (reply as FastifyReply).code(400).send({ error: 'bad_request' });
    },
  });
  app.decorateRequest('caller', null);
  app.addHook('onRequest', refuseUnparsableTarget);
  const { dpop } = context;
  if (dpop !== null) {
    // Every API answer tells the client the nonce its next proof needs (RFC 9449 §8.2, §9), so a
    // rotation costs no round trip; same origin, so no Access-Control-Expose-Headers is needed.
    app.addHook('onSend', async (request, reply) => {
      if (request.url.startsWith('/api/')) {
        void reply.header('DPoP-Nonce', dpop.nonce());
      }
    });
  }
  app.setErrorHandler(answerError);
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", ...inlineScriptHashes(context.options.staticDir)],
        // Angular adds component styles at run time as <style> elements.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    // The demo is plain http on 127.0.0.1: HSTS would mean nothing, and nothing else is served.
    strictTransportSecurity: false,
  });
  await app.register(cookie);
  authRoutes(app, context);
  demoRoutes(app, context);
  if (context.options.testMode) {
    testHooks(app, context);
  }
  apiRoutes(app, context);
  await staticRoutes(app, context);
  return app;
}

/**
 * Refuses a request target that is not a plain path: `//host...` (which URL parsers read as another
 * host) and anything `new URL` cannot parse against our origin (`//[`, `//a:99999/`).
 */
async function refuseUnparsableTarget(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const target = request.raw.url ?? '';
  if (!target.startsWith('/') || target.startsWith('//') || !URL.canParse(target, 'http://a')) {
    await reply.code(400).send({ error: 'bad_request' });
  }
}

/**
 * Answers errors with a fixed JSON body that never echoes the exception: 4xx with the framework's
 * status (a body too large also closes the connection, since the rest of it is still on the socket),
 * anything else 500.
 */
function answerError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const status = error.statusCode ?? 500;
  if (status === 413) {
    void reply.code(413).header('Connection', 'close').send({ error: 'body_too_large' });
  } else if (status >= 400 && status < 500) {
    void reply.code(status).send({ error: CLIENT_ERRORS[status] ?? 'bad_request' });
  } else {
    console.error(`demo-server: ${error.name}: ${error.message}`);
    void reply.code(500).send({ error: 'internal_error' });
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';

import type { AccessTokens, Caller } from './access-tokens.ts';
import type { Counters } from './counters.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { DemoServerOptions } from './options.ts';
import type { PasswordHasher } from './passwords.ts';
import type { SessionStore } from './session-store.ts';

/** Scripted behaviour of the next refresh calls, set by the `/__test/refresh-behaviour` hook. */
export interface RefreshBehaviour {
  /** Delay of the answer, after the rotation: the server has rotated, the answer is late. */
  delayMs: number;
  /** How many refreshes get the delay (then it stops); `null` for all. */
  delayRemaining: number | null;
  /** Refreshes that fail with `status`, before rotating, after the delay. */
  failures: { status: number; remaining: number } | null;
}

/** Everything the routes share; built once per server by `startDemoServer`. */
export interface ServerContext {
  options: DemoServerOptions;
  sessions: SessionStore;
  tokens: AccessTokens;
  passwords: PasswordHasher;
  throttle: LoginThrottle;
  counters: Counters;
  refreshBehaviour: RefreshBehaviour;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireCaller` on the routes that need an access token. */
    caller: Caller | null;
  }
}

/** The realm of every challenge the demo server sends. */
export const REALM = 'demo';

const DESCRIPTIONS = {
  expired: 'The access token expired',
  revoked: 'The session of the access token was revoked',
  invalid: 'The access token is not valid',
} as const;

/**
 * A `WWW-Authenticate: Bearer` challenge (RFC 6750 §3) with the demo's realm and the given
 * parameters, in order. The values are the server's own constants: none holds a quote or a
 * backslash, so none needs escaping.
 */
export function bearerChallenge(params: Record<string, string> = {}): string {
  const quoted = Object.entries({ realm: REALM, ...params }).map(
    ([name, value]) => `${name}="${value}"`,
  );
  return `Bearer ${quoted.join(', ')}`;
}

/**
 * A preHandler that admits a request only with a valid access token. Otherwise it answers 401
 * with a challenge (RFC 6750 §3.1): without Bearer credentials, `Bearer realm="demo"` and no error
 * code; with an expired, revoked or invalid token, `error="invalid_token"` and a description. Both
 * make the client refresh.
 */
export function requireCaller(context: ServerContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    context.counters.apiCalls++;
    const { caller, problem } = await context.tokens.verify(request.headers.authorization);
    request.caller = caller;
    if (problem === 'missing') {
      context.counters.unauthorized++;
      await reply
        .code(401)
        .header('WWW-Authenticate', bearerChallenge())
        .send({ error: 'unauthorized' });
    } else if (problem !== null) {
      context.counters.unauthorized++;
      await reply
        .code(401)
        .header(
          'WWW-Authenticate',
          bearerChallenge({ error: 'invalid_token', error_description: DESCRIPTIONS[problem] }),
        )
        .send({ error: 'invalid_token' });
    }
  };
}

/** The caller that `requireCaller` admitted. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) {
    throw new Error('route registered without requireCaller');
  }
  return request.caller;
}

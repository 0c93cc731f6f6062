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

/**
 * A preHandler that admits a request only with a valid access token: otherwise it answers 401 with
 * `WWW-Authenticate`, which is what makes the client refresh.
 */
export function requireCaller(context: ServerContext) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    context.counters.apiCalls++;
    request.caller = await context.tokens.verify(request.headers.authorization);
    if (request.caller === null) {
      context.counters.unauthorized++;
      await reply
        .code(401)
        .header('WWW-Authenticate', 'Bearer error="invalid_token"')
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

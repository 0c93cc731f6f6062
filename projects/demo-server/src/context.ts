import type { FastifyReply, FastifyRequest } from 'fastify';

import { credentialsOf } from './access-tokens.ts';
import type { AccessTokens, Caller } from './access-tokens.ts';
import type { Counters } from './counters.ts';
import { DPOP_ALGORITHM } from './dpop-verifier.ts';
import type { DpopVerifier, ProofCheck } from './dpop-verifier.ts';
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
  /** The DPoP proof checks and nonces, when `DEMO_DPOP=on`; `null` otherwise. */
  dpop: DpopVerifier | null;
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
  bound: 'The access token is bound to a DPoP key: send it as DPoP, with a proof',
  unbound: 'The access token is not bound to a DPoP key',
  wrongKey: 'The DPoP proof is not signed by the key the access token is bound to',
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
 * A `WWW-Authenticate: DPoP` challenge (RFC 9449 §7.1): the demo's realm, the given parameters in
 * order, and the one algorithm the server accepts. Constants only, as for {@link bearerChallenge}.
 */
export function dpopChallenge(params: Record<string, string> = {}): string {
  const quoted = Object.entries({ realm: REALM, ...params, algs: DPOP_ALGORITHM }).map(
    ([name, value]) => `${name}="${value}"`,
  );
  return `DPoP ${quoted.join(', ')}`;
}

/** The challenge of the scheme the server runs: DPoP with `DEMO_DPOP=on`, else Bearer. */
export function challengeOf(context: ServerContext, params: Record<string, string> = {}): string {
  return context.dpop === null ? bearerChallenge(params) : dpopChallenge(params);
}

/**
 * A preHandler that admits a request only with a valid access token. Otherwise it answers 401
 * with a challenge (RFC 6750 §3.1): without credentials, `Bearer realm="demo"` and no error code;
 * with an expired, revoked or invalid token, `error="invalid_token"` and a description. Both make
 * the client refresh. A token bound to a DPoP key is refused as a Bearer token.
 *
 * With `DEMO_DPOP=on`, it admits only `Authorization: DPoP <token>` with a valid proof (see
 * {@link DpopVerifier}) whose key is the one the token is bound to (`cnf.jkt`), and its challenges
 * are `DPoP` ones (RFC 9449 §7.1): `invalid_token` as above (also for a Bearer token, bound or
 * not), `invalid_dpop_proof` for a proof that fails, and `use_dpop_nonce` (with a new `DPoP-Nonce`)
 * for a proof without the current nonce.
 */
export function requireCaller(context: ServerContext) {
  const { counters, dpop } = context;
  const refuse = async (
    reply: FastifyReply,
    error: string,
    params: Record<string, string>,
  ): Promise<void> => {
    counters.unauthorized++;
    await reply.code(401).header('WWW-Authenticate', challengeOf(context, params)).send({ error });
  };
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    counters.apiCalls++;
    const { authorization } = request.headers;
    if (dpop === null) {
      const { caller, problem } = await context.tokens.verify(authorization);
      if (problem === 'missing') {
        await refuse(reply, 'unauthorized', {});
      } else if (problem !== null || caller.dpopJkt !== null) {
        const description = DESCRIPTIONS[problem ?? 'bound'];
        await refuse(reply, 'invalid_token', {
          error: 'invalid_token',
          error_description: description,
        });
      } else {
        request.caller = caller;
      }
      return;
    }
    const token = credentialsOf(authorization, 'DPoP');
    if (token === null) {
      // No DPoP credentials: none at all, or a Bearer token, which the server refuses bound or not.
      const { caller, problem } = await context.tokens.verify(authorization);
      if (problem === 'missing') {
        await refuse(reply, 'unauthorized', {});
      } else {
        const description =
          DESCRIPTIONS[problem ?? (caller.dpopJkt === null ? 'unbound' : 'bound')];
        await refuse(reply, 'invalid_token', {
          error: 'invalid_token',
          error_description: description,
        });
      }
      return;
    }
    const proof = await dpop.check(dpopHeadersOf(request), {
      method: request.method,
      url: requestUrl(request),
      accessToken: token,
    });
    if (proof.error !== null) {
      await refuseProof(context, reply, proof, 'resource');
      return;
    }
    const { caller, problem } = await context.tokens.verify(authorization, 'DPoP');
    if (problem !== null) {
      await refuse(reply, 'invalid_token', {
        error: 'invalid_token',
        error_description: DESCRIPTIONS[problem === 'missing' ? 'invalid' : problem],
      });
    } else if (caller.dpopJkt === null) {
      await refuse(reply, 'invalid_token', {
        error: 'invalid_token',
        error_description: DESCRIPTIONS.unbound,
      });
    } else if (caller.dpopJkt !== proof.jkt) {
      counters.dpopProofRejections++;
      await refuse(reply, 'invalid_dpop_proof', {
        error: 'invalid_dpop_proof',
        error_description: DESCRIPTIONS.wrongKey,
      });
    } else {
      request.caller = caller;
    }
  };
}

/**
 * Answers a refused DPoP proof as RFC 9449 says: at a token endpoint 400 with an OAuth error body
 * (§5.2; `use_dpop_nonce` §8), at a resource 401 with a `DPoP` challenge (§7.1, §9). A nonce
 * refusal carries the nonce to use (`DPoP-Nonce`, which every /api answer carries anyway). A full
 * replay cache is 503 with `Retry-After`, everywhere.
 */
export async function refuseProof(
  { counters }: ServerContext,
  reply: FastifyReply,
  proof: Extract<ProofCheck, { jkt: null }>,
  where: 'token' | 'resource',
): Promise<void> {
  const { error, description } = proof;
  if (error === 'busy') {
    await reply.code(503).header('Retry-After', '1').send({ error: 'temporarily_unavailable' });
    return;
  }
  if (error === 'use_dpop_nonce') {
    if (where === 'token') counters.dpopTokenNonceChallenges++;
    else counters.dpopResourceNonceChallenges++;
  } else {
    counters.dpopProofRejections++;
  }
  if (where === 'token') {
    await reply.code(400).send({ error, error_description: description });
    return;
  }
  counters.unauthorized++;
  await reply
    .code(401)
    .header('WWW-Authenticate', dpopChallenge({ error, error_description: description }))
    .send({ error });
}

/** The URL of a request as the client addressed it: scheme and host from the request itself. */
export function requestUrl(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}${request.url}`;
}

/**
 * Every `DPoP` header of the request, as sent. Read from Node's `headersDistinct`: `headers` joins
 * repeated ones into one string (`"p1, p2"`), which would hide that two proofs came.
 */
export function dpopHeadersOf(request: FastifyRequest): string[] | undefined {
  return request.raw.headersDistinct['dpop'];
}

/** The caller that `requireCaller` admitted. */
export function callerOf(request: FastifyRequest): Caller {
  if (request.caller === null) {
    throw new Error('route registered without requireCaller');
  }
  return request.caller;
}

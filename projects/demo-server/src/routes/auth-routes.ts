import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { dpopHeadersOf, refuseProof, requestUrl } from '../context.ts';
import type { ServerContext } from '../context.ts';
import { crossOriginReason, isJsonRequest } from '../cross-origin.ts';
import { PasswordHasherBusy } from '../passwords.ts';

export const REFRESH_COOKIE = 'demo_refresh';

/**
 * Login, refresh (rotation with reuse detection and a grace window) and logout.
 *
 * All three change state and may be reached with a cookie, so all three require a JSON body and a
 * same-origin request (see `cross-origin.ts`): a cross-site form or a page on another port gets 415
 * or 403 before anything happens.
 *
 * With `DEMO_DPOP=on`, login and refresh need a DPoP proof too (RFC 9449 §5), checked next: a login
 * binds its session to the proof's key for good, and a refresh must be proven with that key.
 */
export function authRoutes(app: FastifyInstance, context: ServerContext): void {
  const { counters, options, sessions, throttle, passwords } = context;
  const guarded = { onRequest: refuseCrossSite };

  app.post('/api/auth/login', guarded, async (request, reply) => {
    const proof = await proveTokenRequest(request, reply);
    if (proof === null) {
      return reply;
    }
    const body = fields(request.body);
    const username = text(body['username']);
    const password = text(body['password']);
    const client = request.ip;
    const retryAfter = throttle.retryAfterSeconds(username, client);
    if (retryAfter > 0) {
      counters.loginsThrottled++;
      return reply
        .code(429)
        .header('Retry-After', String(retryAfter))
        .send({ error: 'too_many_attempts' });
    }
    const user = sessions.user(username);
    let isValid: boolean;
    try {
      isValid = await passwords.verify(password, user);
    } catch (error) {
      // The hasher sheds load when its queue is full; any other error is a real fault.
      if (!(error instanceof PasswordHasherBusy)) throw error;
      counters.loginsThrottled++;
      return reply.code(429).header('Retry-After', '1').send({ error: 'too_many_attempts' });
    }
    if (!user || !isValid) {
      counters.loginFailures++;
      throttle.recordFailure(username, client);
      return reply.code(401).send({ error: 'invalid_credentials' });
    }
    const { familyId, refreshToken } = sessions.startFamily(user.id, proof.jkt);
    return tokenAnswer(reply, username, familyId, 0, refreshToken, proof.jkt);
  });

  app.post('/api/auth/refresh', guarded, async (request, reply) => {
    // A refused proof (a nonce challenge included) is counted apart (`dpop*` counters), not as a
    // refresh: the client resends it, and the demo promises one refresh per burst.
    const proof = await proveTokenRequest(request, reply);
    if (proof === null) {
      return reply;
    }
    counters.refreshCalls++;
    const behaviour = context.refreshBehaviour;
    const failure = behaviour.failures;
    if (failure && failure.remaining > 0) {
      failure.remaining--;
      await delayAnswer(context);
      return reply.code(failure.status).send({ error: 'temporarily_unavailable' });
    }
    const presented = presentedRefreshToken(request);
    // The binding is checked before the rotation: a wrong key must not spend the token.
    const binding = presented ? sessions.bindingOf(presented) : null;
    if (binding !== null && binding.dpopJkt !== proof.jkt) {
      counters.refreshRejections++;
      return reply.code(400).send({
        error: 'invalid_grant',
        error_description: bindingMismatch(binding.dpopJkt, proof.jkt),
      });
    }
    const result = presented ? sessions.rotate(presented) : ({ outcome: 'unknown' } as const);
    if (result.outcome !== 'rotated' && result.outcome !== 'grace') {
      counters.refreshRejections++;
      if (result.outcome === 'reused') {
        counters.reuseDetected++;
      }
      return reply.code(401).send({ error: 'invalid_grant', reason: result.outcome });
    }
    counters.refreshSuccesses++;
    if (result.outcome === 'grace') {
      counters.graceReplays++;
    }
    await delayAnswer(context);
    return tokenAnswer(
      reply,
      result.username,
      result.familyId,
      result.accessGeneration,
      result.refreshToken,
      result.dpopJkt,
    );
  });

  app.post('/api/auth/logout', guarded, async (request, reply) => {
    const presented = presentedRefreshToken(request);
    const familyId = presented ? sessions.familyOfToken(presented) : null;
    if (familyId !== null) {
      sessions.revokeFamily(familyId);
    }
    return reply.clearCookie(REFRESH_COOKIE, { path: '/api/auth' }).send({ loggedOut: true });
  });

  async function tokenAnswer(
    reply: FastifyReply,
    username: string,
    familyId: string,
    accessGeneration: number,
    refreshToken: string,
    dpopJkt: string | null,
  ): Promise<FastifyReply> {
    const accessToken = await context.tokens.issue(username, familyId, accessGeneration, dpopJkt);
    const body: Record<string, unknown> = { accessToken, expiresIn: options.accessTokenTtlSeconds };
    if (dpopJkt !== null) {
      // RFC 9449 §5.1's token_type, in the camelCase of the demo's answers (the library reads both).
      body['tokenType'] = 'DPoP';
    }
    if (options.refreshStyle === 'cookie') {
      // Secure is left out only because the demo is served over plain http on 127.0.0.1.
      reply.setCookie(REFRESH_COOKIE, refreshToken, {
        httpOnly: true,
        sameSite: 'strict',
        path: '/api/auth',
        maxAge: options.refreshTokenTtlSeconds,
      });
    } else {
      body['refreshToken'] = refreshToken;
    }
    return reply.send(body);
  }

  /**
   * The key thumbprint a login or refresh is proven with (`null` without DPoP), or `null` itself
   * when the proof is refused and the answer sent.
   */
  async function proveTokenRequest(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ jkt: string | null } | null> {
    if (context.dpop === null) {
      return { jkt: null };
    }
    const proof = await context.dpop.check(dpopHeadersOf(request), {
      method: request.method,
      url: requestUrl(request),
    });
    if (proof.error !== null) {
      await refuseProof(context, reply, proof, 'token');
      return null;
    }
    return { jkt: proof.jkt };
  }

  function presentedRefreshToken(request: FastifyRequest): string | null {
    if (options.refreshStyle === 'cookie') {
      return request.cookies[REFRESH_COOKIE] ?? null;
    }
    const token = fields(request.body)['refreshToken'];
    return typeof token === 'string' && token !== '' ? token : null;
  }
}

/** Why a refresh token's binding refuses the refresh's key (`null`: none, or no DPoP here). */
function bindingMismatch(boundTo: string | null, provenWith: string | null): string {
  if (boundTo === null) {
    return 'The session is not bound to a DPoP key: sign in again';
  }
  return provenWith === null
    ? 'The session is bound to a DPoP key and this server runs without DPoP: sign in again'
    : 'The refresh token is bound to another DPoP key';
}

async function refuseCrossSite(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (!isJsonRequest(request.headers)) {
    await reply.code(415).send({ error: 'json_required' });
    return;
  }
  if (crossOriginReason(request.headers) !== null) {
    await reply.code(403).send({ error: 'cross_origin_request' });
  }
}

async function delayAnswer({ refreshBehaviour: behaviour }: ServerContext): Promise<void> {
  if (behaviour.delayMs <= 0 || behaviour.delayRemaining === 0) {
    return;
  }
  if (behaviour.delayRemaining !== null) {
    behaviour.delayRemaining--;
  }
  await new Promise((done) => setTimeout(done, behaviour.delayMs));
}

/** The JSON body as an object, or `{}` when it is empty or not an object. */
function fields(body: unknown): Record<string, unknown> {
  return typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
}

/** A string field of a JSON body, or '' when it is missing or not a string. */
function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

import type { FastifyInstance } from 'fastify';

import type { ServerContext } from '../context.ts';
import { emptyCounters } from '../counters.ts';

/**
 * Hooks the browser tests and the load script drive the server with; registered only in test mode
 * (`DEMO_TEST_MODE=1`), never otherwise.
 */
export function testHooks(app: FastifyInstance, context: ServerContext): void {
  const { counters, sessions } = context;

  app.get('/__test/stats', () => counters);

  app.get('/__test/memory', () => {
    // With --expose-gc (the load script), measure what is live, not what awaits collection.
    (globalThis as { gc?: () => void }).gc?.();
    return { ...process.memoryUsage(), ...sessions.counts() };
  });

  app.post('/__test/reset-stats', () => {
    Object.assign(counters, emptyCounters());
    context.refreshBehaviour = { delayMs: 0, delayRemaining: null, failures: null };
    return counters;
  });

  app.post('/__test/expire-access-tokens', () => {
    sessions.expireAccessTokens();
    return { expired: 'all-sessions' };
  });

  app.post<{ Body: { username?: unknown } | null }>('/__test/revoke', (request) => {
    const username = request.body?.username;
    return { revoked: sessions.revokeUser(typeof username === 'string' ? username : 'demo') };
  });

  app.post<{ Body: Record<string, unknown> | null }>('/__test/refresh-behaviour', (request) => {
    const body = request.body ?? {};
    const failStatus = Number(body['failStatus'] ?? 0);
    context.refreshBehaviour = {
      delayMs: Number(body['delayMs'] ?? 0),
      delayRemaining: body['delayCount'] === undefined ? null : Number(body['delayCount']),
      failures:
        failStatus > 0 ? { status: failStatus, remaining: Number(body['failCount'] ?? 1) } : null,
    };
    return context.refreshBehaviour;
  });

  app.post('/__test/prune', () => ({ deletedTokens: sessions.prune() }));

  // DEMO_DPOP=on: starts a new nonce now, as the 60 s rotation would (twice: the first one is stale).
  app.post('/__test/rotate-dpop-nonce', async (_request, reply) => {
    if (context.dpop === null) {
      return reply.code(404).send({ error: 'not_found' });
    }
    context.dpop.rotateNonce();
    return { rotated: true };
  });
}

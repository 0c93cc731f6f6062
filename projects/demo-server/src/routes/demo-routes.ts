import type { FastifyInstance } from 'fastify';

import { callerOf, requireCaller } from '../context.ts';
import type { ServerContext } from '../context.ts';

/**
 * What the demo's buttons use. The two actions act on the caller's own session only, and need its
 * access token; the counters are public (they hold no user data).
 */
export function demoRoutes(app: FastifyInstance, context: ServerContext): void {
  const { counters, sessions } = context;
  const protectedRoute = { preHandler: requireCaller(context) };

  app.get('/api/demo/stats', () => counters);

  app.post('/api/demo/expire-access-tokens', protectedRoute, (request) => {
    sessions.expireAccessTokens(callerOf(request).familyId);
    return { expired: 'this-session' };
  });

  app.post('/api/demo/revoke-session', protectedRoute, (request) => {
    sessions.revokeFamily(callerOf(request).familyId);
    return { revoked: 'this-session' };
  });
}

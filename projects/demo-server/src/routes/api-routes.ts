import type { FastifyInstance } from 'fastify';

import { callerOf, challengeOf, requireCaller } from '../context.ts';
import type { ServerContext } from '../context.ts';

/** The scope `/api/admin/report` needs; demo tokens never grant it (see `DEMO_SCOPES`). */
export const ADMIN_SCOPE = 'admin';
/** The authentication context `/api/account/security` asks for; the demo's sign-in never gives it. */
export const STEP_UP_ACR = 'mfa';

/**
 * The protected API: everything under /api that no other module claims needs an access token.
 *
 * Two routes refuse a valid token, so that the demo shows the challenges no refresh can answer:
 * `/api/admin/report` needs a scope the token lacks (403 `insufficient_scope`, RFC 6750 §3.1), and
 * `/api/account/security` needs a multi-factor sign-in (401 `insufficient_user_authentication`,
 * RFC 9470).
 */
export function apiRoutes(app: FastifyInstance, context: ServerContext): void {
  const { counters } = context;
  const protectedRoute = { preHandler: requireCaller(context) };

  app.get('/api/profile', protectedRoute, (request) => ({
    username: callerOf(request).username,
  }));

  app.get<{ Params: { id: string } }>('/api/data/:id', protectedRoute, async (request, reply) => {
    const { id } = request.params;
    if (!/^[\w-]{1,40}$/.test(id)) {
      return reply.code(404).send({ error: 'not_found' });
    }
    return { id, username: callerOf(request).username, servedAt: new Date().toISOString() };
  });

  app.get('/api/admin/report', protectedRoute, async (request, reply) => {
    if (!callerOf(request).scopes.includes(ADMIN_SCOPE)) {
      counters.forbidden++;
      return reply
        .code(403)
        .header(
          'WWW-Authenticate',
          challengeOf(context, {
            error: 'insufficient_scope',
            error_description: 'The access token lacks the admin scope',
            scope: ADMIN_SCOPE,
          }),
        )
        .send({ error: 'insufficient_scope' });
    }
    return { report: 'admin' };
  });

  app.get('/api/account/security', protectedRoute, async (_request, reply) => {
    // The demo's sign-in is a password only, so no token ever carries the `mfa` context.
    counters.unauthorized++;
    return reply
      .code(401)
      .header(
        'WWW-Authenticate',
        challengeOf(context, {
          error: 'insufficient_user_authentication',
          error_description: 'A multi-factor sign-in is required',
          acr_values: STEP_UP_ACR,
        }),
      )
      .send({ error: 'insufficient_user_authentication' });
  });

  app.all('/api/*', protectedRoute, async (_request, reply) =>
    reply.code(404).send({ error: 'not_found' }),
  );
}

import type { FastifyInstance } from 'fastify';

import { callerOf, requireCaller } from '../context.ts';
import type { ServerContext } from '../context.ts';

/** The protected API: everything under /api that no other module claims needs an access token. */
export function apiRoutes(app: FastifyInstance, context: ServerContext): void {
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

  app.all('/api/*', protectedRoute, async (_request, reply) =>
    reply.code(404).send({ error: 'not_found' }),
  );
}

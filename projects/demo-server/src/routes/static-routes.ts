import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

import type { ServerContext } from '../context.ts';

/**
 * The built demo app, same origin as the API, and `/demo-config.js`, which tells the app how this
 * server runs. Unknown paths outside /api get `index.html`, so that the app's router takes over.
 */
export async function staticRoutes(app: FastifyInstance, context: ServerContext): Promise<void> {
  const { options } = context;
  app.get('/demo-config.js', async (_request, reply) => {
    const config = {
      refreshStyle: options.refreshStyle,
      store: options.demo.store,
      refreshTimeoutMs: options.demo.refreshTimeoutMs,
      dpop: options.dpop,
    };
    return reply
      .type('text/javascript; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .send(`window.demoConfig = ${JSON.stringify(config)};`);
  });
  const { staticDir } = options;
  if (staticDir !== null) {
    await app.register(fastifyStatic, {
      root: resolve(staticDir),
      wildcard: true,
      serveDotFiles: false,
    });
  }
  app.setNotFoundHandler(async (request, reply) => {
    const path = request.url.split('?')[0];
    const isAppRoute =
      staticDir !== null &&
      request.method === 'GET' &&
      !path.startsWith('/api/') &&
      !path.startsWith('/__test/');
    return isAppRoute
      ? reply.header('Cache-Control', 'no-cache').sendFile('index.html')
      : reply.code(404).send({ error: 'not_found' });
  });
}

/**
 * CSP sources for the inline scripts of the built `index.html` (Angular's build adds one that turns
 * on the stylesheet it loaded with `media="print"`), so that `script-src` can stay `'self'` otherwise.
 */
export function inlineScriptHashes(staticDir: string | null): string[] {
  const index = staticDir === null ? '' : join(staticDir, 'index.html');
  if (index === '' || !existsSync(index)) {
    return [];
  }
  const html = readFileSync(index, 'utf8');
  return [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map(
    ([, script]) => `'sha256-${createHash('sha256').update(script).digest('base64')}'`,
  );
}

import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';

// src/web and dist/web are both two levels below the project root; `vite build` writes web/dist.
const WEB_DIST = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'web', 'dist');

/**
 * Serves the built browser client at `/`. `wildcard: false` registers one route per file found now
 * (and `/` for index.html), so `/api/*`, `/metrics` and `/socket.io/*` are never shadowed.
 */
export async function registerWebClient(app: NestFastifyApplication, logger: Logger): Promise<void> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    logger.warn(`web client not built (${WEB_DIST} missing): run \`npm run build:web\` to serve it at /`);
    return;
  }
  await app.register(fastifyStatic, {
    root: WEB_DIST,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    // Hashed assets never change; index.html must be revalidated to pick up a new build.
    setHeaders(reply, path) {
      reply.header(
        'cache-control',
        path.includes(join('dist', 'assets')) ? 'public, max-age=31536000, immutable' : 'no-cache',
      );
    },
  });
}

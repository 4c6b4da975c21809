import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { NestPinoLogger } from './common/logging/logger.js';
import type { AppConfig } from './config/config.js';
import { openDatabase, runMigrations } from './database/database.js';
import { ChatSocketAdapter } from './realtime/socket-io.adapter.js';
import { openRedis, redactUrl } from './redis/redis.js';
import { RedisBus } from './redis/redis-bus.js';
import { GLOBAL_PREFIX, PREFIX_EXCLUDED } from './route-prefix.js';
import { registerWebClient } from './web/web-static.js';

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole service (database migrated, Redis connected) without listening yet. */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const database = await openDatabase({ ...config.database, dataDir: config.dataDir }, logger);
  let redis: Awaited<ReturnType<typeof openRedis>> | null = null;
  let bus: RedisBus | null = null;
  try {
    await runMigrations(database, config.database.url);
    redis = config.redis.url ? await openRedis(config.redis.url, logger) : null;
    bus = redis ? await RedisBus.open(redis, config.redis.prefix, logger) : null;
  } catch (error) {
    redis?.disconnect();
    await database.close();
    throw error;
  }
  logger.info(
    {
      database: database.kind === 'postgres' ? 'PostgreSQL' : 'embedded PGlite',
      databaseAt: database.description,
      redis: config.redis.url ? `Redis at ${redactUrl(config.redis.url)}` : 'in-memory (single process)',
    },
    'storage ready',
  );
  if (config.jwt.generated) {
    logger.warn(`JWT_SECRET is not set: using a generated secret stored in ${config.dataDir}/jwt-secret`);
  }

  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: config.trustProxy });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, logger, database, redis, bus }),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.setGlobalPrefix(GLOBAL_PREFIX, { exclude: PREFIX_EXCLUDED });
  app.enableCors({ origin: config.corsOrigins, credentials: true });
  // Helmet's default CSP, plus what the web client at / needs: YouTube embeds, media from this origin and
  // the http(s) URLs users send, and the Socket.IO websocket. No upgrade-insecure-requests: the service
  // is served over plain http (localhost, a LAN address), where it would break the page's own scripts.
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'frame-src': ['https://www.youtube-nocookie.com', 'https://www.youtube.com'],
        'media-src': ["'self'", 'https:', 'http:', 'blob:'],
        'connect-src': ["'self'", 'ws:', 'wss:'],
        'upgrade-insecure-requests': null,
      },
    },
  });
  await registerWebClient(app, logger);
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  app.useWebSocketAdapter(new ChatSocketAdapter(app, config, redis));
  logRequests(app, logger);
  return app;
}

// One line per request, none for health probes and scrapes (they would drown everything else).
function logRequests(app: NestFastifyApplication, logger: Logger): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      if (!request.url.startsWith('/api/health') && request.url !== '/metrics') {
        logger.info(
          {
            method: request.method,
            url: request.url,
            status: reply.statusCode,
            ms: Math.round(reply.elapsedTime),
          },
          'request',
        );
      }
      done();
    });
}

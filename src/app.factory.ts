import 'reflect-metadata';
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

const BODY_LIMIT_BYTES = 1024 * 1024;

/** Builds the whole service (database migrated, Redis connected) without listening yet. */
export async function createApp(config: AppConfig, logger: Logger): Promise<NestFastifyApplication> {
  const database = await openDatabase({ ...config.database, dataDir: config.dataDir }, logger);
  let redis: Awaited<ReturnType<typeof openRedis>> | null = null;
  try {
    await runMigrations(database, config.database.url);
    redis = config.redis.url ? await openRedis(config.redis.url, logger) : null;
  } catch (error) {
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

  const adapter = new FastifyAdapter({ bodyLimit: BODY_LIMIT_BYTES, trustProxy: true });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({ config, logger, database, redis }),
    adapter,
    { logger: new NestPinoLogger(logger), abortOnError: false },
  );
  app.setGlobalPrefix('api');
  app.enableCors({ origin: config.corsOrigins, credentials: true });
  app.useGlobalFilters(new HttpExceptionFilter(logger));
  app.useWebSocketAdapter(new ChatSocketAdapter(app, config));
  logRequests(app, logger);
  return app;
}

// One line per request, none for health probes (they would drown everything else).
function logRequests(app: NestFastifyApplication, logger: Logger): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      if (!request.url.startsWith('/api/health')) {
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

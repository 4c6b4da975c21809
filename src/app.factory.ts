import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { answerClientError, answerFrameworkError } from './common/errors/client-error.handler.js';
import { HttpExceptionFilter } from './common/errors/http-exception.filter.js';
import { closeConnectionsAfterStop } from './common/http/close-after-stop.js';
import { cutStalledBodies } from './common/http/stalled-bodies.js';
import { NestPinoLogger } from './common/logging/logger.js';
import { Clock, SystemClock } from './common/time/clock.js';
import type { AppConfig, BootConfig } from './config/config.js';
import { type DatabaseHandle, openDatabase, runMigrations } from './database/database.js';
import { generatedSecret } from './instance/generated-secret.js';
import { InstanceLease } from './instance/instance-lease.js';
import { settleVapidKeys } from './notifications/vapid-keys.js';
import { ChatSocketAdapter } from './realtime/socket-io.adapter.js';
import { openRedis, redactUrl } from './redis/redis.js';
import { RedisBus } from './redis/redis-bus.js';
import { GLOBAL_PREFIX, PREFIX_EXCLUDED } from './route-prefix.js';
import { registerWebClient } from './web/web-static.js';

const BODY_LIMIT_BYTES = 1024 * 1024;

export interface AppOptions {
  /** Time for the service's rules; tests pass one they move by hand. */
  clock?: Clock;
  /** Certificates to trust for push endpoints besides the system's (a test's stand-in push service). */
  pushCa?: string;
}

/** Builds the whole service (database migrated, Redis connected) without listening yet. */
export async function createApp(
  boot: BootConfig,
  logger: Logger,
  options: AppOptions = {},
): Promise<NestFastifyApplication> {
  const database = await openDatabase({ ...boot.database, dataDir: boot.dataDir }, logger);
  let redis: Awaited<ReturnType<typeof openRedis>> | null = null;
  let bus: RedisBus | null = null;
  let config: AppConfig;
  try {
    const tables = await runMigrations(database, boot.database.url, boot.database.messagePartitions);
    if (tables.messagePartitions !== boot.database.messagePartitions) {
      logger.warn(
        { configured: boot.database.messagePartitions, tables: tables.messagePartitions },
        'MESSAGE_PARTITIONS applies when the message tables are created; the existing tables keep their count',
      );
    }
    config = await settle(boot, database, logger);
    redis = config.redis.url ? await openRedis({ ...config.redis, url: config.redis.url }, logger) : null;
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
      redis: config.redis.url
        ? `Redis${config.redis.cluster ? ' Cluster' : ''} at ${redactUrl(config.redis.url)}`
        : 'in-memory (single process)',
      instanceId: config.instanceId,
    },
    'storage ready',
  );
  for (const { name, reason } of config.ignored)
    logger.warn({ variable: name }, `${name} is ignored: ${reason}`);
  if (config.jwt.generated) {
    logger.warn(
      'JWT_SECRET is not set: using a generated secret kept in the database (shared by every instance on it); set JWT_SECRET in production',
    );
  }

  const adapter = new FastifyAdapter({
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: config.trustProxy,
    clientErrorHandler: answerClientError,
    frameworkErrors: answerFrameworkError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot({
      config,
      logger,
      database,
      redis,
      bus,
      clock: options.clock ?? new SystemClock(),
      pushCa: options.pushCa,
    }),
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
  app.useWebSocketAdapter(new ChatSocketAdapter(app, config, redis, logger));
  logRequests(app, logger);
  cutStalledBodies(app.getHttpAdapter().getInstance(), config.limits.bodyIdleTimeoutMs, logger);
  closeConnectionsAfterStop(app.getHttpServer());
  return app;
}

/**
 * What the environment leaves open, settled against the database that every instance shares: the JWT
 * secret (generated once per deployment when JWT_SECRET is unset) and an instance id no running process
 * holds, kept by heartbeats and given back at a clean stop.
 */
async function settle(boot: BootConfig, database: DatabaseHandle, logger: Logger): Promise<AppConfig> {
  const { configuredSecret, ...jwt } = boot.jwt;
  const secret =
    configuredSecret ?? new TextEncoder().encode(await generatedSecret(database, 'jwt-secret', boot.dataDir));
  const lease = await InstanceLease.claim(database, boot, logger);
  lease.keepAlive(logger, () => {
    // Another process now answers to this id: carrying on would mix up presence and deliveries.
    logger.fatal({ instanceId: lease.id }, 'this instance id was taken over by another process; stopping');
    process.exit(1);
  });
  database.beforeClose(() => lease.release());
  const vapid = await settleVapidKeys(boot.notifications.push, database, boot.dataDir);
  const { configuredInstanceId: _, ...rest } = boot;
  return { ...rest, jwt: { ...jwt, secret, generated: !configuredSecret }, instanceId: lease.id, vapid };
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

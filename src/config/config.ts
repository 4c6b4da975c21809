import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Env, envSchema } from './config.schema.js';

export interface AppConfig {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  database: { url?: string; poolSize: number };
  /** `prefix` starts every Redis key and channel, so several deployments can share one Redis. */
  redis: { url?: string; prefix: string };
  jwt: { secret: Uint8Array; generated: boolean; accessTtlSeconds: number; refreshTtlSeconds: number };
  corsOrigins: true | string[];
  logLevel: Env['LOG_LEVEL'];
  /** Stable across restarts of this instance: presence it recorded is its own to clean up. */
  instanceId: string;
  presenceGraceMs: number;
  limits: {
    socketMaxPayloadBytes: number;
    /** Messages per second per user; bursts of twice that are allowed. */
    messagesPerSecond: number;
    /** Register and login attempts per minute per client IP. */
    authPerMinute: number;
    /** Typing events per 5 seconds per user. */
    typingPer5s: number;
    socketsPerUser: number;
  };
  /** Take the client IP from X-Forwarded-For (only behind a proxy you control). */
  trustProxy: boolean;
  /** Processes serving the port (node:cluster); more than one needs DATABASE_URL and REDIS_URL. */
  workers: number;
  /** How long Socket.IO keeps missed packets for a reconnecting socket; 0 turns recovery off. */
  connectionRecoverySeconds: number;
  /** Absolute base (`https://chat.example.com`) of the links the service hands out; unset: each request's own. */
  publicUrl?: string;
  media: { maxBytes: number; urlTtlSeconds: number; s3?: S3Config };
}

/** An S3-compatible bucket for media; without keys the AWS SDK's own credential chain applies. */
export interface S3Config {
  bucket: string;
  region: string;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
  forcePathStyle: boolean;
}

export class ConfigError extends Error {}

/** Reads `.env` if present (real environment variables win) and validates everything once. */
export function loadConfig(source: NodeJS.ProcessEnv = process.env, envFile = '.env'): AppConfig {
  if (source === process.env && existsSync(envFile)) process.loadEnvFile(envFile);
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  if (env.WORKERS > 1 && (!env.DATABASE_URL || !env.REDIS_URL)) {
    // Embedded PGlite and in-memory state belong to one process.
    throw new ConfigError('Invalid configuration:\n  WORKERS: more than 1 needs DATABASE_URL and REDIS_URL');
  }
  const dataDir = resolve(env.DATA_DIR);
  const secret =
    env.JWT_SECRET ?? readOrCreate(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'));
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL, prefix: env.REDIS_PREFIX },
    jwt: {
      secret: new TextEncoder().encode(secret),
      generated: env.JWT_SECRET === undefined,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
    },
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL,
    instanceId: workerSuffix(
      env.INSTANCE_ID ?? readOrCreate(dataDir, 'instance-id', () => randomBytes(8).toString('hex')),
    ),
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    workers: env.WORKERS,
    limits: {
      socketMaxPayloadBytes: env.SOCKET_MAX_PAYLOAD_BYTES,
      messagesPerSecond: env.MESSAGE_RATE_LIMIT,
      authPerMinute: env.AUTH_RATE_LIMIT,
      typingPer5s: env.TYPING_RATE_LIMIT,
      socketsPerUser: env.MAX_SOCKETS_PER_USER,
    },
    trustProxy: env.TRUST_PROXY,
    connectionRecoverySeconds: env.CONNECTION_RECOVERY_SECONDS,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    media: { maxBytes: env.MEDIA_MAX_BYTES, urlTtlSeconds: env.MEDIA_URL_TTL, s3: s3Config(env) },
  };
}

function s3Config(env: Env): S3Config | undefined {
  if (!env.S3_BUCKET) return undefined;
  const { S3_ACCESS_KEY_ID: accessKeyId, S3_SECRET_ACCESS_KEY: secretAccessKey } = env;
  if (!accessKeyId !== !secretAccessKey) {
    throw new ConfigError(
      'Invalid configuration:\n  S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY: set both, or neither to use the AWS credential chain',
    );
  }
  return {
    bucket: env.S3_BUCKET,
    region: env.S3_REGION ?? 'us-east-1',
    endpoint: env.S3_ENDPOINT,
    credentials: accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : undefined,
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
  };
}

// Generated values must survive restarts: a new secret would void every token, a new id orphan presence.
function readOrCreate(dataDir: string, name: string, generate: () => string): string {
  const file = join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const value = generate();
  writeFileSync(file, value, { mode: 0o600 });
  return value;
}

// Each cluster worker is an instance of its own; the primary numbers them, so the ids survive restarts.
function workerSuffix(instanceId: string): string {
  const index = process.env.WORKER_INDEX;
  return index ? `${instanceId}-w${index}` : instanceId;
}

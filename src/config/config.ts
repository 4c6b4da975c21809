import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { DEFAULT_MESSAGE_PARTITIONS, type Env, envSchema } from './config.schema.js';
import type { RateLimitSetting } from './rate-limit-setting.js';

/** The per-user (per-IP for auth) budgets of everything a client can make the service do. */
export interface RateLimits {
  messages: RateLimitSetting;
  receipts: RateLimitSetting;
  typing: RateLimitSetting;
  sync: RateLimitSetting;
  history: RateLimitSetting;
  search: RateLimitSetting;
  uploads: RateLimitSetting;
  api: RateLimitSetting;
  auth: RateLimitSetting;
}

/** What the environment says, validated once. Secrets and the instance id are settled later (boot.ts). */
export interface BootConfig {
  env: Env['NODE_ENV'];
  port: number;
  host: string;
  dataDir: string;
  /** messagePartitions: MESSAGE_PARTITIONS, applied by the migration that creates the message tables. */
  database: { url?: string; poolSize: number; messagePartitions: number };
  /**
   * `prefix` starts every Redis key and channel, so several deployments can share one Redis. With
   * `cluster`, `url` is the comma-separated list of seed nodes and `nodes` holds them one by one.
   */
  redis: { url?: string; prefix: string; cluster: boolean; nodes: string[] };
  jwt: {
    /** From JWT_SECRET; unset: a generated one is kept in the database, shared by every instance on it. */
    configuredSecret?: Uint8Array;
    accessTtlSeconds: number;
    refreshTtlSeconds: number;
  };
  corsOrigins: true | string[];
  logLevel: Env['LOG_LEVEL'];
  /** INSTANCE_ID (with the cluster worker's suffix), when set. */
  configuredInstanceId?: string;
  presenceGraceMs: number;
  limits: {
    socketMaxPayloadBytes: number;
    /** What one socket may have waiting to be written before it is dropped as a slow consumer. */
    socketMaxBufferedBytes: number;
    socketsPerUser: number;
    /** How long a request body may stall before its connection is cut. */
    bodyIdleTimeoutMs: number;
    rates: RateLimits;
  };
  /** Take the client IP from X-Forwarded-For (only behind a proxy you control). */
  trustProxy: boolean;
  /** Processes serving the port (node:cluster); more than one needs DATABASE_URL and REDIS_URL. */
  workers: number;
  /** How long Socket.IO keeps missed packets for a reconnecting socket; 0 turns recovery off. */
  connectionRecoverySeconds: number;
  /** Absolute base (`https://chat.example.com`) of the links the service hands out; unset: relative links. */
  publicUrl?: string;
  media: { maxBytes: number; quotaBytes: number; urlTtlSeconds: number; s3?: S3Config };
  /** How long an author may edit or delete for everyone after sending; null: no limit. */
  messages: { editWindowSeconds: number | null };
  /** Groups: most members, and most members for which receipts and typing go to everyone. */
  groups: { maxMembers: number; receiptsMax: number };
  notifications: NotificationsConfig;
  /** Variables that were given but are not read, each with the reason: the boot log names them. */
  ignored: { name: string; reason: string }[];
}

/** The configuration the running service uses: the environment's, with the secret and instance id settled. */
export interface AppConfig extends Omit<BootConfig, 'jwt' | 'configuredInstanceId'> {
  jwt: Omit<BootConfig['jwt'], 'configuredSecret'> & { secret: Uint8Array; generated: boolean };
  /** Unique among running processes: presence and routing between instances are keyed by it. */
  instanceId: string;
  /** The key pair that signs pushes (configured, or generated once per deployment). */
  vapid: { publicKey: string; privateKey: string; generated: boolean };
}

/** Webhooks and Web Push. */
export interface NotificationsConfig {
  /** WEBHOOK_URL and its signing secrets; unset: no webhooks. */
  webhook?: { url: string; secrets: string[] };
  /** The wait before each attempt, in ms; after the last fails, a dead letter. */
  retryScheduleMs: number[];
  push: {
    /** From VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY; unset: a generated pair kept in the database. */
    configuredVapid?: { publicKey: string; privateKey: string };
    subject: string;
    /** Show a message's text in its push; off: "New message". */
    preview: boolean;
    /** Accept push endpoints on loopback and private addresses (tests). */
    allowPrivateEndpoints: boolean;
  };
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
export function loadConfig(source: NodeJS.ProcessEnv = process.env, envFile = '.env'): BootConfig {
  const fileKeys =
    source === process.env && existsSync(envFile) ? Object.keys(parseEnv(readFileSync(envFile, 'utf8'))) : [];
  if (fileKeys.length > 0) process.loadEnvFile(envFile);
  const parsed = envSchema.safeParse(source);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const env = parsed.data;
  const redisUrl = env.REDIS_URL ?? redisUrlOfHostAndPort(env);
  if (env.WORKERS > 1 && (!env.DATABASE_URL || !redisUrl)) {
    // Embedded PGlite and in-memory state belong to one process.
    throw new ConfigError('Invalid configuration:\n  WORKERS: more than 1 needs DATABASE_URL and REDIS_URL');
  }
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir: resolve(env.DATA_DIR),
    database: {
      url: env.DATABASE_URL,
      poolSize: env.DATABASE_POOL_SIZE,
      // PGlite is one process on one disk by definition: partitions there cost the event loop's time (see
      // BENCHMARKS.md) and would never be spread over servers.
      messagePartitions: env.MESSAGE_PARTITIONS ?? (env.DATABASE_URL ? DEFAULT_MESSAGE_PARTITIONS : 0),
    },
    redis: { url: redisUrl, prefix: env.REDIS_PREFIX, ...redisNodes(redisUrl, env.REDIS_CLUSTER) },
    jwt: {
      configuredSecret: env.JWT_SECRET ? new TextEncoder().encode(env.JWT_SECRET) : undefined,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
    },
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL,
    configuredInstanceId: env.INSTANCE_ID && workerSuffix(env.INSTANCE_ID),
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    workers: env.WORKERS,
    limits: {
      socketMaxPayloadBytes: env.SOCKET_MAX_PAYLOAD_BYTES,
      socketMaxBufferedBytes: env.SOCKET_MAX_BUFFERED_BYTES,
      socketsPerUser: env.MAX_SOCKETS_PER_USER,
      bodyIdleTimeoutMs: env.BODY_IDLE_TIMEOUT * 1000,
      rates: {
        messages: env.MESSAGE_RATE_LIMIT,
        receipts: env.RECEIPT_RATE_LIMIT,
        typing: env.TYPING_RATE_LIMIT,
        sync: env.SYNC_RATE_LIMIT,
        history: env.HISTORY_RATE_LIMIT,
        search: env.SEARCH_RATE_LIMIT,
        uploads: env.UPLOAD_RATE_LIMIT,
        api: env.API_RATE_LIMIT,
        auth: env.AUTH_RATE_LIMIT,
      },
    },
    trustProxy: env.TRUST_PROXY,
    connectionRecoverySeconds: env.CONNECTION_RECOVERY_SECONDS,
    publicUrl: env.PUBLIC_URL?.replace(/\/+$/, ''),
    media: {
      maxBytes: env.MEDIA_MAX_BYTES,
      quotaBytes: env.MEDIA_QUOTA_BYTES,
      urlTtlSeconds: env.MEDIA_URL_TTL,
      s3: s3Config(env),
    },
    messages: { editWindowSeconds: env.MESSAGE_EDIT_WINDOW },
    groups: { maxMembers: env.GROUP_MAX_MEMBERS, receiptsMax: env.GROUP_RECEIPTS_MAX },
    notifications: notificationsConfig(env),
    ignored: ignoredVariables(env, fileKeys),
  };
}

function notificationsConfig(env: Env): NotificationsConfig {
  if (env.WEBHOOK_URL && env.WEBHOOK_SECRET.length === 0) {
    throw new ConfigError(
      'Invalid configuration:\n  WEBHOOK_SECRET: WEBHOOK_URL is set: give at least one secret',
    );
  }
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey } = env;
  if (!publicKey !== !privateKey) {
    throw new ConfigError(
      'Invalid configuration:\n  VAPID_PUBLIC_KEY, VAPID_PRIVATE_KEY: set both, or neither to have a pair generated',
    );
  }
  return {
    webhook: env.WEBHOOK_URL ? { url: env.WEBHOOK_URL, secrets: env.WEBHOOK_SECRET } : undefined,
    retryScheduleMs: env.WEBHOOK_RETRY_SCHEDULE.map((seconds) => seconds * 1000),
    push: {
      configuredVapid: publicKey && privateKey ? { publicKey, privateKey } : undefined,
      subject: env.VAPID_SUBJECT ?? 'mailto:push@localhost',
      preview: env.PUSH_PREVIEW,
      allowPrivateEndpoints: env.PUSH_ALLOW_PRIVATE_ENDPOINTS,
    },
  };
}

function redisUrlOfHostAndPort(env: Env): string | undefined {
  if (!env.REDIS_HOST && env.REDIS_PORT === undefined) return undefined;
  const host = env.REDIS_HOST ?? '127.0.0.1';
  return `redis://${host.includes(':') ? `[${host}]` : host}:${env.REDIS_PORT ?? 6379}`;
}

/** The seed nodes of a cluster, each a `redis://host:port` URL; one node outside cluster mode. */
function redisNodes(url: string | undefined, cluster: boolean): { cluster: boolean; nodes: string[] } {
  const fail = (message: string) => {
    throw new ConfigError(`Invalid configuration:\n  ${message}`);
  };
  if (!url) {
    if (cluster) fail('REDIS_CLUSTER: true needs REDIS_URL (the seed nodes, separated by commas)');
    return { cluster: false, nodes: [] };
  }
  const nodes = url.split(',').map((node) => node.trim());
  if (!cluster && nodes.length > 1) {
    fail('REDIS_URL: a list of nodes is a Redis Cluster: set REDIS_CLUSTER=true, or give one URL');
  }
  const protocols = new Set<string>();
  for (const node of nodes) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(node);
    } catch {
      // reported below
    }
    if (!parsed || !['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname) {
      fail(`REDIS_URL: "${node || '(empty)'}" is not a redis://host:port URL`);
    }
    if (cluster && parsed!.pathname.length > 1 && parsed!.pathname !== '/0') {
      fail(`REDIS_URL: a cluster has database 0 only, not ${parsed!.pathname.slice(1)} ("${node}")`);
    }
    protocols.add(parsed!.protocol);
  }
  if (protocols.size > 1) fail('REDIS_URL: the seed nodes must all use redis:// or all rediss://');
  return { cluster, nodes };
}

// A variable someone set on purpose and the service does not read is a silent misconfiguration: say so.
function ignoredVariables(env: Env, fileKeys: string[]): BootConfig['ignored'] {
  const ignored: BootConfig['ignored'] = [];
  if (env.REDIS_URL) {
    for (const name of ['REDIS_HOST', 'REDIS_PORT'] as const) {
      if (env[name] !== undefined) ignored.push({ name, reason: 'REDIS_URL is set and wins' });
    }
  }
  const known = new Set(Object.keys(envSchema.shape));
  for (const name of fileKeys) {
    if (!known.has(name)) ignored.push({ name, reason: 'in .env, but not a setting of this service' });
  }
  const schema = env.DATABASE_URL ? new URL(env.DATABASE_URL).searchParams.get('schema') : null;
  if (schema && schema !== 'public') {
    ignored.push({ name: 'DATABASE_URL', reason: `?schema=${schema}: tables always live in schema public` });
  }
  return ignored;
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

// Each cluster worker is an instance of its own; the primary numbers them.
export function workerSuffix(instanceId: string): string {
  const index = process.env.WORKER_INDEX;
  return index ? `${instanceId}-w${index}` : instanceId;
}

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
  redis: { url?: string };
  jwt: { secret: Uint8Array; generated: boolean; accessTtlSeconds: number; refreshTtlSeconds: number };
  corsOrigins: true | string[];
  logLevel: Env['LOG_LEVEL'];
  /** Stable across restarts of this instance: presence it recorded is its own to clean up. */
  instanceId: string;
  presenceGraceMs: number;
  /** How long Socket.IO keeps missed packets for a reconnecting socket; 0 turns recovery off. */
  connectionRecoverySeconds: number;
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
  const dataDir = resolve(env.DATA_DIR);
  const secret =
    env.JWT_SECRET ?? readOrCreate(dataDir, 'jwt-secret', () => randomBytes(48).toString('base64url'));
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    dataDir,
    database: { url: env.DATABASE_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL },
    jwt: {
      secret: new TextEncoder().encode(secret),
      generated: env.JWT_SECRET === undefined,
      accessTtlSeconds: env.ACCESS_TOKEN_TTL,
      refreshTtlSeconds: env.REFRESH_TOKEN_TTL,
    },
    corsOrigins: env.CORS_ORIGINS,
    logLevel: env.LOG_LEVEL,
    instanceId: env.INSTANCE_ID ?? readOrCreate(dataDir, 'instance-id', () => randomBytes(8).toString('hex')),
    presenceGraceMs: env.PRESENCE_GRACE_MS,
    connectionRecoverySeconds: env.CONNECTION_RECOVERY_SECONDS,
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

import { availableParallelism } from 'node:os';
import { z } from 'zod';
import { parseDurationList, parseDurationSeconds } from './duration.js';
import { parseRateLimit } from './rate-limit-setting.js';

const optionalText = () =>
  z
    .string()
    .trim()
    .optional()
    .transform((v) => (v ? v : undefined));

const optionalUrl = (protocols: string[]) =>
  optionalText().refine((v) => v === undefined || protocols.some((p) => v.startsWith(`${p}://`)), {
    message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
  });

/** true / false / 1 / 0, `fallback` when unset. */
const flag = (fallback: 'true' | 'false' = 'false') =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .default(fallback)
    .transform((v) => v === 'true' || v === '1');

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const seconds = parseDurationSeconds(v);
      if (seconds === null) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 900, 15m, 12h or 30d' });
        return z.NEVER;
      }
      return seconds;
    });

/** `N` per `unitSeconds`, or `N/window`; see parseRateLimit. */
const rateLimit = (fallback: string, unitSeconds: number) =>
  z
    .string()
    .default(fallback)
    .transform((v, ctx) => {
      const limit = parseRateLimit(v, unitSeconds);
      if (limit === null) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be a count such as 20, or a count per window such as 600/1m',
        });
        return z.NEVER;
      }
      return limit;
    });

const bytes = (fallback: number, min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** MESSAGE_PARTITIONS' default on PostgreSQL, and for callers without a configuration (tests, tools). */
export const DEFAULT_MESSAGE_PARTITIONS = 8;

/** Every environment variable the service reads. `.env.example` documents each one. */
export const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: z.coerce.number().int().min(0).max(65535).default(5056),
  HOST: z.string().min(1).default('0.0.0.0'),
  DATABASE_URL: optionalUrl(['postgres', 'postgresql']),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: optionalUrl(['redis', 'rediss']),
  // With REDIS_URL naming the cluster's seed nodes, separated by commas.
  REDIS_CLUSTER: flag(),
  // The seed's own .env names Redis by host and port; REDIS_URL wins when both are given.
  REDIS_HOST: optionalText(),
  REDIS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,32}$/, 'must be 1-32 letters, digits, dashes or underscores')
    .default('chat'),
  DATA_DIR: z.string().min(1).default('./data'),
  // Hash partitions of messages, events and reactions; read once, when the database's tables are created.
  // Unset: DEFAULT_MESSAGE_PARTITIONS on PostgreSQL, plain tables on embedded PGlite (see messagePartitions).
  MESSAGE_PARTITIONS: z.coerce.number().int().min(0).max(256).optional(),
  JWT_SECRET: z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || v.length >= 32, { message: 'must be at least 32 characters' }),
  ACCESS_TOKEN_TTL: duration('15m'),
  REFRESH_TOKEN_TTL: duration('30d'),
  CORS_ORIGINS: z
    .string()
    .default('*')
    .transform((v) =>
      v.trim() === '*'
        ? true
        : v
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
    ),
  INSTANCE_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, dots, dashes or underscores')
    .optional(),
  WORKERS: z
    .string()
    .default('1')
    .transform((v, ctx) => {
      if (v.trim() === 'auto') return availableParallelism();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > 64) {
        ctx.addIssue({ code: 'custom', message: 'must be auto or a whole number from 1 to 64' });
        return z.NEVER;
      }
      return n;
    }),
  SOCKET_MAX_PAYLOAD_BYTES: bytes(64 * 1024, 1024, 16 * 1024 * 1024),
  SOCKET_MAX_BUFFERED_BYTES: bytes(4 * 1024 * 1024, 64 * 1024),
  MESSAGE_RATE_LIMIT: rateLimit('20', 1),
  RECEIPT_RATE_LIMIT: rateLimit('20', 1),
  TYPING_RATE_LIMIT: rateLimit('10', 5),
  SYNC_RATE_LIMIT: rateLimit('60', 60),
  HISTORY_RATE_LIMIT: rateLimit('120', 60),
  SEARCH_RATE_LIMIT: rateLimit('30', 60),
  UPLOAD_RATE_LIMIT: rateLimit('120', 3600),
  API_RATE_LIMIT: rateLimit('300', 60),
  AUTH_RATE_LIMIT: rateLimit('20', 60),
  BODY_IDLE_TIMEOUT: duration('30s'),
  MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).max(10_000).default(10),
  TRUST_PROXY: flag(),
  PRESENCE_GRACE_MS: z.coerce.number().int().min(0).max(60_000).default(5000),
  // Off by default: it keeps every broadcast packet in memory for the window (about a fifth of the CPU
  // at full load, in garbage collection), and GET /api/sync is the guarantee anyway.
  CONNECTION_RECOVERY_SECONDS: z.coerce.number().int().min(0).max(3600).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MEDIA_MAX_BYTES: bytes(100 * 1024 * 1024, 1),
  MEDIA_QUOTA_BYTES: bytes(1024 * 1024 * 1024, 1),
  MEDIA_URL_TTL: duration('1h'),
  // How long after sending a message its author may edit it or delete it for everyone.
  MESSAGE_EDIT_WINDOW: z
    .string()
    .default('48h')
    .transform((v, ctx) => {
      if (v.trim() === 'unlimited') return null;
      const seconds = parseDurationSeconds(v);
      if (seconds === null) {
        ctx.addIssue({ code: 'custom', message: 'must be a duration such as 15m or 48h, or unlimited' });
        return z.NEVER;
      }
      return seconds;
    }),
  // A group's size cap; above GROUP_RECEIPTS_MAX members, no per-user receipts or typing are broadcast.
  GROUP_MAX_MEMBERS: z.coerce.number().int().min(2).max(100_000).default(1000),
  GROUP_RECEIPTS_MAX: z.coerce.number().int().min(0).max(100_000).default(100),
  PUBLIC_URL: optionalUrl(['http', 'https']),
  S3_BUCKET: optionalText(),
  S3_REGION: optionalText(),
  S3_ENDPOINT: optionalUrl(['http', 'https']),
  S3_ACCESS_KEY_ID: optionalText(),
  S3_SECRET_ACCESS_KEY: optionalText(),
  S3_FORCE_PATH_STYLE: flag(),
  WEBHOOK_URL: optionalUrl(['http', 'https']),
  // Space-separated, for rotation: every POST is signed with each.
  WEBHOOK_SECRET: optionalText()
    .transform((v) => (v ? v.split(/\s+/) : []))
    .refine((secrets) => secrets.every(isWebhookSecret), {
      message:
        "each secret must be whsec_ followed by 24 to 64 bytes in base64 (make one: node -e \"console.log('whsec_'+require('crypto').randomBytes(32).toString('base64'))\")",
    }),
  // The wait before each attempt of a webhook or push; after the last, the notification is a dead letter.
  WEBHOOK_RETRY_SCHEDULE: z
    .string()
    .default('0s,5s,5m,30m,2h,5h,10h,10h')
    .transform((v, ctx) => {
      const seconds = parseDurationList(v);
      if (seconds === null || seconds.length > 20) {
        ctx.addIssue({
          code: 'custom',
          message: 'must be 1 to 20 durations separated by commas, such as 0s,5s,5m,30m',
        });
        return z.NEVER;
      }
      return seconds;
    }),
  VAPID_PUBLIC_KEY: optionalText(),
  VAPID_PRIVATE_KEY: optionalText(),
  VAPID_SUBJECT: optionalText().refine((v) => v === undefined || /^(mailto:|https:\/\/)/.test(v), {
    message: 'must be a mailto: or https:// URL',
  }),
  PUSH_PREVIEW: flag('true'),
  PUSH_ALLOW_PRIVATE_ENDPOINTS: flag(),
});

// Standard Webhooks secrets: whsec_ and base64 of 24 to 64 random bytes.
function isWebhookSecret(secret: string): boolean {
  const base64 = secret.replace(/^whsec_/, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return false;
  const length = Buffer.from(base64, 'base64').length;
  return length >= 24 && length <= 64;
}

export type Env = z.infer<typeof envSchema>;

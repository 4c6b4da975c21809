import { Redis } from 'ioredis';
import type { Logger } from 'pino';

/** Connects to Redis and waits until it answers, so a wrong REDIS_URL stops the boot with a clear message. */
export async function openRedis(url: string, logger: Logger): Promise<Redis> {
  // Auto-pipelining: the commands of one event-loop turn (a rate-limit check per message of a burst) share
  // one write and one round trip instead of a syscall each.
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
  });
  // Without a listener ioredis would crash the process on a dropped connection; it reconnects by itself.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(`Cannot reach Redis at REDIS_URL (${(error as Error).message})`);
  }
  return redis;
}

export function redactUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
}

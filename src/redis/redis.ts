import { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';

/** A single Redis, or a Redis Cluster: both take the same commands, one key (or hash tag) at a time. */
export type RedisClient = Redis | Cluster;

export interface RedisSettings {
  url?: string;
  cluster: boolean;
  nodes: string[];
}

/** Connects to Redis and waits until it answers, so a wrong REDIS_URL stops the boot with a clear message. */
export async function openRedis(
  settings: RedisSettings & { url: string },
  logger: Logger,
): Promise<RedisClient> {
  // Auto-pipelining: the commands of one event-loop turn (a rate-limit sync's counters, a burst of
  // publishes) share one write and one round trip instead of a syscall each.
  const options = {
    lazyConnect: true,
    maxRetriesPerRequest: 3,
    enableOfflineQueue: true,
    enableAutoPipelining: true,
  };
  const redis: RedisClient = settings.cluster
    ? new Cluster(settings.nodes, {
        lazyConnect: true,
        // While the cluster is down (a master missing, no replica), the client reconnects and cannot get
        // ready: a queued command would wait for as long as the outage lasts. It fails at once instead, so
        // the caller answers SERVICE_UNAVAILABLE. The subscribers (`subscriberOf`) queue theirs.
        enableOfflineQueue: false,
        enableAutoPipelining: true,
        // Nodes found through the seeds take the seeds' credentials and TLS.
        redisOptions: { ...options, ...credentialsOf(settings.nodes[0]!) },
        // A master that comes back (a restart with no replica) is found again by the periodic slot refresh.
        clusterRetryStrategy: (times) => Math.min(100 * times, 2000),
      })
    : new Redis(settings.url, options);
  // Without a listener ioredis would crash the process on a dropped connection; it reconnects by itself.
  redis.on('error', (err) => logger.warn({ err: err.message }, 'Redis connection error'));
  if (redis instanceof Cluster) {
    redis.on('node error', (err: Error, node: string) =>
      logger.warn({ err: err.message, node }, 'Redis connection error'),
    );
  }
  try {
    await redis.connect();
    await redis.ping();
  } catch (error) {
    redis.disconnect();
    throw new Error(
      `Cannot reach Redis${settings.cluster ? ' Cluster' : ''} at REDIS_URL (${(error as Error).message})`,
    );
  }
  return redis;
}

function credentialsOf(url: string): { username?: string; password?: string; tls?: object } {
  const parsed = new URL(url);
  return {
    ...(parsed.username ? { username: decodeURIComponent(parsed.username) } : {}),
    ...(parsed.password ? { password: decodeURIComponent(parsed.password) } : {}),
    ...(parsed.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * A client of its own for pub/sub (and for the Socket.IO adapter's blocking stream reads): on a cluster
 * with a subscriber connection on each master, for SSUBSCRIBE, and commands queued while it reconnects.
 */
export function subscriberOf(redis: RedisClient, logger: Logger, role: string): RedisClient {
  const client =
    redis instanceof Cluster
      ? redis.duplicate([], { shardedSubscribers: true, enableOfflineQueue: true })
      : redis.duplicate();
  // As for the service's own client: an error event without a listener would crash the process.
  client.on('error', (err: Error) => logger.warn({ err: err.message, role }, 'Redis connection error'));
  if (client instanceof Cluster) {
    client.on('node error', (err: Error, node: string) =>
      logger.warn({ err: err.message, node, role }, 'Redis connection error'),
    );
  }
  return client;
}

/** Where Redis is, without credentials, for the log. */
export function redactUrl(url: string): string {
  return url
    .split(',')
    .map((node) => {
      const parsed = new URL(node.trim());
      return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
    })
    .join(',');
}

/** Resolves when Redis answers: on a cluster, every master known, and the cluster says it serves all slots. */
export async function pingRedis(redis: RedisClient): Promise<void> {
  if (!(redis instanceof Cluster)) {
    await redis.ping();
    return;
  }
  const masters = redis.nodes('master');
  if (masters.length === 0) throw new Error('no Redis Cluster master known');
  await Promise.all(masters.map((node) => node.ping()));
  const info = await masters[0]!.cluster('INFO');
  if (!info.includes('cluster_state:ok')) throw new Error('Redis Cluster state is not ok');
}

import { inject } from 'vitest';

/** REDIS_URL, with REDIS_CLUSTER when it lists a cluster's nodes, for a service under test; empty without Redis. */
export function redisEnv(): Record<string, string> {
  const url = inject('redisUrl');
  if (!url) return {};
  return { REDIS_URL: url, ...(inject('redisCluster') ? { REDIS_CLUSTER: 'true' } : {}) };
}

import type { TestProject } from 'vitest/node';
import { redisServerAvailable, startRedisCluster } from './redis-cluster.js';

/**
 * The `redis-cluster` project: the suites that run several instances, on a Redis Cluster of three masters
 * started here instead of the single Redis of REDIS_URL. It runs with the real PostgreSQL (DATABASE_URL),
 * as those suites need; without redis-server on this machine it is skipped with a warning, unless
 * REQUIRE_REDIS_CLUSTER=1 (CI) makes that an error.
 */
export default async function setup(project: TestProject) {
  project.provide('redisCluster', false);
  if (!process.env.DATABASE_URL) return;
  if (!redisServerAvailable()) {
    if (process.env.REQUIRE_REDIS_CLUSTER === '1')
      throw new Error('REQUIRE_REDIS_CLUSTER=1, but redis-server or redis-cli is not installed');
    console.warn('redis-server is not installed: the multi-instance suites do not run on a Redis Cluster');
    project.provide('redisUrl', undefined);
    return;
  }
  const cluster = await startRedisCluster();
  project.provide('redisUrl', cluster.url);
  project.provide('redisCluster', true);
  return () => cluster.stop();
}

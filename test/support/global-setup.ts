import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string | undefined;
    redisUrl: string | undefined;
    /** redisUrl lists the seed nodes of a Redis Cluster (the redis-cluster project). */
    redisCluster: boolean;
  }
}

/**
 * With DATABASE_URL set, each run gets a database of its own, created here and dropped afterwards.
 * Without it, every test app uses a fresh embedded PGlite in a temporary DATA_DIR.
 */
export default async function setup(project: TestProject) {
  const baseUrl = process.env.DATABASE_URL || undefined;
  project.provide('redisUrl', process.env.REDIS_URL || undefined);
  project.provide('redisCluster', false);
  if (!baseUrl) {
    project.provide('databaseUrl', undefined);
    return;
  }
  const name = `chat_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: baseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  project.provide('databaseUrl', url.toString());

  return async () => {
    const client = new pg.Client({ connectionString: baseUrl });
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  };
}

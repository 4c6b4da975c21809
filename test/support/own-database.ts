import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, inject } from 'vitest';

/**
 * Environment for a test app with a PostgreSQL database of its own, created before the file's tests and
 * dropped after them; empty without DATABASE_URL, where every app has its own PGlite anyway. Call it
 * before useTestApp(), and pass what it returns as that app's env: its hooks then run around the app's.
 * For a suite that stores data other suites must not meet (the REST fuzz registers names like `%`).
 */
export function ownDatabaseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  const shared = inject('databaseUrl');
  if (!shared) return env;
  const name = `chat_own_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: shared });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  beforeAll(async () => {
    await admin(`CREATE DATABASE ${name}`);
    const url = new URL(shared);
    url.pathname = `/${name}`;
    env.DATABASE_URL = url.toString();
  });
  afterAll(async () => {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  });
  return env;
}

import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import pg from 'pg';
import type { Logger } from 'pino';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, without credentials: for the boot log line. */
  description: string;
  /**
   * A raw parameterized statement, for the hand-written SQL of repositories' hot paths. With `name`,
   * PostgreSQL prepares it once per connection and skips parsing and planning on every later call.
   */
  query<T>(text: string, params?: unknown[], name?: string): Promise<T[]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

// src/database and dist/database are both two levels below the project root.
export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'migrations');

// Any number, as long as every instance uses the same one: serializes migrations of instances booting together.
const MIGRATION_LOCK_ID = 727_001;

export interface DatabaseOptions {
  url?: string;
  poolSize: number;
  dataDir: string;
}

/** One provider, two drivers: a node-postgres pool when a URL is given, embedded PGlite otherwise. */
export async function openDatabase(options: DatabaseOptions, logger: Logger): Promise<DatabaseHandle> {
  return options.url ? openPostgres(options.url, options.poolSize, logger) : openPglite(options.dataDir);
}

async function openPostgres(url: string, poolSize: number, logger: Logger): Promise<DatabaseHandle> {
  const pool = new pg.Pool({ connectionString: url, max: poolSize, connectionTimeoutMillis: 5000 });
  // An idle client dropped by the server must not crash the process; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client failed'));
  const db = drizzlePg(pool, { schema }) as unknown as Database;
  const parsed = new URL(url);
  return {
    db,
    kind: 'postgres',
    description: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    query: async <T>(text: string, values?: unknown[], name?: string) =>
      (await pool.query({ text, values, name })).rows as T[],
    ping: async () => void (await pool.query('SELECT 1')),
    close: () => pool.end(),
  };
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const path = join(dataDir, 'pglite');
  const client = await PGlite.create(path);
  const db = drizzlePglite(client, { schema }) as unknown as Database;
  return {
    db,
    kind: 'pglite',
    description: `embedded PGlite at ${path}`,
    query: async <T>(text: string, params?: unknown[]) => (await client.query<T>(text, params)).rows,
    ping: async () => void (await client.query('SELECT 1')),
    close: () => client.close(),
  };
}

/** Applies the committed drizzle-kit migrations; safe when several instances boot at once. */
export async function runMigrations(handle: DatabaseHandle, url?: string): Promise<void> {
  if (handle.kind === 'pglite') {
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the driver-specific type
    await migratePglite(handle.db as any, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  // A dedicated connection so the advisory lock and the migration share one session.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

import { mkdirSync, statSync } from 'node:fs';
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
import lockfile from 'proper-lockfile';
import { DEFAULT_MESSAGE_PARTITIONS } from '../config/config.schema.js';
import { DURABLE_START_PARAMS, DurableNodeFS } from './durable-node-fs.js';
import { PglitePrepared } from './pglite-prepared.js';
import * as schema from './schema.js';

export type Database = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A raw parameterized statement; with `name`, prepared once per connection (no parse or plan per call). */
export type QueryFn = <T>(text: string, params?: unknown[], name?: string) => Promise<T[]>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** Where the data lives, without credentials: for the boot log line. */
  description: string;
  /**
   * A raw parameterized statement, for the hand-written SQL of repositories' hot paths. With `name`,
   * PostgreSQL prepares it once per connection and skips parsing and planning on every later call.
   */
  query: QueryFn;
  /**
   * The message writer's own connection: its group commits never wait in line behind other queries,
   * however many of them one user's flood has queued on the shared pool. (PGlite has one connection.)
   */
  writerQuery: QueryFn;
  /**
   * Whether this process is the only writer of the database (PGlite: its data directory is locked to one
   * process, and its statements run one at a time), so no statement waits for another's commit.
   */
  soleWriter: boolean;
  /** Runs `work` in one transaction on the writer's connection: its statements commit together, or none. */
  writerTransaction<T>(work: (query: QueryFn) => Promise<T>): Promise<T>;
  /** Runs `work` in one transaction on the shared pool (a group's membership changes). */
  transaction<T>(work: (query: QueryFn) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  /** Runs `hook` at close, before the connections go (last writes of a clean stop). */
  beforeClose(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

// The writer's pool: one batch is in flight at a time, and a batch is one statement or one transaction.
const WRITER_CONNECTIONS = 1;

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
  const pools = [poolSize, WRITER_CONNECTIONS].map((max) => {
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
    // An idle client dropped by the server must not crash the process; the pool replaces it.
    pool.on('error', (err) => logger.warn({ err }, 'idle PostgreSQL client failed'));
    return pool;
  });
  const [pool, writerPool] = pools as [pg.Pool, pg.Pool];
  const queryOn =
    (on: pg.Pool): QueryFn =>
    async <T>(text: string, values?: unknown[], name?: string) =>
      (await on.query({ text, values, name })).rows as T[];
  const parsed = new URL(url);
  return withCloseHooks({
    db: drizzlePg(pool, { schema }) as unknown as Database,
    kind: 'postgres',
    description: `PostgreSQL ${parsed.hostname}:${parsed.port || 5432}${parsed.pathname}`,
    query: queryOn(pool),
    writerQuery: queryOn(writerPool),
    soleWriter: false,
    writerTransaction: (work) => transactionOn(writerPool, work),
    transaction: (work) => transactionOn(pool, work),
    ping: async () => void (await pool.query('SELECT 1')),
    close: async () => void (await Promise.all(pools.map((p) => p.end()))),
  });
}

async function transactionOn<T>(pool: pg.Pool, work: (query: QueryFn) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // A connection whose rollback failed is in an unknown state: the pool drops it instead of reusing it.
  let broken = false;
  // A checked-out client that loses its connection emits 'error', which would end the process unheard;
  // the query in flight fails on its own, and the connection is dropped at release.
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(
      async (text, values, name) => (await client.query({ text, values, name })).rows,
    );
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw error;
  } finally {
    client.off('error', onError);
    client.release(broken);
  }
}

// How long a DATA_DIR lock may go without its holder touching it before another process takes it over
// (the holder was killed), and how often a live holder touches it.
const DATA_DIR_LOCK_STALE_MS = 10_000;
const DATA_DIR_LOCK_UPDATE_MS = 2000;

/**
 * PGlite runs a statement on this thread as soon as it is called, so while the writer's batches follow
 * one another the event loop would never read the sockets, and each batch would hold the one or two
 * sends that had arrived (no group commit). Waiting for the next turn of the loop first lets it read
 * what the sockets hold, and the next batch takes all of it.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function openPglite(dataDir: string): Promise<DatabaseHandle> {
  const path = join(dataDir, 'pglite');
  mkdirSync(path, { recursive: true });
  const unlock = await lockDataDir(path);
  let client: PGlite;
  try {
    client = await PGlite.create({ fs: new DurableNodeFS(path), startParams: DURABLE_START_PARAMS });
  } catch (error) {
    await unlock();
    throw error;
  }
  const prepared = new PglitePrepared(client);
  const query: QueryFn = async <T>(text: string, params?: unknown[], name?: string) => {
    await nextTurn();
    if (name) return prepared.run<T>(name, text, params ?? []);
    return (await client.query<T>(text, params)).rows;
  };
  // Statements inside a transaction run unnamed: a named one waits for open transactions to end, this one too.
  const transaction = async <T>(work: (query: QueryFn) => Promise<T>): Promise<T> => {
    await nextTurn();
    return client.transaction((tx) =>
      work(async (text, params) => (await tx.query(text, params)).rows as never),
    );
  };
  return withCloseHooks({
    db: drizzlePglite(client, { schema }) as unknown as Database,
    kind: 'pglite',
    description: `embedded PGlite at ${path}`,
    query,
    writerQuery: query,
    soleWriter: true,
    writerTransaction: transaction,
    transaction,
    ping: async () => void (await client.query('SELECT 1')),
    close: async () => {
      await client.close();
      await unlock();
    },
  });
}

/**
 * PGlite is PostgreSQL inside this process: a second process on the same files would corrupt them. The
 * lock is a directory beside them that its holder touches while it runs. A lock nobody touches any more
 * (its process was killed) is taken over once stale; one that is touched while we wait belongs to a live
 * process, and this one stops with a message saying what to do.
 */
async function lockDataDir(path: string): Promise<() => Promise<void>> {
  const lock = () =>
    lockfile.lock(path, { stale: DATA_DIR_LOCK_STALE_MS, update: DATA_DIR_LOCK_UPDATE_MS, realpath: false });
  let touchedAt: number | undefined;
  for (;;) {
    try {
      return await lock();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error;
    }
    const mtime = statSync(`${path}.lock`, { throwIfNoEntry: false })?.mtimeMs;
    if (touchedAt !== undefined && mtime !== undefined && mtime !== touchedAt) {
      throw new Error(
        `${path} is in use by another running live-chat process. The embedded database (PGlite) belongs to one process: give this one its own DATA_DIR, or set DATABASE_URL and REDIS_URL to run several instances as one service.`,
      );
    }
    touchedAt = mtime;
    await new Promise((resolve) => setTimeout(resolve, DATA_DIR_LOCK_UPDATE_MS / 2));
  }
}

function withCloseHooks(handle: Omit<DatabaseHandle, 'beforeClose'>): DatabaseHandle {
  const hooks: (() => Promise<void>)[] = [];
  let closing: Promise<void> | undefined;
  return {
    ...handle,
    beforeClose: (hook) => void hooks.push(hook),
    close: () => {
      closing ??= (async () => {
        for (const hook of hooks) await hook().catch(() => {});
        await handle.close();
      })();
      return closing;
    },
  };
}

/** The setting migration 0009_messages_by_chat reads its partition count from. */
const PARTITIONS_SETTING = 'live_chat.message_partitions';

/**
 * Applies the committed drizzle-kit migrations; safe when several instances boot at once.
 * `messagePartitions` counts only when the migration that creates the message tables runs; the count the
 * tables have is returned.
 */
export async function runMigrations(
  handle: DatabaseHandle,
  url?: string,
  messagePartitions = DEFAULT_MESSAGE_PARTITIONS,
): Promise<{ messagePartitions: number }> {
  await migrate(handle, url, messagePartitions);
  const [row] = await handle.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_inherits WHERE inhparent = 'messages'::regclass",
  );
  return { messagePartitions: row!.n };
}

async function migrate(
  handle: DatabaseHandle,
  url: string | undefined,
  messagePartitions: number,
): Promise<void> {
  const setPartitions = `SET ${PARTITIONS_SETTING} = '${Math.trunc(messagePartitions)}'`;
  if (handle.kind === 'pglite') {
    await handle.query(setPartitions);
    // biome-ignore lint/suspicious/noExplicitAny: the migrator wants the driver-specific type
    await migratePglite(handle.db as any, { migrationsFolder: MIGRATIONS_DIR });
    return;
  }
  // A dedicated connection so the advisory lock and the migration share one session.
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    await client.query(setPartitions);
    await migratePg(drizzlePg(client), { migrationsFolder: MIGRATIONS_DIR });
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]).catch(() => {});
    await client.end();
  }
}

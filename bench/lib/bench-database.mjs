// A fresh PostgreSQL database per run (bench_<timestamp>), dropped afterwards, so runs start equal and
// no database grows forever. Only used when DATABASE_URL is set.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { onInterrupt } from './cleanup.mjs';

async function withAdmin(adminUrl, work) {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(adminUrl) {
  const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
  const name = `bench_${stamp}_${randomBytes(3).toString('hex')}`;
  await withAdmin(adminUrl, (client) => client.query(`CREATE DATABASE ${name}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = () =>
    withAdmin(adminUrl, async (client) => {
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } catch {
        await client.query(`DROP DATABASE IF EXISTS ${name}`); // PostgreSQL before 13
      }
    });
  const forget = onInterrupt(drop);
  return {
    name,
    url: url.toString(),
    drop: async () => {
      forget();
      await drop();
    },
  };
}

/** Process ids of the PostgreSQL backends serving `database` (for their CPU), or [] if unknown. */
export async function backendPids(adminUrl, database) {
  try {
    return await withAdmin(adminUrl, async (client) => {
      const { rows } = await client.query(
        'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [database],
      );
      return rows.map((row) => row.pid);
    });
  } catch {
    return [];
  }
}

/** Transactions committed in `database` so far (pg_stat_database; flushed by backends about once a second). */
export async function committedTransactions(adminUrl, database) {
  try {
    return await withAdmin(adminUrl, async (client) => {
      const { rows } = await client.query('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [
        database,
      ]);
      return rows[0] ? Number(rows[0].xact_commit) : undefined;
    });
  } catch {
    return undefined;
  }
}

/** Messages users sent (not system entries) stored in the database at `url`. */
export async function countUserMessages(url) {
  return withAdmin(url, async (client) => {
    const { rows } = await client.query("SELECT count(*)::int AS n FROM messages WHERE kind = 'user'");
    return rows[0].n;
  });
}

/** host:port/database, without credentials. */
export function redact(url) {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || ''}${parsed.pathname}`;
}

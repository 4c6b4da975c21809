#!/usr/bin/env node
// `node bench/storage.mjs`: what a stored message costs on disk, on partitioned tables (MESSAGE_PARTITIONS
// default) and on plain ones. Per variant: a fresh PostgreSQL database (DATABASE_URL names the server),
// the service's migrations, CHATS direct chats holding PER_CHAT messages each of SIZE characters with a
// clientMessageId (as the SDK sends), then the size of messages with its indexes and TOAST, per message.
// Figures for docs/scaling.md.
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createBenchDatabase } from './lib/bench-database.mjs';

const { values } = parseArgs({
  options: {
    chats: { type: 'string', default: '2000' },
    'per-chat': { type: 'string', default: '250' },
    size: { type: 'string', default: '100' },
  },
});
const [chats, perChat, size] = [values.chats, values['per-chat'], values.size].map(Number);
const adminUrl = process.env.DATABASE_URL;
if (!adminUrl) {
  console.error('DATABASE_URL must name a PostgreSQL server (a database per variant is created and dropped)');
  process.exit(2);
}
execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
const { DEFAULT_MESSAGE_PARTITIONS } = await import('../dist/config/config.schema.js');
const { openDatabase, runMigrations } = await import('../dist/database/database.js');
const { createLogger } = await import('../dist/common/logging/logger.js');

const FILL = `
INSERT INTO users (id, email, password_hash, name)
  SELECT gen_random_uuid(), 'u' || i || '@example.test', 'x', 'user ' || i FROM generate_series(1, $1::int * 2) i;
INSERT INTO chats (id, type, direct_key, last_seq, message_count, last_message_seq, member_count)
  SELECT gen_random_uuid(), 'DIRECT', 'k' || i, $2::int, $2::int, $2::int, 2 FROM generate_series(1, $1::int) i;
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM chats),
     u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users)
INSERT INTO chat_members (chat_id, user_id)
  SELECT c.id, u.id FROM c JOIN u ON u.n IN (c.n * 2 - 1, c.n * 2);
INSERT INTO messages (id, chat_id, seq, num, sender_id, content, client_message_id)
  SELECT gen_random_uuid(), cm.chat_id, s, s, cm.user_id, repeat('x', $3::int), gen_random_uuid()::text
  FROM (SELECT DISTINCT ON (chat_id) chat_id, user_id FROM chat_members ORDER BY chat_id) cm,
       generate_series(1, $2::int) s;`;

const SIZES = `
WITH parts AS (SELECT relid FROM pg_partition_tree('messages') UNION SELECT 'messages'::regclass)
SELECT (SELECT count(*) FROM messages)::bigint AS rows,
       (SELECT sum(pg_total_relation_size(relid)) FROM parts)::bigint AS total,
       (SELECT sum(pg_relation_size(relid)) FROM parts)::bigint AS heap`;

async function measure(partitions) {
  const database = await createBenchDatabase(adminUrl);
  try {
    const handle = await openDatabase({ url: database.url, poolSize: 1 }, createLogger('silent'));
    try {
      await runMigrations(handle, database.url, partitions);
    } finally {
      await handle.close();
    }
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // Parameters in a multi-statement string are not allowed: inline the three integers.
      const sql = FILL.replaceAll('$1::int', String(chats))
        .replaceAll('$2::int', String(perChat))
        .replaceAll('$3::int', String(size));
      await client.query(sql);
      await client.query('VACUUM ANALYZE messages');
      const [row] = (await client.query(SIZES)).rows;
      return { partitions, rows: Number(row.rows), bytes: Number(row.total), heap: Number(row.heap) };
    } finally {
      await client.end();
    }
  } finally {
    await database.drop();
  }
}

console.log(`storage: ${chats} chats x ${perChat} messages of ${size} characters, with a clientMessageId`);
for (const partitions of [DEFAULT_MESSAGE_PARTITIONS, 0]) {
  const r = await measure(partitions);
  const per = (bytes) => (bytes / r.rows).toFixed(0);
  console.log(
    `MESSAGE_PARTITIONS=${partitions}: ${r.rows} messages, ${(r.bytes / 1024 ** 2).toFixed(1)} MiB with indexes ` +
      `(${per(r.bytes)} B per message; heap ${per(r.heap)} B)`,
  );
}

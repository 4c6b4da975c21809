#!/usr/bin/env node
// `node bench/floor.mjs`: what the database spends per message on the service's batch statement, beside
// the least any durable chat write needs. Per engine (PostgreSQL when DATABASE_URL names a server, and
// embedded PGlite in this process), a fresh database with the service's migrations and its default
// partitions, CHATS direct chats, and three statements, each run ROUNDS times on batches of BATCH
// messages (one per chat in turn, 100 characters, senders alternating, as `npm run bench` sends them),
// the three interleaved round by round, each round starting with the next one:
//   insert   the messages into a table keyed by id alone (no order, no history by chat);
//   floor    each message numbered under its chat's row lock (a counter bumped once per chat) and
//            inserted with two keys, id and (chat_id, seq): what a chat log with history needs at least;
//   service  the writer's INSERT_BATCH_SQL, prepared as the writer runs it.
// With --client-id every message carries a clientMessageId: only `service` keys and looks them up, so
// that part of its cost is counted against a floor that has no such key.
// The message tables start empty and are left to autovacuum, as on a new service: analyzed while empty, they
// would get a generic plan that scans them whole for each clientMessageId. Each statement is its own
// committed transaction (fsync on). Counted: the CPU time of the PostgreSQL backend that
// ran it (/proc/<pid>/schedstat), or of this process for PGlite (which runs on the service's thread).
// Figures for BENCHMARKS.md (issue #21: the floor under rows 1-3).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createBenchDatabase } from './lib/bench-database.mjs';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '300' },
    warmup: { type: 'string', default: '30' },
    batch: { type: 'string', default: '100' },
    chats: { type: 'string', default: '100' },
    'client-id': { type: 'boolean', default: false },
    json: { type: 'string' },
  },
});
const [rounds, warmup, batchSize, chatCount] = [values.rounds, values.warmup, values.batch, values.chats].map(
  Number,
);
execFileSync(process.execPath, ['scripts/build-if-stale.mjs'], { stdio: 'inherit' });
const { DEFAULT_MESSAGE_PARTITIONS } = await import('../dist/config/config.schema.js');
const { openDatabase, runMigrations } = await import('../dist/database/database.js');
const { createLogger } = await import('../dist/common/logging/logger.js');
const { INSERT_BATCH_SQL, insertBatchParams } = await import('../dist/messages/chat-log.repository.js');

const FILL = `
INSERT INTO users (id, email, password_hash, name)
  SELECT gen_random_uuid(), 'u' || i || '@example.test', 'x', 'user ' || i FROM generate_series(1, ${chatCount * 2}) i;
INSERT INTO chats (id, type, direct_key, member_count)
  SELECT gen_random_uuid(), 'DIRECT', 'k' || i, 2 FROM generate_series(1, ${chatCount}) i;
WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM chats),
     u AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM users)
INSERT INTO chat_members (chat_id, user_id)
  SELECT c.id, u.id FROM c JOIN u ON u.n IN (c.n * 2 - 1, c.n * 2);
CREATE TABLE floor_insert (id uuid PRIMARY KEY, chat_id uuid NOT NULL, seq int NOT NULL, sender_id uuid NOT NULL,
  content text NOT NULL, created_at timestamptz NOT NULL);
CREATE TABLE floor_chats (id uuid PRIMARY KEY, last_seq int NOT NULL);
INSERT INTO floor_chats SELECT id, 0 FROM chats;
CREATE TABLE floor_messages (id uuid PRIMARY KEY, chat_id uuid NOT NULL, seq int NOT NULL, sender_id uuid NOT NULL,
  content text NOT NULL, created_at timestamptz NOT NULL, UNIQUE (chat_id, seq));
ANALYZE users, chats, chat_members, floor_chats;`;

const INPUT = `SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::timestamptz[], $6::int[])
  AS t(id, chat_id, sender_id, content, created_at, ord)`;
const STATEMENTS = {
  insert: `INSERT INTO floor_insert (id, chat_id, seq, sender_id, content, created_at)
    SELECT id, chat_id, ord, sender_id, content, created_at FROM (${INPUT}) i`,
  floor: `WITH input AS (${INPUT}),
    counts AS (SELECT chat_id, count(*)::int AS n FROM input GROUP BY chat_id),
    bumped AS (UPDATE floor_chats c SET last_seq = c.last_seq + counts.n FROM counts WHERE c.id = counts.chat_id
               RETURNING c.id, c.last_seq - counts.n AS base),
    numbered AS (SELECT i.*, (b.base + row_number() OVER (PARTITION BY i.chat_id ORDER BY i.ord))::int AS seq
                 FROM input i JOIN bumped b ON b.id = i.chat_id)
    INSERT INTO floor_messages (id, chat_id, seq, sender_id, content, created_at)
    SELECT id, chat_id, seq, sender_id, content, created_at FROM numbered RETURNING id, seq`,
  service: INSERT_BATCH_SQL,
};
const floorParams = (batch) => [
  batch.map((m) => m.id),
  batch.map((m) => m.chatId),
  batch.map((m) => m.senderId),
  batch.map((m) => m.content),
  batch.map((m) => m.createdAt.toISOString()),
  batch.map((_, ord) => ord),
];
const PARAMS = { insert: floorParams, floor: floorParams, service: insertBatchParams };

const CONTENT = 'x'.repeat(100);
function batchOf(chats, round) {
  return Array.from({ length: batchSize }, (_, i) => {
    const [a, b] = chats[i % chats.length].members;
    const fromA = (round + i) % 2 === 0;
    return {
      id: randomUUID(),
      chatId: chats[i % chats.length].id,
      senderId: fromA ? a : b,
      receiverId: fromA ? b : a,
      content: CONTENT,
      mediaUrl: null,
      mediaType: null,
      mediaId: null,
      replyToId: null,
      clientMessageId: values['client-id'] ? randomUUID() : null,
      createdAt: new Date(),
    };
  });
}

/** CPU nanoseconds a process (or, with `self`, this one) has run, from the scheduler: no tick rounding. */
function cpuNanos(pid) {
  if (pid === 'self') {
    const { user, system } = process.cpuUsage();
    return (user + system) * 1000;
  }
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

/** Runs the three statements alternately on `handle`; returns each one's CPU µs per message. */
async function measure(handle, pid) {
  for (const statement of FILL.split(';').filter((s) => s.trim())) await handle.query(statement);
  const chats = await handle.query(
    'SELECT chat_id AS id, array_agg(user_id ORDER BY user_id) AS members FROM chat_members GROUP BY chat_id',
  );
  const spent = { insert: 0, floor: 0, service: 0 };
  const names = Object.keys(STATEMENTS);
  for (let round = 0; round < warmup + rounds; round++) {
    // Each round starts with the next statement, so none always runs first (or last).
    for (let k = 0; k < names.length; k++) {
      const name = names[(round + k) % names.length];
      const text = STATEMENTS[name];
      const params = PARAMS[name](batchOf(chats, round));
      const before = cpuNanos(pid);
      await handle.query(text, params, `floor_bench_${name}`);
      if (round >= warmup) spent[name] += cpuNanos(pid) - before;
    }
  }
  return Object.fromEntries(
    Object.entries(spent).map(([name, nanos]) => [name, nanos / 1000 / rounds / batchSize]),
  );
}

async function onPostgres(adminUrl) {
  const database = await createBenchDatabase(adminUrl);
  try {
    const handle = await openDatabase({ url: database.url, poolSize: 1 }, createLogger('silent'));
    try {
      await runMigrations(handle, database.url, DEFAULT_MESSAGE_PARTITIONS);
      // The pool's one connection runs everything, so its backend is the one counted.
      const [{ pid }] = await handle.query('SELECT pg_backend_pid() AS pid');
      const result = await measure(handle, pid);
      const [after] = await handle.query('SELECT pg_backend_pid() AS pid');
      if (after.pid !== pid)
        throw new Error('the pool changed its connection: the CPU counted is not all of it');
      return result;
    } finally {
      await handle.close();
    }
  } finally {
    await database.drop();
  }
}

async function onPglite() {
  const dataDir = mkdtempSync(join(tmpdir(), 'floor-bench-'));
  try {
    const handle = await openDatabase({ dataDir, poolSize: 1 }, createLogger('silent'));
    try {
      await runMigrations(handle, undefined, 0);
      return await measure(handle, 'self');
    } finally {
      await handle.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

console.log(
  `floor: ${rounds} rounds (after ${warmup}) of ${batchSize} messages over ${chatCount} chats` +
    `${values['client-id'] ? ', each with a clientMessageId' : ''}; CPU µs per message`,
);
const results = {};
if (process.env.DATABASE_URL) results.postgres = await onPostgres(process.env.DATABASE_URL);
results.pglite = await onPglite();
console.log('engine    insert  floor  service  service/floor');
for (const [engine, r] of Object.entries(results)) {
  const cells = [r.insert, r.floor, r.service].map((x) => x.toFixed(1).padStart(6));
  console.log(`${engine.padEnd(8)} ${cells.join(' ')}  ${(r.service / r.floor).toFixed(2).padStart(13)}`);
}
if (values.json) {
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  const options = { rounds, warmup, batch: batchSize, chats: chatCount, clientId: values['client-id'] };
  const at = new Date().toISOString();
  writeFileSync(values.json, `${JSON.stringify({ commit, at, options, results }, null, 2)}\n`);
  console.log(`results: ${values.json}`);
}

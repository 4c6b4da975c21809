import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { ChatsRepository } from '../../src/chats/chats.repository.js';
import { createLogger } from '../../src/common/logging/logger.js';
import {
  CHANGES_SQL,
  ChatLogRepository,
  changesParams,
  INSERT_BATCH_SQL,
  insertBatchParams,
  LOCK_CHATS_OF_MESSAGES_SQL,
  type NewChange,
} from '../../src/messages/chat-log.repository.js';
import type { NewMessage } from '../../src/messages/message.types.js';
import { MessageWriter } from '../../src/messages/message-writer.js';
import { MessagesRepository } from '../../src/messages/messages.repository.js';
import { SyncRepository } from '../../src/messages/sync.repository.js';
import { newMessage, storedPair } from '../support/stored-chats.js';
import { openTestDatabase } from '../support/test-database.js';

let db: Awaited<ReturnType<typeof openTestDatabase>>;
let chats: ChatsRepository;
let log: ChatLogRepository;
let messages: MessagesRepository;

beforeAll(async () => {
  db = await openTestDatabase();
  chats = new ChatsRepository(db.handle);
  log = new ChatLogRepository(db.handle);
  messages = new MessagesRepository(db.handle);
});

const newWriter = () => new MessageWriter(log, createLogger('silent'));
// Newest first, as the member sees them.
const historyOf = (chatId: string, viewerId: string) => messages.page(chatId, viewerId, 0, { limit: 10 });
afterAll(() => db.close());

const pair = () => storedPair(db.handle);

/** A session of its own, for transactions (PostgreSQL only). */
async function session(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: inject('databaseUrl') });
  await client.connect();
  return client;
}

const message = newMessage;

/** A change as the writer gets it: by `actorId`, now, with no edit window. */
function newChange(
  op: NewChange['op'],
  messageId: string,
  actorId: string,
  fields: { content?: string; emoji?: string } = {},
): NewChange {
  return {
    op,
    messageId,
    actorId,
    content: fields.content ?? null,
    emoji: fields.emoji ?? null,
    at: new Date(),
    editableSince: null,
  };
}

/** The kinds of the changes logged in a chat, in seq order. */
async function loggedKinds(chatId: string): Promise<string[]> {
  const rows = await db.handle.query<{ kind: string }>(
    'SELECT kind FROM chat_events WHERE chat_id = $1 ORDER BY seq',
    [chatId],
  );
  return rows.map((r) => r.kind);
}

/** Resolves once one other backend (the writer's) waits for a lock that `holder`'s transaction holds. */
async function blockedBy(holder: pg.Client): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await holder.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM pg_stat_activity WHERE pg_backend_pid() = ANY(pg_blocking_pids(pid))',
      );
      expect(rows[0]?.n).toBe(1);
    },
    { timeout: 30_000 },
  );
}

describe('MessageWriter (group commit on the real database)', () => {
  it('settles batches in the order they were written, while the next batch is already being written', async () => {
    const writer = newWriter();
    const { a, chatId } = await pair();
    const insert = log.insertBatch.bind(log);
    const settled: number[] = [];
    const track = (written: Promise<{ seq: number }>) => written.then(({ seq }) => void settled.push(seq));
    const queued: Promise<void>[] = [];
    const spy = vi.spyOn(log, 'insertBatch').mockImplementation((batch) => {
      // Arrivals during the second write form a third batch, written while the second one settles.
      if (spy.mock.calls.length === 2) {
        for (let i = 0; i < 30; i++) queued.push(track(writer.write(message(chatId, a, `late${i}`))));
      }
      return insert(batch);
    });
    queued.push(track(writer.write(message(chatId, a, 'first'))));
    for (let i = 0; i < 30; i++) queued.push(track(writer.write(message(chatId, a, `m${i}`))));
    await vi.waitFor(() => expect(queued).toHaveLength(61));
    await Promise.all(queued);
    expect(spy.mock.calls.map(([batch]) => batch.length)).toEqual([1, 30, 30]);
    expect(settled).toEqual(Array.from({ length: 61 }, (_, i) => i + 1));
    spy.mockRestore();
  });

  it('writes a lone message at once, and everything sent meanwhile in the next single statement', async () => {
    const writer = newWriter();
    const spy = vi.spyOn(log, 'insertBatch');
    const { a, chatId } = await pair();
    const first = writer.write(message(chatId, a, 'first'));
    // Queued while the first write is in flight.
    const rest = Array.from({ length: 50 }, (_, i) => writer.write(message(chatId, a, `m${i}`)));
    const written = await Promise.all([first, ...rest]);
    expect(spy.mock.calls.map(([batch]) => batch.length)).toEqual([1, 50]);
    expect(written.map((m) => m.seq)).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
    spy.mockRestore();
  });

  it('numbers each chat on its own within one batch and keeps the chat row in step', async () => {
    const writer = newWriter();
    const [p, q] = [await pair(), await pair()];
    await writer.write(message(p.chatId, p.a, 'p0'));
    const batch = await Promise.all([
      writer.write(message(p.chatId, p.a, 'p1')),
      writer.write(message(q.chatId, q.b, 'q1')),
      writer.write(message(p.chatId, p.b, 'p2')),
      writer.write(message(q.chatId, q.a, 'q2')),
    ]);
    expect(batch.map((m) => [m.content, m.seq])).toEqual([
      ['p1', 2],
      ['q1', 1],
      ['p2', 3],
      ['q2', 2],
    ]);
    const [listed] = await chats.listChats(p.a, 1, 100);
    expect(listed?.lastSeq).toBe(3);
  });

  it('moves the sender’s read mark past their own message, so unread stays O(1) and right', async () => {
    const writer = newWriter();
    const { a, b, chatId } = await pair();
    await writer.write(message(chatId, a, 'from a'));
    await writer.write(message(chatId, b, 'from b'));
    await writer.write(message(chatId, b, 'from b again'));
    const unread = async (user: string) => {
      const row = (await chats.getChat(user, chatId, 100))!;
      return row.unreadCount;
    };
    expect(await unread(a)).toBe(2);
    expect(await unread(b)).toBe(0);
  });

  it('returns the stored original for a clientMessageId already written, without using a seq', async () => {
    const writer = newWriter();
    const { a, chatId } = await pair();
    const original = await writer.write(message(chatId, a, 'once', 'k1'));
    const again = await writer.write(message(chatId, a, 'once', 'k1'));
    const next = await writer.write(message(chatId, a, 'next'));
    expect(again).toMatchObject({ id: original.id, seq: original.seq, duplicate: true });
    expect(next.seq).toBe(original.seq + 1);
  });

  it.skipIf(!inject('databaseUrl'))(
    'returns the original for a clientMessageId another writer committed after the write began, and numbers nothing for it',
    async () => {
      const writer = newWriter();
      const { a, b, chatId } = await pair();
      const other = await session();
      try {
        // Another instance's writer holds the chat row and an uncommitted message under 'k-race'.
        await other.query('BEGIN');
        const theirs = message(chatId, a, 'theirs', 'k-race');
        await other.query(INSERT_BATCH_SQL, insertBatchParams([theirs]));
        const writes = vi.spyOn(log, 'write');
        // The retry goes alone; a fresh message queues behind it, for the next batch.
        const retry = writer.write(message(chatId, a, 'theirs again', 'k-race'));
        const fresh = writer.write(message(chatId, b, 'fresh', 'k-fresh'));
        // Our batch statement took its snapshot, then waits for their chat row lock.
        await blockedBy(other);
        await other.query('COMMIT');
        expect(await retry).toMatchObject({ id: theirs.id, seq: 1, content: 'theirs', duplicate: true });
        // The first try failed on the key, and the batch went again.
        await expect(writes.mock.results[0]?.value).rejects.toMatchObject({ code: '23505' });
        writes.mockRestore();
        expect(await fresh).toMatchObject({ seq: 2, content: 'fresh', duplicate: false });
        expect((await historyOf(chatId, a)).map((m) => m.content)).toEqual(['fresh', 'theirs']);
        // No seq and no count for the copy: nothing is missing from the log, and a's unread is b's message.
        expect(await chats.getChat(a, chatId, 100)).toMatchObject({ lastSeq: 2, unreadCount: 1 });
      } finally {
        await other.query('ROLLBACK').catch(() => {});
        await other.end();
      }
    },
  );

  describe.skipIf(!inject('databaseUrl'))(
    'a change racing another instance’s change to the same chat',
    () => {
      /**
       * Another instance's writer applies `theirs` and holds its chat's row until it commits; meanwhile ours
       * is written, and waits. Resolves with ours, once `theirs` committed.
       */
      async function afterTheirs(theirs: NewChange, ours: NewChange) {
        const writer = newWriter();
        const other = await session();
        try {
          await other.query('BEGIN');
          await other.query(CHANGES_SQL, changesParams([theirs]));
          const applied = writer.change(ours);
          await blockedBy(other);
          await other.query('COMMIT');
          return await applied;
        } finally {
          await other.query('ROLLBACK').catch(() => {});
          await other.end();
        }
      }

      it('is judged after it: an edit of a message deleted meanwhile is refused and writes nothing', async () => {
        const { a, chatId } = await pair();
        const target = await newWriter().write(message(chatId, a, 'typo'));
        const applied = await afterTheirs(
          newChange('delete', target.id, a),
          newChange('edit', target.id, a, { content: 'fixed' }),
        );
        expect(applied).toMatchObject({ outcome: 'deleted', seq: null });
        const [stored] = await historyOf(chatId, a);
        expect(stored).toMatchObject({ id: target.id, content: '', deletedAt: expect.any(String) });
        // The log holds the message and its delete, nothing after them.
        expect(await chats.getChat(a, chatId, 100)).toMatchObject({ lastSeq: 2 });
        expect(await loggedKinds(chatId)).toEqual(['message_deleted']);
      });

      it('counts their reaction: a second 👍 reports two, and the same person’s is unchanged', async () => {
        const { a, b, chatId } = await pair();
        const target = await newWriter().write(message(chatId, a, 'react to me'));
        const thumbs = { emoji: '👍' };
        expect(
          await afterTheirs(
            newChange('react', target.id, a, thumbs),
            newChange('react', target.id, b, thumbs),
          ),
        ).toMatchObject({ outcome: 'ok', count: 2, seq: 3 });
        expect(
          await afterTheirs(
            newChange('unreact', target.id, a, thumbs),
            newChange('unreact', target.id, a, thumbs),
          ),
        ).toMatchObject({ outcome: 'unchanged', count: 1, seq: null });
        expect(await loggedKinds(chatId)).toEqual(['reaction_added', 'reaction_added', 'reaction_removed']);
        const [stored] = await historyOf(chatId, b);
        expect(stored!.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
      });
    },
  );

  it('refuses a message whose sender is not a member of the chat; the rest of its batch still lands', async () => {
    const writer = newWriter();
    const { a, chatId } = await pair();
    const { a: outsider } = await pair();
    await expect(log.insertBatch([message(chatId, outsider, 'intruder')])).rejects.toMatchObject({
      code: '23503',
      constraint: 'messages_chat_member_fk',
    });

    const first = writer.write(message(chatId, a, 'first'));
    // Both queue behind the first write and share the next batch, which the outsider's row fails.
    const good = writer.write(message(chatId, a, 'good'));
    const bad = writer.write(message(chatId, outsider, 'intruder'));
    await expect(bad).rejects.toMatchObject({ code: '23503' });
    expect((await first).seq).toBe(1);
    expect((await good).seq).toBe(2);
    const history = await historyOf(chatId, a);
    expect(history.map((m) => m.content)).toEqual(['good', 'first']);
    expect((await chats.getChat(a, chatId, 100))?.lastSeq).toBe(2);
  });
});

// The service prepares the batch statement once per connection (PostgreSQL only: PGlite plans every call
// afresh), and PostgreSQL keeps its generic plan until the tables are next analyzed. A plan made while
// messages was empty must still find retries by index, or every batch reads the whole table.
describe.skipIf(!inject('databaseUrl'))('the batch statement’s plan', () => {
  it('looks up each row’s clientMessageId by index, even when planned while messages was empty', async () => {
    const client = await session();
    try {
      await client.query('BEGIN');
      // A temporary table comes first on the search path: an empty, never-analyzed messages.
      await client.query('CREATE TEMP TABLE messages (LIKE public.messages INCLUDING ALL) ON COMMIT DROP');
      const { rows: shadow } = await client.query<{ temp: boolean }>(
        `SELECT 'messages'::regclass = 'pg_temp.messages'::regclass AS temp`,
      );
      expect(shadow[0]?.temp).toBe(true);
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      await client.query(`PREPARE insert_batch AS ${INSERT_BATCH_SQL}`);
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(
        `EXPLAIN EXECUTE insert_batch(${Array(12).fill('NULL').join(', ')})`,
      );
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index Scan using \S+ on messages/);
      expect(plan).not.toMatch(/Seq Scan on messages/);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    }
  });
});

// The same for the statement of changes: every table it reads or writes is probed by index, whatever the
// plan was made on.
describe.skipIf(!inject('databaseUrl'))('the changes statement’s plan', () => {
  it('reaches messages, memberships, reactions, hides and the log by index, even when planned on empty tables, and so does its lock', async () => {
    const client = await session();
    const tables = ['chats', 'messages', 'chat_members', 'message_reactions', 'message_hides', 'chat_events'];
    try {
      await client.query('BEGIN');
      for (const table of tables) {
        await client.query(`CREATE TEMP TABLE ${table} (LIKE public.${table} INCLUDING ALL) ON COMMIT DROP`);
      }
      await client.query('SET LOCAL plan_cache_mode = force_generic_plan');
      const planOf = async (name: string, sql: string, params: number) => {
        await client.query(`PREPARE ${name} AS ${sql}`);
        const { rows } = await client.query<{ 'QUERY PLAN': string }>(
          `EXPLAIN EXECUTE ${name}(${Array(params).fill('NULL').join(', ')})`,
        );
        const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
        for (const table of tables) expect(plan, plan).not.toMatch(new RegExp(`Seq Scan on ${table}\\b`));
        expect(plan).toMatch(/Index (Only )?Scan using \S+ on messages/);
      };
      // The lock taken before it, too.
      await planOf('lock_chats', LOCK_CHATS_OF_MESSAGES_SQL, 1);
      await planOf('apply_changes', CHANGES_SQL, 10);
    } finally {
      await client.query('ROLLBACK').catch(() => {});
      await client.end();
    }
  });
});

// Migration 0004 keeps "the sender is a member of the chat" with triggers instead of a foreign key.
describe('a message’s sender stays a member of its chat', () => {
  const contents = async (chatId: string) =>
    (await db.handle.query<{ content: string }>('SELECT content FROM messages WHERE chat_id = $1', [chatId]))
      .map((m) => m.content)
      .sort();

  it('deleting a user deletes their messages, through their memberships, and leaves the peer’s', async () => {
    const { a, b, chatId } = await pair();
    await log.insertBatch([message(chatId, a, 'from a'), message(chatId, b, 'from b')]);
    await db.handle.query('DELETE FROM users WHERE id = $1', [a]);
    expect(await contents(chatId)).toEqual(['from b']);
  });

  it('refuses to move a membership to another user, and changes nothing', async () => {
    const { a, chatId } = await pair();
    const { a: other } = await pair();
    await log.insertBatch([message(chatId, a, 'kept')]);
    await expect(
      db.handle.query('UPDATE chat_members SET user_id = $1 WHERE chat_id = $2 AND user_id = $3', [
        other,
        chatId,
        a,
      ]),
    ).rejects.toMatchObject({ code: '23503' });
    expect((await chats.roster(chatId))?.ids).toContain(a);
    expect(await contents(chatId)).toEqual(['kept']);
  });

  // Two sessions: the insert's transaction stays open while another one deletes the membership.
  describe.skipIf(!inject('databaseUrl'))('against a concurrent delete of the membership', () => {
    async function raceDelete(insert: (client: pg.Client, m: NewMessage) => Promise<unknown>) {
      const { a, chatId } = await pair();
      const [writer, deleter] = await Promise.all([session(), session()]);
      const { rows: backend } = await deleter.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      try {
        await writer.query('BEGIN');
        await insert(writer, message(chatId, a, 'in flight'));
        let deleted = false;
        const deleting = deleter
          .query('DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2', [chatId, a])
          .then(() => {
            deleted = true;
          });
        // The delete waits for the writer's transaction, whatever the insert path.
        await vi.waitFor(async () => {
          const { rows } = await writer.query<{ waiting: boolean }>(
            `SELECT wait_event_type = 'Lock' AS waiting FROM pg_stat_activity WHERE pid = $1`,
            [backend[0]?.pid],
          );
          expect(rows[0]?.waiting).toBe(true);
        });
        expect(deleted).toBe(false);
        await writer.query('COMMIT');
        await deleting;
        // Once it goes ahead, the message it waited for goes with the membership.
        expect(await contents(chatId)).toEqual([]);
      } finally {
        await Promise.all([writer.end(), deleter.end()]);
      }
    }

    it('when the batch statement wrote the message (it holds the row it moved the read mark on)', async () => {
      await raceDelete((client, m) => client.query(INSERT_BATCH_SQL, insertBatchParams([m])));
    });

    it('when a plain INSERT wrote it (the trigger locks the membership, as a key would)', async () => {
      await raceDelete((client, m) =>
        client.query(
          'INSERT INTO messages (id, chat_id, seq, num, sender_id, content) VALUES ($1, $2, 1, 1, $3, $4)',
          [m.id, m.chatId, m.senderId, m.content],
        ),
      );
    });

    /** `sql` fails in a transaction of its own, and the chat keeps its membership and its message. */
    async function expectRefused(
      begin: string[],
      sql: string,
      params: (chat: { a: string; chatId: string }) => unknown[],
      error: Record<string, unknown>,
    ) {
      const chat = await pair();
      await log.insertBatch([message(chat.chatId, chat.a, 'kept')]);
      const client = await session();
      try {
        for (const statement of begin) await client.query(statement);
        await expect(client.query(sql, params(chat))).rejects.toMatchObject(error);
      } finally {
        await client.query('ROLLBACK').catch(() => {});
        await client.end();
      }
      expect((await chats.roster(chat.chatId))?.ids).toContain(chat.a);
      expect(await contents(chat.chatId)).toEqual(['kept']);
    }

    // Under an older snapshot the cascade could not see messages committed since; a key's cross-check did.
    it('refuses to delete a membership outside READ COMMITTED, and changes nothing', async () => {
      await expectRefused(
        ['BEGIN ISOLATION LEVEL REPEATABLE READ'],
        'DELETE FROM chat_members WHERE chat_id = $1 AND user_id = $2',
        ({ a, chatId }) => [chatId, a],
        { code: '0A000' },
      );
    });

    it('refuses to truncate chat_members while messages has rows', async () => {
      // Other test files share this database: give up rather than wait long for its table lock.
      await expectRefused(['BEGIN', `SET LOCAL lock_timeout = '10s'`], 'TRUNCATE chat_members', () => [], {
        code: '0A000',
        message: 'cannot truncate chat_members while messages has rows',
      });
    });
  });
});

// Sync bounds each chat's new rows by the newest row an earlier snapshot saw: right only because seq
// order is commit order within a chat, so a writer still open at that snapshot must not be skipped.
describe.skipIf(!inject('databaseUrl'))('sync across a write in progress at the token’s snapshot', () => {
  it('returns the open write’s message and the one numbered after it, once each', async () => {
    const sync = new SyncRepository(db.handle);
    const { a, b, chatId } = await pair();
    await log.insertBatch([message(chatId, a, 'seen')]);
    const writer = await session();
    try {
      await writer.query('BEGIN');
      const m = message(chatId, a, 'open at the snapshot');
      await writer.query(INSERT_BATCH_SQL, insertBatchParams([m]));
      // A later transaction that commits first puts the open one inside the snapshot's range (in its
      // list of transactions in progress), as on a busy server.
      const other = await pair();
      await log.insertBatch([message(other.chatId, other.a, 'elsewhere')]);
      const from = await sync.currentSnapshot();
      expect(from.split(':')[2]).not.toBe('');
      // Numbered after the open write: it waits for the chat row until that write commits.
      const later = log.insertBatch([message(chatId, b, 'after it')]);
      await writer.query('COMMIT');
      await later;
      const to = await sync.currentSnapshot();
      const start = { chatId: '00000000-0000-0000-0000-000000000000', seq: 0 };
      const rows = await messages.committedBetween(
        b,
        await sync.seenBounds(b, from, start.chatId),
        to,
        start,
        10,
      );
      expect(rows.map((r) => [r.seq, r.content])).toEqual([
        [2, 'open at the snapshot'],
        [3, 'after it'],
      ]);
    } finally {
      await writer.end();
    }
  });
});

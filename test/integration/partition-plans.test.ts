import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChatsRepository } from '../../src/chats/chats.repository.js';
import { createLogger } from '../../src/common/logging/logger.js';
import { DEFAULT_MESSAGE_PARTITIONS } from '../../src/config/config.schema.js';
import {
  type DatabaseHandle,
  openDatabase,
  type QueryFn,
  runMigrations,
} from '../../src/database/database.js';
import {
  ChatLogRepository,
  INSERT_BATCH_SQL,
  insertBatchParams,
} from '../../src/messages/chat-log.repository.js';
import { MessagesRepository } from '../../src/messages/messages.repository.js';
import { SyncRepository } from '../../src/messages/sync.repository.js';
import { SyncService } from '../../src/messages/sync.service.js';
import { EMPTY_SNAPSHOT, encodeSyncToken } from '../../src/messages/sync-token.js';
import { newMessage as message, storedPair } from '../support/stored-chats.js';
import { openTestDatabase } from '../support/test-database.js';

/**
 * Every hot query of a chat reads and writes that chat's partition of messages, chat_events and
 * message_reactions only: run under EXPLAIN ANALYZE, a partition whose scan ran belongs to a chat the
 * query is about. Pruned at planning the other partitions are absent; pruned at run time (a join on
 * chat_id) they are "never executed".
 */
const PARTITIONED = /^(messages|chat_events|message_reactions)_p(\d+)$/;

interface Statement {
  text: string;
  params: unknown[];
}

/** The handle, with every statement it runs noted, to be explained afterwards. */
function recording(handle: DatabaseHandle, log: Statement[]): DatabaseHandle {
  const note =
    (run: QueryFn): QueryFn =>
    (text, params, name) => {
      log.push({ text, params: params ?? [] });
      return run(text, params, name);
    };
  return {
    ...handle,
    query: note(handle.query),
    writerQuery: note(handle.writerQuery),
    transaction: (work) => handle.transaction((query) => work(note(query))),
    writerTransaction: (work) => handle.writerTransaction((query) => work(note(query))),
  };
}

interface PlanNode {
  'Relation Name'?: string;
  'Actual Loops'?: number;
  Plans?: PlanNode[];
}

/** The partitions (by number) whose scans ran in this plan, and the tables they belong to. */
function partitionsRun(node: PlanNode, found = new Set<string>()): Set<string> {
  const match = node['Relation Name']?.match(PARTITIONED);
  if (match && (node['Actual Loops'] ?? 0) > 0) found.add(`${match[1]}#${match[2]}`);
  for (const child of node.Plans ?? []) partitionsRun(child, found);
  return found;
}

let db: Awaited<ReturnType<typeof openTestDatabase>>;

beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(() => db.close());

async function explain(statement: Statement): Promise<Set<string>> {
  if (process.env.SHOW_PLAN) {
    const plan = await db.handle.query(`EXPLAIN ANALYZE ${statement.text}`, statement.params);
    console.log(plan.map((r) => Object.values(r as object)[0]).join('\n'));
  }
  const [row] = await db.handle.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] | string }>(
    `EXPLAIN (ANALYZE, FORMAT JSON) ${statement.text}`,
    statement.params,
  );
  const plan = row!['QUERY PLAN'];
  return partitionsRun((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
}

/** The partitions each statement ran on, over every statement that reads a partitioned table. */
async function explainAll(statements: Statement[]): Promise<Set<string>[]> {
  const relevant = statements.filter((s) => /\b(messages|chat_events|message_reactions)\b/.test(s.text));
  expect(relevant.length).toBeGreaterThan(0);
  const runs: Set<string>[] = [];
  for (const statement of relevant) runs.push(await explain(statement));
  return runs;
}

/** The number of the partition a chat's rows live in. */
async function partitionOf(chatId: string): Promise<string> {
  const [row] = await db.handle.query<{ part: string }>(
    'SELECT tableoid::regclass::text AS part FROM messages WHERE chat_id = $1 LIMIT 1',
    [chatId],
  );
  return row!.part.match(PARTITIONED)![2]!;
}

/** In every table, the given partitions only. */
function only(parts: string[], run: Set<string>): void {
  const numbers = new Set([...run].map((entry) => entry.split('#')[1]));
  for (const n of numbers) expect(parts, [...run].join(', ')).toContain(n);
}

describe('each hot query reads and writes its chat’s partition only', () => {
  let alice: string;
  let chatA: string;
  let chatB: string;
  let partA: string;
  let partB: string;

  beforeAll(async () => {
    const first = await storedPair(db.handle);
    alice = first.a;
    chatA = first.chatId;
    const writer = new ChatLogRepository(db.handle);
    await writer.insertBatch([message(chatA, alice, 'first')]);
    partA = await partitionOf(chatA);
    // A second chat of Alice's whose rows live in another partition.
    for (;;) {
      const { chatId } = await storedPair(db.handle, alice);
      await writer.insertBatch([message(chatId, alice, 'first')]);
      if ((await partitionOf(chatId)) !== partA) {
        chatB = chatId;
        partB = await partitionOf(chatId);
        break;
      }
    }
  });

  it('has the configured number of hash partitions', async () => {
    const rows = await db.handle.query<{ parent: string; n: number }>(
      `SELECT p.relname AS parent, count(*)::int AS n FROM pg_inherits i
       JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname IN ('messages', 'chat_events', 'message_reactions')
       GROUP BY p.relname ORDER BY p.relname`,
    );
    expect(rows).toEqual(
      ['chat_events', 'message_reactions', 'messages'].map((parent) => ({
        parent,
        n: DEFAULT_MESSAGE_PARTITIONS,
      })),
    );
  });

  it('the batch insert: a batch for two chats probes and writes those two partitions', async () => {
    // With clientMessageIds, as the SDK sends: each row's retry probe runs, in its own chat's partition.
    const batch = [
      message(chatA, alice, 'a1', randomUUID()),
      message(chatB, alice, 'b1', randomUUID()),
      message(chatA, alice, 'a2', randomUUID()),
    ];
    const run = await explain({ text: INSERT_BATCH_SQL, params: insertBatchParams(batch) });
    only([partA, partB], run);
    expect(run).toContain(`messages#${partA}`);
    expect(run).toContain(`messages#${partB}`);
    const stored = await db.handle.query<{ part: string }>(
      'SELECT DISTINCT tableoid::regclass::text AS part FROM messages WHERE id = ANY($1::uuid[])',
      [batch.map((m) => m.id)],
    );
    expect(stored.map((r) => r.part).sort()).toEqual([`messages_p${partA}`, `messages_p${partB}`].sort());
  });

  it('history, with reactions and replies: one partition', async () => {
    const statements: Statement[] = [];
    const handle = recording(db.handle, statements);
    const writer = new ChatLogRepository(handle);
    const [m] = await writer.insertBatch([message(chatA, alice, 'react to me')]);
    await writer.applyChanges([
      {
        op: 'react',
        messageId: m!.id,
        actorId: alice,
        content: null,
        emoji: '👍',
        at: new Date(),
        editableSince: null,
      },
    ]);
    statements.length = 0;
    const page = await new MessagesRepository(handle).page(chatA, alice, 0, { limit: 10 });
    expect(page[0]!.reactions).toEqual([{ emoji: '👍', count: 1, me: true }]);
    for (const run of await explainAll(statements)) {
      only([partA], run);
      expect(run).toContain(`messages#${partA}`);
      expect(run).toContain(`message_reactions#${partA}`);
    }
  });

  it('the sync walk: each chat’s new messages and changes from its own partition', async () => {
    const statements: Statement[] = [];
    const handle = recording(db.handle, statements);
    const sync = new SyncService(
      new SyncRepository(handle),
      new MessagesRepository(handle),
      new ChatLogRepository(handle),
    );
    const from = (await sync.since(alice, encodeSyncToken({ from: EMPTY_SNAPSHOT }), 1000)).token;
    const writer = new ChatLogRepository(db.handle);
    const inA = message(chatA, alice, 'new in A');
    await writer.insertBatch([inA, message(chatB, alice, 'new in B')]);
    await writer.applyChanges([
      {
        op: 'edit',
        messageId: inA.id,
        actorId: alice,
        content: 'edited',
        emoji: null,
        at: new Date(),
        editableSince: null,
      },
    ]);
    statements.length = 0;
    const page = await sync.since(alice, from, 1000);
    expect(page.messages.map((v) => v.content).sort()).toEqual(['edited', 'new in B']);
    expect(page.events.map((e) => e.type)).toEqual(['message_edited']);
    const runs = await explainAll(statements);
    for (const run of runs) only([partA, partB], run);
    const all = new Set(runs.flatMap((run) => [...run]));
    for (const table of ['messages', 'chat_events']) {
      expect(all).toContain(`${table}#${partA}`);
      expect(all).toContain(`${table}#${partB}`);
    }
  });

  it('the chat list: each chat’s last message from its own partition, read and viewed', async () => {
    const statements: Statement[] = [];
    const handle = recording(db.handle, statements);
    const rows = await new ChatsRepository(handle).listChats(alice, 50, 100);
    expect(rows.map((r) => r.id)).toEqual(expect.arrayContaining([chatA, chatB]));
    // The page's last messages, as the chat list shows them.
    const last = await new MessagesRepository(handle).views(
      rows.map((r) => ({ chatId: r.id, messageId: r.lastMessageId!, viewerId: alice })),
    );
    expect(last.map((v) => v?.chatId)).toEqual(rows.map((r) => r.id));
    const parts = await Promise.all(rows.map((r) => partitionOf(r.id)));
    const runs = await explainAll(statements);
    for (const run of runs) only(parts, run);
    const scanned = runs.flatMap((run) => [...run]).filter((entry) => entry.startsWith('messages#'));
    expect(new Set(scanned)).toEqual(new Set(parts.map((n) => `messages#${n}`)));
  });

  it('unread: marking read counts within the chat’s partition', async () => {
    const statements: Statement[] = [];
    const handle = recording(db.handle, statements);
    const bob = (
      await db.handle.query<{ user_id: string }>(
        'SELECT user_id FROM chat_members WHERE chat_id = $1 AND user_id <> $2',
        [chatA, alice],
      )
    )[0]!.user_id;
    const [row] = await db.handle.query<{ seq: number; num: number }>(
      'SELECT seq, num FROM messages WHERE chat_id = $1 ORDER BY seq LIMIT 1',
      [chatA],
    );
    const mark = await new ChatsRepository(handle).markRead(chatA, bob, row!.seq, row!.num);
    expect(mark?.changed).toBe(true);
    for (const run of await explainAll(statements)) {
      only([partA], run);
      expect(run).toContain(`messages#${partA}`);
    }
  });
});

describe('MESSAGE_PARTITIONS=0', () => {
  it('keeps plain tables with the same keys, for good', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'live-chat-plain-'));
    const handle = await openDatabase({ poolSize: 1, dataDir }, createLogger('silent'));
    try {
      expect(await runMigrations(handle, undefined, 0)).toEqual({ messagePartitions: 0 });
      // Fixed when the tables are created: a later count is reported back, not applied.
      expect(await runMigrations(handle, undefined, 16)).toEqual({ messagePartitions: 0 });
      const rows = await handle.query<{ relname: string; relkind: string }>(
        `SELECT relname, relkind::text FROM pg_class
         WHERE relname IN ('messages', 'chat_events', 'message_reactions') ORDER BY relname`,
      );
      expect(rows).toEqual([
        { relname: 'chat_events', relkind: 'r' },
        { relname: 'message_reactions', relkind: 'r' },
        { relname: 'messages', relkind: 'r' },
      ]);
      const [pk] = await handle.query<{ def: string }>(
        `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'messages_id_chat_id_pk'`,
      );
      expect(pk?.def).toBe('PRIMARY KEY (id, chat_id)');
    } finally {
      await handle.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

import { Inject, Injectable } from '@nestjs/common';
import type { ChatChange } from '../contract/views.js';
import type { DatabaseHandle, QueryFn } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { NewMessage, WrittenMessage } from './message.types.js';
import { BOUNDS_RELATION, boundsParams, OPEN_CEILING, type SeenBounds } from './sync.repository.js';

/**
 * Media types travel as text[] (PGlite cannot encode an enum-array parameter) and are cast on insert.
 * One statement per batch: skip what the sender already stored under the same clientMessageId, bump
 * each chat's last_seq once by its count (the row lock orders concurrent writers), number the batch's
 * messages from there, insert them, and move each sender's read mark to their own newest message.
 * The chat row's lock, held until commit, also makes seq order commit order within a chat: sync relies on
 * it, so any other writer of messages must number under that lock too.
 * A row another writer stored under the same clientMessageId after this statement's snapshot fails the
 * whole statement on the key (23505), before any of it is committed; the writer runs the batch again and
 * finds the original then. No ON CONFLICT: skipping the row would still have counted and numbered it (a
 * seq nobody has, a message count one too high), and the arbiter costs every insert a probe of its own.
 * New rows come back as (id, seq) only: the caller has the rest, and joining the inserted rows back to
 * the input (or sending content back) cost more than the insert. Already-stored rows come back whole.
 *
 * The shape is for the planner. The statement is prepared once per connection (parsing and planning it
 * for every batch added a fifth to its time), and its generic plan is kept until a table it reads is next
 * analyzed. Planned on a never-analyzed messages table (a new database, for up to a minute of autovacuum's
 * nap), a plain join or NOT EXISTS hashed the whole table on every batch that carried clientMessageIds.
 * Behind LATERAL ... LIMIT 1 the planner cannot hash it: the probe is an index scan per row (a scan of the
 * table's page or two only when statistics say that is all there is, until autovacuum analyzes again).
 * NOT IN rather than NOT EXISTS: an anti-join's output is guessed at one row, and the planner then nests
 * the join to `bumped` (rows × chats comparisons); NOT IN is hashed and `ord` is never null.
 */
export const INSERT_BATCH_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[],
                       $7::text[], $8::timestamptz[], $9::int[], $10::uuid[], $11::uuid[], $12::uuid[])
    AS t(id, chat_id, sender_id, content, media_url, media_type, client_message_id, created_at, ord, media_id,
         reply_to_id, receiver_id)
),
existing AS MATERIALIZED (
  SELECT i.ord, m.* FROM input i
  CROSS JOIN LATERAL (
    SELECT * FROM messages m
    WHERE i.client_message_id IS NOT NULL
      AND m.chat_id = i.chat_id AND m.sender_id = i.sender_id AND m.client_message_id = i.client_message_id LIMIT 1
  ) m
),
fresh AS (
  SELECT i.* FROM input i WHERE i.ord NOT IN (SELECT ord FROM existing)
),
counts AS (
  SELECT chat_id, count(*)::int AS n FROM fresh GROUP BY chat_id
),
bumped AS (
  UPDATE chats c SET last_seq = c.last_seq + counts.n, message_count = c.message_count + counts.n,
                     last_message_seq = c.last_seq + counts.n, updated_at = now()
  FROM counts WHERE c.id = counts.chat_id
  RETURNING c.id, c.last_seq - counts.n AS base, c.message_count - counts.n AS base_num, c.state_seq
),
numbered AS (
  SELECT f.*, (b.base + row_number() OVER w)::int AS seq, (b.base_num + row_number() OVER w)::int AS num
  FROM fresh f JOIN bumped b ON b.id = f.chat_id
  WINDOW w AS (PARTITION BY f.chat_id ORDER BY f.ord)
),
inserted AS (
  INSERT INTO messages (id, chat_id, seq, num, sender_id, content, media_url, media_type, media_id, reply_to_id,
                        client_message_id, created_at)
  SELECT id, chat_id, seq, num, sender_id, content, media_url, media_type::media_type, media_id, reply_to_id,
         client_message_id, created_at
  FROM numbered
  RETURNING id, seq, chat_id
),
-- Direct messages to someone who blocks their sender: stored, and hidden from them as they are written.
hidden AS MATERIALIZED (
  SELECT n.chat_id, n.receiver_id AS user_id, n.seq, n.id FROM numbered n JOIN inserted i ON i.id = n.id
  WHERE n.receiver_id IS NOT NULL
    AND EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = n.receiver_id AND b.blocked_id = n.sender_id)
),
hides AS (
  INSERT INTO message_hides (user_id, chat_id, message_seq, message_id)
  SELECT user_id, chat_id, seq, id FROM hidden
),
own AS (
  SELECT chat_id, sender_id, max(seq) AS max_seq, max(num) AS max_num FROM numbered GROUP BY chat_id, sender_id
),
-- One update per membership row (two updates of one row in a statement would not see each other): a
-- sender's read mark moves to their own newest message; a blocker's unread leaves out what was hidden.
marks AS (
  SELECT chat_id, sender_id AS user_id, max_seq, max_num, 0 AS hid FROM own
  UNION ALL
  SELECT chat_id, user_id, NULL, NULL, count(*)::int FROM hidden GROUP BY chat_id, user_id
),
read_marks AS (
  UPDATE chat_members cm SET
    last_read_seq = COALESCE(k.max_seq, cm.last_read_seq), last_read_num = COALESCE(k.max_num, cm.last_read_num),
    unread_removed = CASE WHEN k.max_seq IS NULL THEN cm.unread_removed + k.hid ELSE (
      SELECT count(*)::int FROM hidden h WHERE h.chat_id = k.chat_id AND h.user_id = k.user_id AND h.seq > k.max_seq)
    END,
    has_sent = cm.has_sent OR k.max_seq IS NOT NULL
  FROM (SELECT chat_id, user_id, max(max_seq) AS max_seq, max(max_num) AS max_num, sum(hid)::int AS hid
        FROM marks GROUP BY chat_id, user_id) k
  WHERE cm.chat_id = k.chat_id AND cm.user_id = k.user_id
),
-- Read in the statement's snapshot, so before read_marks: senders writing in a chat for the first time.
first_words AS (
  SELECT own.chat_id, own.max_seq FROM own
  JOIN chat_members cm ON cm.chat_id = own.chat_id AND cm.user_id = own.sender_id
  WHERE NOT cm.has_sent
)
SELECT i.id, i.seq, NULL::int AS ord, NULL::uuid AS "chatId", NULL::uuid AS "senderId", NULL::text AS content,
       NULL::text AS "mediaUrl", NULL::text AS "mediaType", NULL::uuid AS "mediaId", NULL::uuid AS "replyToId",
       NULL::text AS "clientMessageId", NULL::timestamptz AS "createdAt", false AS duplicate,
       EXISTS (SELECT FROM first_words f WHERE f.chat_id = i.chat_id AND f.max_seq = i.seq) AS "firstWords",
       b.state_seq AS "stateSeq", EXISTS (SELECT FROM hidden h WHERE h.id = i.id) AS "hiddenFromReceiver"
FROM inserted i JOIN bumped b ON b.id = i.chat_id
UNION ALL
SELECT e.id, e.seq, e.ord, e.chat_id, e.sender_id, e.content, e.media_url, e.media_type::text, e.media_id,
       e.reply_to_id, e.client_message_id, e.created_at, true, false, 0, false
FROM existing e`;

/** The parameters of INSERT_BATCH_SQL for a batch: one array per column, then each row's position. */
export function insertBatchParams(batch: NewMessage[]): unknown[] {
  return [
    batch.map((m) => m.id),
    batch.map((m) => m.chatId),
    batch.map((m) => m.senderId),
    batch.map((m) => m.content),
    batch.map((m) => m.mediaUrl),
    batch.map((m) => m.mediaType),
    batch.map((m) => m.clientMessageId),
    batch.map((m) => m.createdAt.toISOString()),
    batch.map((_, ord) => ord),
    batch.map((m) => m.mediaId),
    batch.map((m) => m.replyToId),
    batch.map((m) => m.receiverId),
  ];
}

/** A row of INSERT_BATCH_SQL: (id, seq) of a new message, or the whole stored original of a retry. */
type BatchRow =
  | {
      id: string;
      seq: number;
      duplicate: false;
      firstWords: boolean;
      stateSeq: number;
      hiddenFromReceiver: boolean;
    }
  | (Omit<WrittenMessage, 'createdAt'> & {
      createdAt: string | Date;
      duplicate: true;
    });

/**
 * The chat log's writes: new messages, and changes to messages, each numbered with its chat's next seq
 * under the chat row's lock. Only the message writer calls it, on its own connection.
 */
/** What a change does to a message: edit its text, delete it for everyone, hide it for oneself, or react. */
export type ChangeOp = 'edit' | 'delete' | 'hide' | 'react' | 'unreact';

export interface NewChange {
  op: ChangeOp;
  messageId: string;
  actorId: string;
  /** The new text of an edit. */
  content: string | null;
  /** The emoji of a reaction. */
  emoji: string | null;
  at: Date;
  /** Edits and deletes for everyone: messages created before this are past the edit window (null: none). */
  editableSince: Date | null;
}

/**
 * `ok`: applied, with a seq. `unchanged`: already so (a second delete, a reaction already there), nothing
 * written. The rest refuse: `not_found` (no such message in a chat of the actor's), `deleted`, `forbidden`
 * (not the author), `expired` (edit window), `empty` (empty text on a message without media), `limit`
 * (reaction limits), `system` (a group's system message, which nobody changes).
 */
export type ChangeOutcome =
  | 'ok'
  | 'unchanged'
  | 'not_found'
  | 'deleted'
  | 'forbidden'
  | 'expired'
  | 'empty'
  | 'limit'
  | 'system';

export interface AppliedChange {
  outcome: ChangeOutcome;
  chatId: string | null;
  /** The change's seq in its chat, when it was applied. */
  seq: number | null;
  messageSeq: number | null;
  senderId: string | null;
  /** Reactions: the emoji's count on the message after the change (or as it stands, when unchanged). */
  count: number | null;
  /** Deletes for everyone: the upload the message carried, which may now be unused. */
  mediaId: string | null;
  /** The chat's state_seq when the change was numbered: the version of the member list it goes to. */
  stateSeq: number | null;
  /** Members not to tell of the change (in a direct chat, a member who blocks its actor). */
  mutedFor: string[];
}

export const REACTION_LIMITS = { perUser: 3, distinctEmoji: 20 } as const;

/**
 * One statement per batch of changes, each to a different message (the writer sees to that: two changes
 * to one row in one statement would not see each other). Each change is judged against the message as it
 * stands: where another instance may write, it runs after LOCK_CHATS_OF_MESSAGES_SQL in one transaction,
 * so nobody else writes to its chats meanwhile (a trigger checks the reaction limits again, whoever
 * writes). Those that apply take their chat's next seqs in batch order, change the message, and are
 * logged in chat_events:
 * - edit: new content and edited_at;
 * - delete: a tombstone (no content, media, reply link or reactions; deleted_at), whose earlier edits are scrubbed from
 *   the log; every member who had not read it (nor hidden it) has one unread message fewer;
 * - hide: a row in message_hides; if the hider had not read it, one unread fewer;
 * - react / unreact: a reaction row added or removed, with the emoji's count after it.
 */
export const CHANGES_SQL = `
WITH input AS (
  SELECT * FROM unnest($1::int[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::timestamptz[],
                       $8::timestamptz[])
    AS t(ord, op, message_id, actor_id, content, emoji, at, editable_since)
),
target AS MATERIALIZED (
  SELECT i.*, m.chat_id, m.message_seq, m.sender_id, m.message_created_at, m.message_deleted_at,
         m.message_media_url, m.message_media_id, m.message_kind, mem.member IS NOT NULL AS member, mem.floor,
         mem.direct, hid.hidden IS NOT NULL AS hidden,
         rx.emoji_count, rx.reacted, rx.own_reactions, rx.distinct_emoji
  FROM input i
  LEFT JOIN LATERAL (
    SELECT chat_id, seq AS message_seq, sender_id, created_at AS message_created_at,
           deleted_at AS message_deleted_at, media_url AS message_media_url, media_id AS message_media_id,
           kind AS message_kind
    FROM messages WHERE id = i.message_id LIMIT 1
  ) m ON true
  -- A current member, who may see the message (in a since_join group: one from after they joined).
  LEFT JOIN LATERAL (
    SELECT true AS member, c.type = 'DIRECT' AS direct,
           CASE WHEN c.type = 'GROUP' AND c.history_visibility = 'since_join' THEN cm.joined_seq ELSE 0 END AS floor
    FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
    WHERE cm.chat_id = m.chat_id AND cm.user_id = i.actor_id AND cm.left_seq IS NULL LIMIT 1
  ) mem ON true
  LEFT JOIN LATERAL (
    SELECT true AS hidden FROM message_hides h
    WHERE h.user_id = i.actor_id AND h.chat_id = m.chat_id AND h.message_seq = m.message_seq LIMIT 1
  ) hid ON true
  LEFT JOIN LATERAL (
    SELECT count(*) FILTER (WHERE r.emoji = i.emoji)::int AS emoji_count,
           coalesce(bool_or(r.user_id = i.actor_id AND r.emoji = i.emoji), false) AS reacted,
           count(*) FILTER (WHERE r.user_id = i.actor_id)::int AS own_reactions,
           count(DISTINCT r.emoji)::int AS distinct_emoji
    FROM message_reactions r
    WHERE r.chat_id = m.chat_id AND r.message_id = i.message_id AND i.op IN ('react', 'unreact')
  ) rx ON true
),
judged AS (
  SELECT t.*, CASE
    WHEN t.chat_id IS NULL OR NOT t.member OR t.message_seq < t.floor THEN 'not_found'
    WHEN t.message_kind = 'system' THEN 'system'
    WHEN t.op = 'hide' THEN CASE WHEN t.hidden THEN 'unchanged' ELSE 'ok' END
    WHEN t.message_deleted_at IS NOT NULL THEN CASE WHEN t.op = 'delete' THEN 'unchanged' ELSE 'deleted' END
    WHEN t.op IN ('edit', 'delete') AND t.sender_id <> t.actor_id THEN 'forbidden'
    WHEN t.op IN ('edit', 'delete') AND t.message_created_at < t.editable_since THEN 'expired'
    WHEN t.op = 'edit' AND t.content = '' AND t.message_media_url IS NULL THEN 'empty'
    WHEN t.op = 'react' AND t.reacted THEN 'unchanged'
    WHEN t.op = 'react' AND (t.own_reactions >= $9 OR (t.distinct_emoji >= $10 AND t.emoji_count = 0)) THEN 'limit'
    WHEN t.op = 'unreact' AND NOT t.reacted THEN 'unchanged'
    ELSE 'ok' END AS outcome
  FROM target t
),
accepted AS (
  SELECT * FROM judged WHERE outcome = 'ok'
),
counts AS (
  SELECT chat_id, count(*)::int AS n FROM accepted GROUP BY chat_id
),
bumped AS (
  UPDATE chats c SET last_seq = c.last_seq + counts.n
  FROM counts WHERE c.id = counts.chat_id
  RETURNING c.id, c.last_seq - counts.n AS base, c.state_seq
),
numbered AS (
  SELECT a.*, (b.base + row_number() OVER (PARTITION BY a.chat_id ORDER BY a.ord))::int AS seq, b.state_seq,
         CASE a.op WHEN 'react' THEN a.emoji_count + 1 WHEN 'unreact' THEN a.emoji_count - 1 END AS new_count
  FROM accepted a JOIN bumped b ON b.id = a.chat_id
),
edited AS (
  UPDATE messages m SET content = n.content, edited_at = n.at
  FROM numbered n WHERE n.op = 'edit' AND m.chat_id = n.chat_id AND m.id = n.message_id
),
deleted AS (
  UPDATE messages m SET content = '', media_url = NULL, media_type = NULL, media_id = NULL, reply_to_id = NULL,
                        deleted_at = n.at
  FROM numbered n WHERE n.op = 'delete' AND m.chat_id = n.chat_id AND m.id = n.message_id
),
scrubbed AS (
  UPDATE chat_events e SET data = '{}'::jsonb
  FROM numbered n
  WHERE n.op = 'delete' AND e.chat_id = n.chat_id AND e.message_id = n.message_id AND e.kind = 'message_edited'
),
reactions_of_deleted AS (
  DELETE FROM message_reactions r USING numbered n
  WHERE n.op = 'delete' AND r.chat_id = n.chat_id AND r.message_id = n.message_id
),
reacted AS (
  INSERT INTO message_reactions (chat_id, message_id, user_id, emoji, created_at)
  SELECT chat_id, message_id, actor_id, emoji, at FROM numbered WHERE op = 'react'
),
unreacted AS (
  DELETE FROM message_reactions r USING numbered n
  WHERE n.op = 'unreact' AND r.chat_id = n.chat_id AND r.message_id = n.message_id AND r.user_id = n.actor_id
    AND r.emoji = n.emoji
),
hid AS (
  INSERT INTO message_hides (user_id, chat_id, message_seq, message_id, created_at)
  SELECT actor_id, chat_id, message_seq, message_id, at FROM numbered WHERE op = 'hide'
),
logged AS (
  INSERT INTO chat_events (chat_id, seq, kind, message_id, actor_id, data, created_at)
  SELECT chat_id, seq,
         CASE op WHEN 'edit' THEN 'message_edited' WHEN 'delete' THEN 'message_deleted' WHEN 'hide' THEN 'message_hidden'
                 WHEN 'react' THEN 'reaction_added' ELSE 'reaction_removed' END,
         message_id, actor_id,
         CASE WHEN op = 'edit' THEN jsonb_build_object('content', content)
              WHEN op IN ('react', 'unreact') THEN jsonb_build_object('emoji', emoji, 'count', new_count)
              ELSE '{}'::jsonb END,
         at
  FROM numbered
),
unread AS (
  UPDATE chat_members cm SET unread_removed = cm.unread_removed + d.n
  FROM (
    SELECT chat_id, user_id, count(*)::int AS n FROM (
      SELECT o.chat_id, o.user_id FROM numbered n
      JOIN chat_members o ON o.chat_id = n.chat_id AND o.user_id <> n.sender_id AND o.last_read_seq < n.message_seq
      WHERE n.op = 'delete' AND NOT EXISTS (
        SELECT FROM message_hides h WHERE h.user_id = o.user_id AND h.chat_id = n.chat_id AND h.message_seq = n.message_seq)
      UNION ALL
      SELECT n.chat_id, n.actor_id FROM numbered n
      JOIN chat_members me ON me.chat_id = n.chat_id AND me.user_id = n.actor_id AND me.last_read_seq < n.message_seq
      WHERE n.op = 'hide' AND n.sender_id <> n.actor_id AND n.message_deleted_at IS NULL
    ) removed GROUP BY chat_id, user_id
  ) d
  WHERE cm.chat_id = d.chat_id AND cm.user_id = d.user_id
)
SELECT j.ord, j.outcome, j.chat_id AS "chatId", n.seq, j.message_seq AS "messageSeq", j.sender_id AS "senderId",
       CASE WHEN j.op IN ('react', 'unreact') THEN COALESCE(n.new_count, j.emoji_count) END AS count,
       j.message_media_id AS "mediaId", n.state_seq AS "stateSeq",
       -- In a direct chat, the other member if they block the actor: the change is not theirs to hear of.
       CASE WHEN n.ord IS NOT NULL AND j.direct THEN ARRAY(
         SELECT b.blocker_id FROM user_blocks b
         JOIN chat_members o ON o.chat_id = j.chat_id AND o.user_id = b.blocker_id
         WHERE b.blocked_id = j.actor_id) ELSE '{}'::uuid[] END AS "mutedFor"
FROM judged j LEFT JOIN numbered n ON n.ord = j.ord
ORDER BY j.ord`;

/**
 * The row lock CHANGES_SQL's own update of the chats would take (a message's chat never changes), taken
 * before it: see ChatLogRepository.applyWith. In id order, so two instances' change batches never deadlock.
 * Each message is found by index behind LATERAL ... LIMIT 1, for the planner (see INSERT_BATCH_SQL).
 */
export const LOCK_CHATS_OF_MESSAGES_SQL = `
WITH target AS (
  SELECT DISTINCT m.chat_id FROM unnest($1::uuid[]) AS i(id)
  CROSS JOIN LATERAL (SELECT chat_id FROM messages WHERE id = i.id LIMIT 1) m
)
SELECT FROM chats c JOIN target t ON c.id = t.chat_id ORDER BY c.id FOR NO KEY UPDATE OF c`;

/** The parameters of CHANGES_SQL for a batch: one array per field, each change's position, the limits. */
export function changesParams(batch: NewChange[]): unknown[] {
  return [
    batch.map((_, ord) => ord),
    batch.map((c) => c.op),
    batch.map((c) => c.messageId),
    batch.map((c) => c.actorId),
    batch.map((c) => c.content),
    batch.map((c) => c.emoji),
    batch.map((c) => c.at.toISOString()),
    batch.map((c) => c.editableSince?.toISOString() ?? null),
    REACTION_LIMITS.perUser,
    REACTION_LIMITS.distinctEmoji,
  ];
}

@Injectable()
export class ChatLogRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Writes a batch: its new messages, then its changes (each to a different message), committed together.
   * Within a batch a chat's new messages take their seqs before its changes: a change never concerns a
   * message of its own batch (a client learns a message's id from its ack, after the commit).
   */
  async write(
    sends: NewMessage[],
    changes: NewChange[],
  ): Promise<{ written: WrittenMessage[]; applied: AppliedChange[] }> {
    if (changes.length === 0) return { written: await this.insertBatch(sends), applied: [] };
    if (sends.length === 0) return { written: [], applied: await this.applyChanges(changes) };
    return this.database.writerTransaction(async (query) => ({
      written: await this.insertWith(query, sends),
      applied: await this.applyWith(query, changes),
    }));
  }

  insertBatch(batch: NewMessage[]): Promise<WrittenMessage[]> {
    return this.insertWith(this.database.writerQuery, batch);
  }

  private async insertWith(query: QueryFn, batch: NewMessage[]): Promise<WrittenMessage[]> {
    const rows = await query<BatchRow>(INSERT_BATCH_SQL, insertBatchParams(batch), 'chat_insert_batch');
    const ordOf = new Map(batch.map((m, ord) => [m.id, ord]));
    return rows.map((row) => {
      if (row.duplicate) return { ...row, createdAt: new Date(row.createdAt) };
      const ord = ordOf.get(row.id)!;
      const m = batch[ord]!;
      // A literal, not a spread: this runs for every message sent.
      return {
        id: m.id,
        chatId: m.chatId,
        seq: row.seq,
        senderId: m.senderId,
        content: m.content,
        mediaUrl: m.mediaUrl,
        mediaType: m.mediaType,
        mediaId: m.mediaId,
        replyToId: m.replyToId,
        clientMessageId: m.clientMessageId,
        createdAt: m.createdAt,
        ord,
        duplicate: false,
        firstWords: row.firstWords,
        stateSeq: row.stateSeq,
        hiddenFromReceiver: row.hiddenFromReceiver,
      };
    });
  }

  /** Applies a batch of changes, each to a different message; results in batch order. */
  applyChanges(batch: NewChange[]): Promise<AppliedChange[]> {
    if (this.database.soleWriter) return this.applyWith(this.database.writerQuery, batch);
    return this.database.writerTransaction((query) => this.applyWith(query, batch));
  }

  /**
   * Where another instance may write too, takes the chats' row locks first, in id order, and only then
   * judges the changes, in a statement of its own: under READ COMMITTED its snapshot is taken once the
   * locks are held, so it sees every change committed to those chats before it. Judged in the snapshot of
   * a statement that then waited for the lock, an edit would write text onto a message deleted meanwhile,
   * and a reaction report a stale count.
   */
  private async applyWith(query: QueryFn, batch: NewChange[]): Promise<AppliedChange[]> {
    if (!this.database.soleWriter) {
      await query(LOCK_CHATS_OF_MESSAGES_SQL, [batch.map((c) => c.messageId)], 'chat_lock_for_changes');
    }
    return query<AppliedChange>(CHANGES_SQL, changesParams(batch), 'chat_apply_changes');
  }

  /**
   * Changes logged in the user's chats by transactions visible in `to` and not in `from` (each chat's
   * after its bound, see SyncRepository.seenBounds), in (chat, seq) order after `after`. A message hidden
   * for oneself is the hider's own change: nobody else's sync has it. Changes to messages the user may not
   * see (before they joined a since_join group) are left out, and so, in a direct chat, are the changes of
   * someone the user blocks. Each chat is walked on its own, as in MessagesRepository.committedBetween.
   */
  async changesCommittedBetween(
    userId: string,
    bounds: SeenBounds,
    to: string,
    after: { chatId: string; seq: number },
    limit: number,
  ): Promise<ChatChange[]> {
    const rows = await this.database.query<ChangeRow>(
      `SELECT e.chat_id AS "chatId", e.seq, e.kind, e.message_id AS "messageId", e.actor_id AS "actorId", e.data,
              e.created_at AS "at"
       FROM ${BOUNDS_RELATION}
       CROSS JOIN LATERAL (
         SELECT e.* FROM chat_events e
         WHERE e.chat_id = b.chat_id AND e.seq > b.seen AND b.ceiling = ${OPEN_CEILING}
           AND pg_visible_in_snapshot(e.txid, $7::pg_snapshot) AND (e.chat_id, e.seq) > ($8::uuid, $9::int)
           AND (e.kind <> 'message_hidden' OR e.actor_id = $1)
           AND (b.floor = 0 OR EXISTS (
             SELECT FROM messages m WHERE m.chat_id = e.chat_id AND m.id = e.message_id AND m.seq >= b.floor))
           AND NOT (b.direct AND e.actor_id <> $1
                    AND EXISTS (SELECT FROM user_blocks x WHERE x.blocker_id = $1 AND x.blocked_id = e.actor_id))
         ORDER BY e.seq
         LIMIT $10
       ) e
       ORDER BY e.chat_id, e.seq
       LIMIT $10`,
      [userId, ...boundsParams(bounds), to, after.chatId, after.seq, limit],
    );
    return rows.map(toChatChange);
  }
}

interface ChangeRow {
  chatId: string;
  seq: number;
  kind: 'message_edited' | 'message_deleted' | 'message_hidden' | 'reaction_added' | 'reaction_removed';
  messageId: string;
  actorId: string;
  data: { content?: string; emoji?: string; count?: number };
  at: Date | string;
}

function toChatChange(row: ChangeRow): ChatChange {
  const at = new Date(row.at).toISOString();
  const base = { chatId: row.chatId, messageId: row.messageId, seq: row.seq };
  switch (row.kind) {
    case 'message_edited':
      // A message deleted since keeps no text in its log.
      return { type: 'message_edited', ...base, content: row.data.content ?? '', editedAt: at };
    case 'message_deleted':
    case 'message_hidden':
      return {
        type: 'message_deleted',
        ...base,
        scope: row.kind === 'message_deleted' ? 'everyone' : 'me',
        deletedAt: at,
      };
    default:
      return {
        type: 'reaction_updated',
        ...base,
        emoji: row.data.emoji!,
        userId: row.actorId,
        op: row.kind === 'reaction_added' ? 'add' : 'remove',
        count: row.data.count!,
      };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { PublicUser } from '../users/user.types.js';
import type { StoredMessage } from './message.types.js';

/** A message to be written: everything but its seq, which the batch statement assigns. */
export type NewMessage = Omit<StoredMessage, 'seq'>;

export interface WrittenMessage extends StoredMessage {
  ord: number;
  /** True when the sender's clientMessageId was already stored: this is the original, not a new row. */
  duplicate: boolean;
  /** The sender's first message in the chat: from now on its other members may see the sender's presence. */
  firstWords: boolean;
}

export interface MessageWithSender extends StoredMessage {
  sender: PublicUser;
}

export interface Mark {
  seq: number;
  changed: boolean;
  unreadCount: number;
  messageId: string | null;
}

export interface ChatRow {
  id: string;
  type: 'DIRECT' | 'GROUP';
  lastSeq: number;
  lastReadSeq: number;
  unreadCount: number;
  peerReadSeq: number;
  peerDeliveredSeq: number;
  updatedAt: Date;
  /** updated_at in PostgreSQL's own text form: keeps the microseconds a Date would drop. */
  cursorTime: string;
  peerId: string;
  peerName: string;
  peerAvatar: string | null;
  lastMessage: MessageWithSender | null;
}

export const MESSAGE_COLUMNS = `m.id, m.chat_id AS "chatId", m.seq, m.sender_id AS "senderId", m.content,
  m.media_url AS "mediaUrl", m.media_type::text AS "mediaType", m.media_id AS "mediaId", m.reply_to_id AS "replyToId",
  m.client_message_id AS "clientMessageId",
  m.created_at AS "createdAt", s.name AS "senderName", s.avatar_url AS "senderAvatar"`;

export type MessageRow = StoredMessage & { senderName: string; senderAvatar: string | null };

/**
 * Media types travel as text[] (PGlite cannot encode an enum-array parameter) and are cast on insert.
 * One statement per batch: skip what the sender already stored under the same clientMessageId, bump
 * each chat's last_seq once by its count (the row lock orders concurrent writers), number the batch's
 * messages from there, insert them, and move each sender's read mark to their own newest message.
 * The chat row's lock, held until commit, also makes seq order commit order within a chat: sync relies on
 * it, so any other writer of messages must number under that lock too.
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
                       $7::text[], $8::timestamptz[], $9::int[], $10::uuid[], $11::uuid[])
    AS t(id, chat_id, sender_id, content, media_url, media_type, client_message_id, created_at, ord, media_id,
         reply_to_id)
),
existing AS MATERIALIZED (
  SELECT i.ord, m.* FROM input i
  CROSS JOIN LATERAL (
    SELECT * FROM messages m
    WHERE m.sender_id = i.sender_id AND m.client_message_id = i.client_message_id LIMIT 1
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
  RETURNING c.id, c.last_seq - counts.n AS base, c.message_count - counts.n AS base_num
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
  ON CONFLICT (sender_id, client_message_id) DO NOTHING
  RETURNING id, seq, chat_id
),
own AS (
  SELECT chat_id, sender_id, max(seq) AS max_seq, max(num) AS max_num FROM numbered GROUP BY chat_id, sender_id
),
read_marks AS (
  UPDATE chat_members cm SET last_read_seq = own.max_seq, last_read_num = own.max_num, unread_removed = 0,
                             has_sent = true
  FROM own WHERE cm.chat_id = own.chat_id AND cm.user_id = own.sender_id
),
-- Read in the statement's snapshot, so before read_marks: senders writing in a chat for the first time.
first_words AS (
  SELECT own.chat_id, own.max_seq FROM own
  JOIN chat_members cm ON cm.chat_id = own.chat_id AND cm.user_id = own.sender_id
  WHERE NOT cm.has_sent
)
SELECT id, seq, NULL::int AS ord, NULL::uuid AS "chatId", NULL::uuid AS "senderId", NULL::text AS content,
       NULL::text AS "mediaUrl", NULL::text AS "mediaType", NULL::uuid AS "mediaId", NULL::uuid AS "replyToId",
       NULL::text AS "clientMessageId", NULL::timestamptz AS "createdAt", false AS duplicate,
       EXISTS (SELECT FROM first_words f WHERE f.chat_id = i.chat_id AND f.max_seq = i.seq) AS "firstWords"
FROM inserted i
UNION ALL
SELECT e.id, e.seq, e.ord, e.chat_id, e.sender_id, e.content, e.media_url, e.media_type::text, e.media_id,
       e.reply_to_id, e.client_message_id, e.created_at, true, false
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
  ];
}

/** A row of INSERT_BATCH_SQL: (id, seq) of a new message, or the whole stored original of a retry. */
type BatchRow =
  | { id: string; seq: number; duplicate: false; firstWords: boolean }
  | (Omit<WrittenMessage, 'createdAt'> & {
      createdAt: string | Date;
      duplicate: true;
    });

@Injectable()
export class ChatRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * The direct chat of a pair, created with both memberships if it does not exist yet. The unique
   * direct_key makes concurrent first messages converge on one chat. An unknown member id fails the
   * foreign key and nothing is written.
   */
  async getOrCreateDirect(
    newId: string,
    directKey: string,
    memberIds: string[],
  ): Promise<{ id: string; created: boolean }> {
    const [row] = await this.database.query<{ id: string; created: boolean }>(
      `WITH chat AS (
         INSERT INTO chats (id, type, direct_key) VALUES ($1, 'DIRECT', $2)
         ON CONFLICT (direct_key) DO UPDATE SET direct_key = EXCLUDED.direct_key
         RETURNING id, (xmax = 0) AS created
       ), members AS (
         INSERT INTO chat_members (chat_id, user_id)
         SELECT chat.id, member FROM chat, unnest($3::uuid[]) AS member
         ON CONFLICT DO NOTHING
       )
       SELECT id, created FROM chat`,
      [newId, directKey, memberIds],
    );
    return row!;
  }

  async insertBatch(batch: NewMessage[]): Promise<WrittenMessage[]> {
    const rows = await this.database.writerQuery<BatchRow>(
      INSERT_BATCH_SQL,
      insertBatchParams(batch),
      'chat_insert_batch',
    );
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
      };
    });
  }

  async isMember(chatId: string, userId: string): Promise<boolean> {
    const rows = await this.database.query(`SELECT 1 FROM chat_members WHERE chat_id = $1 AND user_id = $2`, [
      chatId,
      userId,
    ]);
    return rows.length > 0;
  }

  async memberIds(chatId: string): Promise<string[]> {
    const rows = await this.database.query<{ userId: string }>(
      `SELECT user_id AS "userId" FROM chat_members WHERE chat_id = $1`,
      [chatId],
    );
    return rows.map((r) => r.userId);
  }

  /** The caller's chats, most recently active first, keyset-paged on (updated_at, id). */
  async listChats(userId: string, limit: number, before?: { time: string; id: string }): Promise<ChatRow[]> {
    return this.chatRows(
      `me.user_id = $1 ${before ? 'AND (c.updated_at, c.id) < ($3::timestamptz, $4::uuid)' : ''}`,
      before ? [userId, limit, before.time, before.id] : [userId, limit],
    );
  }

  async getChat(userId: string, chatId: string): Promise<ChatRow | undefined> {
    const [row] = await this.chatRows('me.user_id = $1 AND c.id = $3', [userId, 1, chatId]);
    return row;
  }

  // The peer of a chat with oneself is oneself. last_seq - last_read_seq is the unread count: a sender's
  // read mark moves past their own messages as they send them, so no COUNT over history is needed.
  private async chatRows(where: string, params: unknown[]): Promise<ChatRow[]> {
    const rows = await this.database.query<
      Omit<ChatRow, 'lastMessage'> & {
        lastMessage: (Omit<MessageRow, 'createdAt'> & { createdAt: string }) | null;
      }
    >(
      `SELECT c.id, c.type::text AS type, c.last_seq AS "lastSeq", me.last_read_seq AS "lastReadSeq",
              c.message_count - me.last_read_num - me.unread_removed AS "unreadCount",
              COALESCE(peer.last_read_seq, me.last_read_seq) AS "peerReadSeq",
              COALESCE(peer.last_delivered_seq, me.last_delivered_seq) AS "peerDeliveredSeq",
              c.updated_at AS "updatedAt", c.updated_at::text AS "cursorTime",
              COALESCE(peer.id, self.id) AS "peerId", COALESCE(peer.name, self.name) AS "peerName",
              CASE WHEN peer.id IS NULL THEN self.avatar_url ELSE peer.avatar_url END AS "peerAvatar",
              CASE WHEN m.id IS NULL THEN NULL ELSE json_build_object(
                'id', m.id, 'chatId', m.chat_id, 'seq', m.seq, 'senderId', m.sender_id, 'content', m.content,
                'mediaUrl', m.media_url, 'mediaType', m.media_type, 'mediaId', m.media_id,
                'replyToId', m.reply_to_id,
                'clientMessageId', m.client_message_id,
                'createdAt', m.created_at, 'senderName', s.name, 'senderAvatar', s.avatar_url) END AS "lastMessage"
       FROM chat_members me
       JOIN chats c ON c.id = me.chat_id
       JOIN users self ON self.id = me.user_id
       LEFT JOIN LATERAL (
         SELECT u.id, u.name, u.avatar_url, o.last_read_seq, o.last_delivered_seq
         FROM chat_members o JOIN users u ON u.id = o.user_id
         WHERE o.chat_id = c.id AND o.user_id <> me.user_id LIMIT 1
       ) peer ON true
       LEFT JOIN messages m ON m.chat_id = c.id AND m.seq = c.last_message_seq
       LEFT JOIN users s ON s.id = m.sender_id
       WHERE ${where}
       ORDER BY c.updated_at DESC, c.id DESC
       LIMIT $2`,
      params,
    );
    return rows.map((r) => ({
      ...r,
      updatedAt: new Date(r.updatedAt),
      lastMessage: r.lastMessage
        ? withSender({ ...r.lastMessage, createdAt: new Date(r.lastMessage.createdAt) })
        : null,
    }));
  }

  /** Newest first, below `beforeSeq` when given. */
  async messagesBefore(
    chatId: string,
    beforeSeq: number | undefined,
    limit: number,
  ): Promise<MessageWithSender[]> {
    const rows = await this.database.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users s ON s.id = m.sender_id
       WHERE m.chat_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3`,
      [chatId, beforeSeq ?? 2_147_483_647, limit],
    );
    return rows.map(withSender);
  }

  /** Oldest first, above `afterSeq`: gap fill. */
  async messagesAfter(chatId: string, afterSeq: number, limit: number): Promise<MessageWithSender[]> {
    const rows = await this.database.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users s ON s.id = m.sender_id
       WHERE m.chat_id = $1 AND m.seq > $2 ORDER BY m.seq ASC LIMIT $3`,
      [chatId, afterSeq, limit],
    );
    return rows.map(withSender);
  }

  async findMessage(
    chatId: string,
    messageId: string,
  ): Promise<{ seq: number; num: number; senderId: string } | undefined> {
    const [row] = await this.database.query<{ seq: number; num: number; senderId: string }>(
      `SELECT seq, num, sender_id AS "senderId" FROM messages WHERE chat_id = $1 AND id = $2`,
      [chatId, messageId],
    );
    return row;
  }

  /**
   * Moves a member's read (and with it delivered) mark forward to the message at `seq` (number `num`),
   * never back. What stays unread after it is the messages after it, less those deleted for everyone or
   * hidden by this member: counted here, over the unread messages only. Returns the mark as it now
   * stands, the id of the message it points at, whether this call moved it, and the unread count.
   */
  markRead(chatId: string, userId: string, seq: number, num: number): Promise<Mark | undefined> {
    return this.moveMark(
      chatId,
      userId,
      seq,
      'last_read_seq',
      `last_read_seq = $3, last_read_num = $4, last_delivered_seq = GREATEST(last_delivered_seq, $3),
       unread_removed = (
         SELECT count(*)::int FROM messages m
         WHERE m.chat_id = $1 AND m.seq > $3 AND m.sender_id <> $2 AND (m.deleted_at IS NOT NULL OR EXISTS (
           SELECT FROM message_hides h WHERE h.user_id = $2 AND h.chat_id = $1 AND h.message_seq = m.seq)))`,
      [num],
    );
  }

  /** Moves a member's delivered mark forward to `seq`, never back. */
  markDelivered(chatId: string, userId: string, seq: number): Promise<Mark | undefined> {
    return this.moveMark(chatId, userId, seq, 'last_delivered_seq', 'last_delivered_seq = $3', []);
  }

  private async moveMark(
    chatId: string,
    userId: string,
    seq: number,
    column: 'last_read_seq' | 'last_delivered_seq',
    assignment: string,
    extra: unknown[],
  ): Promise<Mark | undefined> {
    // The outer SELECT sees the row as it was before the CTE's update: COALESCE picks the new values.
    const [row] = await this.database.query<Mark>(
      `WITH moved AS (
         UPDATE chat_members SET ${assignment}
         WHERE chat_id = $1 AND user_id = $2 AND ${column} < $3
         RETURNING ${column} AS mark, last_read_num, unread_removed
       ), mark AS (
         SELECT COALESCE((SELECT mark FROM moved), cm.${column}) AS seq, EXISTS (SELECT 1 FROM moved) AS changed,
                c.message_count - COALESCE((SELECT last_read_num FROM moved), cm.last_read_num)
                  - COALESCE((SELECT unread_removed FROM moved), cm.unread_removed) AS unread
         FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
         WHERE cm.chat_id = $1 AND cm.user_id = $2
       )
       SELECT mark.seq, mark.changed, mark.unread AS "unreadCount",
              (SELECT id FROM messages WHERE chat_id = $1 AND seq = mark.seq) AS "messageId"
       FROM mark`,
      [chatId, userId, seq, ...extra],
    );
    return row;
  }

  async findDirect(pairKey: string): Promise<string | undefined> {
    const [row] = await this.database.query<{ id: string }>(`SELECT id FROM chats WHERE direct_key = $1`, [
      pairKey,
    ]);
    return row?.id;
  }

  async findByClientIds(senderId: string, clientMessageIds: string[]): Promise<StoredMessage[]> {
    const rows = await this.database.writerQuery<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS} FROM messages m JOIN users s ON s.id = m.sender_id
       WHERE m.sender_id = $1 AND m.client_message_id = ANY($2::text[])`,
      [senderId, clientMessageIds],
    );
    return rows.map((r) => ({ ...r, createdAt: new Date(r.createdAt) }));
  }
}

export function withSender(row: MessageRow): MessageWithSender {
  const { senderName, senderAvatar, ...message } = row;
  return {
    ...message,
    createdAt: new Date(message.createdAt),
    sender: { id: message.senderId, name: senderName, avatar: senderAvatar },
  };
}

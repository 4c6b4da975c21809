import { Inject, Injectable } from '@nestjs/common';
import type { ChatRole, HistoryVisibility } from '../contract/views.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { Roster } from './chat-cache.js';

export interface Mark {
  seq: number;
  changed: boolean;
  unreadCount: number;
  messageId: string | null;
  /** Before this move: the newest seq pushed to the member and not yet read past (0: none). */
  pushedSeq: number;
}

export interface ChatRow {
  id: string;
  type: 'DIRECT' | 'GROUP';
  title: string | null;
  avatar: string | null;
  memberCount: number;
  role: ChatRole | null;
  historyVisibility: HistoryVisibility;
  lastSeq: number;
  lastReadSeq: number;
  unreadCount: number;
  peerReadSeq: number;
  peerDeliveredSeq: number;
  updatedAt: Date;
  /** updated_at in PostgreSQL's own text form: keeps the microseconds a Date would drop. */
  cursorTime: string;
  /** Direct chats only. */
  peerId: string | null;
  peerName: string | null;
  peerAvatar: string | null;
  /** The newest message the caller has not hidden. */
  lastMessageId: string | null;
  notifyLevel: 'all' | 'none';
  mutedUntil: Date | string | null;
}

/** Chats and their members: direct chats, chat lists, read and delivered marks. */
@Injectable()
export class ChatsRepository {
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
         INSERT INTO chats (id, type, direct_key, member_count) VALUES ($1, 'DIRECT', $2, cardinality($3::uuid[]))
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

  /** The chat's current members (oldest first) and its version; undefined when there is no such chat. */
  async roster(chatId: string): Promise<Roster | undefined> {
    const rows = await this.database.query<{
      type: 'DIRECT' | 'GROUP';
      version: number;
      userId: string | null;
      floor: number;
    }>(
      `SELECT c.type::text AS type, c.state_seq AS version, cm.user_id AS "userId",
              CASE WHEN c.type = 'GROUP' AND c.history_visibility = 'since_join' THEN cm.joined_seq ELSE 0 END AS floor
       FROM chats c LEFT JOIN chat_members cm ON cm.chat_id = c.id AND cm.left_seq IS NULL
       WHERE c.id = $1
       ORDER BY cm.joined_seq, cm.user_id`,
      [chatId],
    );
    const first = rows[0];
    if (!first) return undefined;
    const members = rows.flatMap((r) => (r.userId ? [[r.userId, r.floor] as const] : []));
    return {
      version: first.version,
      type: first.type,
      ids: members.map(([id]) => id),
      floors: new Map(members),
    };
  }

  /** The chat's version (state_seq), or undefined when there is no such chat. */
  async version(chatId: string): Promise<number | undefined> {
    const [row] = await this.database.query<{ version: number }>(
      `SELECT state_seq AS version FROM chats WHERE id = $1`,
      [chatId],
    );
    return row?.version;
  }

  /** The caller's chats, most recently active first, keyset-paged on (updated_at, id). */
  async listChats(
    userId: string,
    limit: number,
    receiptsMax: number,
    before?: { time: string; id: string },
  ): Promise<ChatRow[]> {
    return this.chatRows(
      `me.user_id = $1 ${before ? 'AND (c.updated_at, c.id) < ($4::timestamptz, $5::uuid)' : ''}`,
      before ? [userId, limit, receiptsMax, before.time, before.id] : [userId, limit, receiptsMax],
    );
  }

  async getChat(userId: string, chatId: string, receiptsMax: number): Promise<ChatRow | undefined> {
    const [row] = await this.chatRows('me.user_id = $1 AND c.id = $4', [userId, 1, receiptsMax, chatId]);
    return row;
  }

  // The peer of a chat with oneself is oneself. The unread count is O(1): message_count - last_read_num -
  // unread_removed (see chat_members in the schema). The last message is the newest the member has not
  // hidden: almost always the chat's newest, found through (chat_id, seq) without a scan. A group's marks
  // are those every other member has reached, in groups small enough to share receipts ($3), else 0; a
  // direct chat's go no further than the newest message the member may see (a peer they block moves their
  // own read mark with every hidden message they send).
  private async chatRows(where: string, params: unknown[]): Promise<ChatRow[]> {
    const rows = await this.database.query<Omit<ChatRow, 'updatedAt'> & { updatedAt: string | Date }>(
      `SELECT c.id, c.type::text AS type, c.title, c.avatar_url AS avatar, c.member_count AS "memberCount",
              me.role, c.history_visibility AS "historyVisibility",
              c.last_seq AS "lastSeq", me.last_read_seq AS "lastReadSeq",
              c.message_count - me.last_read_num - me.unread_removed AS "unreadCount",
              CASE WHEN c.type = 'DIRECT' THEN LEAST(COALESCE(peer.last_read_seq, me.last_read_seq), last.seq)
                   ELSE COALESCE(others.read_seq, 0) END AS "peerReadSeq",
              CASE WHEN c.type = 'DIRECT' THEN LEAST(COALESCE(peer.last_delivered_seq, me.last_delivered_seq), last.seq)
                   ELSE COALESCE(others.delivered_seq, 0) END AS "peerDeliveredSeq",
              c.updated_at AS "updatedAt", c.updated_at::text AS "cursorTime",
              CASE WHEN c.type = 'DIRECT' THEN COALESCE(peer.id, self.id) END AS "peerId",
              CASE WHEN c.type = 'DIRECT' THEN COALESCE(peer.name, self.name) END AS "peerName",
              CASE WHEN c.type <> 'DIRECT' THEN NULL WHEN peer.id IS NULL THEN self.avatar_url
                   ELSE peer.avatar_url END AS "peerAvatar",
              last.id AS "lastMessageId", me.notify_level AS "notifyLevel", me.muted_until AS "mutedUntil"
       FROM chat_members me
       JOIN chats c ON c.id = me.chat_id
       JOIN users self ON self.id = me.user_id
       LEFT JOIN LATERAL (
         SELECT u.id, u.name, u.avatar_url, o.last_read_seq, o.last_delivered_seq
         FROM chat_members o JOIN users u ON u.id = o.user_id
         WHERE c.type = 'DIRECT' AND o.chat_id = c.id AND o.user_id <> me.user_id LIMIT 1
       ) peer ON true
       LEFT JOIN LATERAL (
         SELECT min(o.last_read_seq) AS read_seq, min(o.last_delivered_seq) AS delivered_seq
         FROM chat_members o
         WHERE c.type = 'GROUP' AND c.member_count <= $3 AND o.chat_id = c.id AND o.user_id <> me.user_id
           AND o.left_seq IS NULL
       ) others ON true
       LEFT JOIN LATERAL (
         SELECT m.id, m.seq FROM messages m
         WHERE m.chat_id = c.id AND m.seq <= c.last_message_seq AND NOT EXISTS (
           SELECT FROM message_hides h WHERE h.user_id = me.user_id AND h.chat_id = m.chat_id AND h.message_seq = m.seq)
         ORDER BY m.seq DESC LIMIT 1
       ) last ON true
       WHERE me.left_seq IS NULL AND ${where}
         -- A direct chat with someone the member blocks, holding nothing the member may see, is not theirs
         -- to see: it exists only by the blocked person's hidden messages.
         AND NOT (c.type = 'DIRECT' AND last.id IS NULL AND peer.id IS NOT NULL
                  AND EXISTS (SELECT FROM user_blocks b WHERE b.blocker_id = me.user_id AND b.blocked_id = peer.id))
       ORDER BY c.updated_at DESC, c.id DESC
       LIMIT $2`,
      params,
    );
    return rows.map((r) => ({ ...r, updatedAt: new Date(r.updatedAt) }));
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
       pushed_seq = CASE WHEN pushed_seq <= $3 THEN 0 ELSE pushed_seq END,
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
                  - COALESCE((SELECT unread_removed FROM moved), cm.unread_removed) AS unread,
                cm.pushed_seq
         FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
         WHERE cm.chat_id = $1 AND cm.user_id = $2
       )
       SELECT mark.seq, mark.changed, mark.unread AS "unreadCount", mark.pushed_seq AS "pushedSeq",
              (SELECT id FROM messages WHERE chat_id = $1 AND seq = mark.seq) AS "messageId"
       FROM mark`,
      [chatId, userId, seq, ...extra],
    );
    return row;
  }

  /** A current member's push setting for the chat; undefined when they are not one. */
  async setNotifications(
    chatId: string,
    userId: string,
    level: 'all' | 'none',
    mutedUntil: Date | null,
  ): Promise<{ level: 'all' | 'none'; mutedUntil: Date | string | null } | undefined> {
    const [row] = await this.database.query<{ level: 'all' | 'none'; mutedUntil: Date | string | null }>(
      `UPDATE chat_members SET notify_level = $3, muted_until = $4
       WHERE chat_id = $1 AND user_id = $2 AND left_seq IS NULL
       RETURNING notify_level AS level, muted_until AS "mutedUntil"`,
      [chatId, userId, level, mutedUntil],
    );
    return row;
  }

  /**
   * Queues, on the notification outbox, a `read` push to each of the user's push subscriptions: their
   * devices close the chat's notifications up to `seq`.
   */
  async queueReadPushes(chatId: string, userId: string, seq: number, now: Date): Promise<void> {
    await this.database.query(
      `INSERT INTO outbox_retries (channel, target, id, chat_id, seq, payload, attempts, next_attempt_at)
       SELECT 'push', s.id::text, 'read_' || $1::text || '_' || $3::int, $1::uuid, $3::int,
              jsonb_build_object('type', 'read', 'id', 'read_' || $1::text || '_' || $3::int, 'chatId', $1::text,
                                 'seq', $3::int),
              0, $4
       FROM push_subscriptions s WHERE s.user_id = $2
       ON CONFLICT DO NOTHING`,
      [chatId, userId, seq, now],
    );
  }

  async findDirect(pairKey: string): Promise<string | undefined> {
    const [row] = await this.database.query<{ id: string }>(`SELECT id FROM chats WHERE direct_key = $1`, [
      pairKey,
    ]);
    return row?.id;
  }
}

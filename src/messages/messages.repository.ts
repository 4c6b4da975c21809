import { Inject, Injectable } from '@nestjs/common';
import type {
  MediaType,
  MessageView,
  ReactionSummary,
  ReplyPreview,
  SystemEvent,
} from '../contract/views.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { BOUNDS_RELATION, boundsParams, OPEN_CEILING, type SeenBounds } from './sync.repository.js';

/** The first characters of the answered message that a reply shows: read from it, never copied. */
const PREVIEW_CHARS = 100;

/**
 * A message's view as `viewer` (an SQL expression) sees it: its current state, its sender, the message it
 * answers, and its reactions with the viewer's own marked.
 */
const viewColumns = (viewer: string) => `m.id, m.chat_id AS "chatId", m.seq, m.content,
  m.media_url AS "mediaUrl", m.media_type::text AS "mediaType", m.client_message_id AS "clientMessageId",
  m.created_at AS "createdAt", m.edited_at AS "editedAt", m.deleted_at AS "deletedAt", m.kind, m.event,
  m.sender_id AS "senderId", s.name AS "senderName", s.avatar_url AS "senderAvatar",
  m.reply_to_id AS "replyToId", r.sender_id AS "replySenderId", left(r.content, ${PREVIEW_CHARS}) AS "replyPreview",
  r.media_type::text AS "replyMediaType", (r.id IS NULL OR r.deleted_at IS NOT NULL) AS "replyDeleted",
  COALESCE((
    SELECT json_agg(json_build_object('emoji', x.emoji, 'count', x.n, 'me', x.me) ORDER BY x.first, x.emoji)
    FROM (SELECT emoji, count(*)::int AS n, bool_or(user_id = ${viewer}) AS me, min(created_at) AS first
          FROM message_reactions WHERE chat_id = m.chat_id AND message_id = m.id GROUP BY emoji) x
  ), '[]'::json) AS reactions`;

// The answered message behind LATERAL ... LIMIT (which the planner cannot flatten into a join): probed in
// the chat's own partition, where a join over many rows hashed every partition.
const VIEW_JOINS = `JOIN users s ON s.id = m.sender_id
  LEFT JOIN LATERAL (SELECT * FROM messages r WHERE r.chat_id = m.chat_id AND r.id = m.reply_to_id LIMIT 1) r ON true`;

// Messages the viewer deleted for themselves are not theirs to see again.
const notHiddenFrom = (viewer: string) =>
  `NOT EXISTS (SELECT FROM message_hides h WHERE h.user_id = ${viewer} AND h.chat_id = m.chat_id AND h.message_seq = m.seq)`;

interface ViewRow {
  id: string;
  chatId: string;
  seq: number;
  content: string;
  mediaUrl: string | null;
  mediaType: MediaType | null;
  clientMessageId: string | null;
  createdAt: Date | string;
  editedAt: Date | string | null;
  deletedAt: Date | string | null;
  senderId: string;
  senderName: string;
  senderAvatar: string | null;
  replyToId: string | null;
  replySenderId: string | null;
  replyPreview: string | null;
  replyMediaType: MediaType | null;
  replyDeleted: boolean;
  reactions: ReactionSummary[];
  kind: 'user' | 'system';
  event: SystemEvent | null;
}

/** Where a message sits in its chat: what receipts and replies need of it. */
export interface MessagePlace {
  id: string;
  seq: number;
  num: number;
  senderId: string;
  deleted: boolean;
}

/** Reads of messages: history, views, and what the send path checks. Writes go through ChatLogRepository. */
@Injectable()
export class MessagesRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * A page of a chat's history as `viewerId` sees it, from `floor` on (where a since_join member's
   * history starts): newest first below `before`, or oldest first above `after`.
   */
  async page(
    chatId: string,
    viewerId: string,
    floor: number,
    query: { before?: number; after?: number; limit: number },
  ): Promise<MessageView[]> {
    const forward = query.after !== undefined;
    const rows = await this.database.query<ViewRow>(
      `SELECT ${viewColumns('$2')} FROM messages m ${VIEW_JOINS}
       WHERE m.chat_id = $1 AND ${forward ? 'm.seq > $3' : 'm.seq < $3'} AND m.seq >= $5 AND ${notHiddenFrom('$2')}
       ORDER BY m.seq ${forward ? 'ASC' : 'DESC'} LIMIT $4`,
      [chatId, viewerId, forward ? query.after : (query.before ?? 2_147_483_647), query.limit, floor],
    );
    return rows.map(toView);
  }

  /**
   * The views of these messages, each as its own viewer sees it, in the order asked (undefined: no such
   * message in that chat). Each is probed in its chat's partition, behind LATERAL ... LIMIT as history's
   * answered messages are.
   */
  async views(
    wanted: { chatId: string; messageId: string; viewerId: string }[],
  ): Promise<(MessageView | undefined)[]> {
    if (wanted.length === 0) return [];
    const rows = await this.database.query<ViewRow & { ord: string | number }>(
      `SELECT q.ord, ${viewColumns('q.viewer')}
       FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) WITH ORDINALITY AS q(chat_id, id, viewer, ord)
       CROSS JOIN LATERAL (SELECT * FROM messages m WHERE m.chat_id = q.chat_id AND m.id = q.id LIMIT 1) m
       ${VIEW_JOINS}`,
      [wanted.map((w) => w.chatId), wanted.map((w) => w.messageId), wanted.map((w) => w.viewerId)],
    );
    const views: (MessageView | undefined)[] = new Array(wanted.length);
    for (const row of rows) views[Number(row.ord) - 1] = toView(row);
    return views;
  }

  /**
   * Messages of the user's chats written by transactions that are visible in `to` and not in `from`,
   * each chat's starting after the seq that bounds what `from` saw of it and within what the user may see
   * of it (see SeenBounds), in (chat, seq) order after `after`, as the user sees them.
   * Each chat is walked on its own, behind LATERAL ... LIMIT: its rows come from its own partition by
   * index whatever the statistics say (a hash join on small tables read every partition).
   */
  async committedBetween(
    userId: string,
    bounds: SeenBounds,
    to: string,
    after: { chatId: string; seq: number },
    limit: number,
  ): Promise<MessageView[]> {
    const rows = await this.database.query<ViewRow>(
      `SELECT ${viewColumns('$1')}
       FROM ${BOUNDS_RELATION}
       CROSS JOIN LATERAL (
         SELECT m.* FROM messages m
         WHERE m.chat_id = b.chat_id AND m.seq > b.seen AND m.seq >= b.floor
           AND (m.seq = b.ceiling OR b.ceiling = ${OPEN_CEILING})
           AND pg_visible_in_snapshot(m.txid, $7::pg_snapshot) AND (m.chat_id, m.seq) > ($8::uuid, $9::int)
           AND ${notHiddenFrom('$1')}
         ORDER BY m.seq
         LIMIT $10
       ) m
       ${VIEW_JOINS}
       ORDER BY m.chat_id, m.seq
       LIMIT $10`,
      [userId, ...boundsParams(bounds), to, after.chatId, after.seq, limit],
    );
    return rows.map(toView);
  }

  /** The message with this id in this chat. */
  async findInChat(chatId: string, messageId: string): Promise<MessagePlace | undefined> {
    const [row] = await this.database.query<MessagePlace>(
      `SELECT id, seq, num, sender_id AS "senderId", deleted_at IS NOT NULL AS deleted
       FROM messages WHERE chat_id = $1 AND id = $2`,
      [chatId, messageId],
    );
    return row;
  }

  /** What a reply to this message of this chat shows of it; undefined when the chat has no such message. */
  async replyPreview(chatId: string, messageId: string): Promise<ReplyPreview | undefined> {
    const [row] = await this.database.query<ReplyPreview>(
      `SELECT id, sender_id AS "senderId", left(content, ${PREVIEW_CHARS}) AS preview,
              media_type::text AS "mediaType", deleted_at IS NOT NULL AS deleted
       FROM messages WHERE chat_id = $1 AND id = $2`,
      [chatId, messageId],
    );
    return row;
  }
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : new Date(value).toISOString();
}

function toView(row: ViewRow): MessageView {
  return {
    id: row.id,
    chatId: row.chatId,
    content: row.content,
    mediaUrl: row.mediaUrl,
    mediaType: row.mediaType,
    sender: { id: row.senderId, name: row.senderName, avatar: row.senderAvatar },
    createdAt: iso(row.createdAt)!,
    seq: row.seq,
    clientMessageId: row.clientMessageId,
    replyTo: row.replyToId
      ? {
          id: row.replyToId,
          senderId: row.replySenderId,
          preview: row.replyDeleted ? '' : (row.replyPreview ?? ''),
          mediaType: row.replyDeleted ? null : row.replyMediaType,
          deleted: row.replyDeleted,
        }
      : null,
    editedAt: iso(row.editedAt),
    deletedAt: iso(row.deletedAt),
    reactions: row.reactions,
    kind: row.kind,
    event: row.event,
  };
}

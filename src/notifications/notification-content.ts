import type { PushPayload, WebhookEvent } from '../contract/notifications.js';
import type { MessageView, SystemEvent } from '../contract/views.js';
import type { LogRow } from './outbox.repository.js';

const PREVIEW_CHARS = 200;

/** The stable id of the webhook event for one entry of a chat's log: the same however often it is sent. */
export function webhookEventId(chatId: string, seq: number): string {
  return `evt_${chatId}_${seq}`;
}

/**
 * The webhook event of a log row, or null for entries integrations are not told of (settings and role
 * changes of a group, a message deleted for oneself). `message` is the view of a new user message.
 */
export function webhookEventOf(
  row: LogRow,
  message: MessageView | undefined,
  notifyUserIds: string[],
): WebhookEvent | null {
  const base = { id: webhookEventId(row.chatId, row.seq), timestamp: new Date(row.at).toISOString() };
  const place = { chatId: row.chatId, seq: row.seq };
  if (row.source === 'message') {
    if (row.kind === 'user') {
      if (!message) return null;
      return { ...base, type: 'message.created', data: { ...place, message, notifyUserIds } };
    }
    const event = row.data as SystemEvent;
    switch (event.type) {
      case 'created':
        return {
          ...base,
          type: 'chat.member_added',
          data: { ...place, userIds: [row.actorId, ...event.userIds], actorId: row.actorId },
        };
      case 'member_added':
        return {
          ...base,
          type: 'chat.member_added',
          data: { ...place, userIds: event.userIds, actorId: row.actorId },
        };
      case 'member_removed':
        return {
          ...base,
          type: 'chat.member_removed',
          data: { ...place, userId: event.userId, reason: event.reason, actorId: row.actorId },
        };
      default:
        return null;
    }
  }
  const data = (row.data ?? {}) as { content?: string; emoji?: string; count?: number };
  const at = base.timestamp;
  switch (row.kind) {
    case 'message_edited':
      return {
        ...base,
        type: 'message.edited',
        data: { ...place, messageId: row.messageId, content: data.content ?? '', editedAt: at },
      };
    case 'message_deleted':
      return {
        ...base,
        type: 'message.deleted',
        data: { ...place, messageId: row.messageId, deletedAt: at },
      };
    case 'reaction_added':
    case 'reaction_removed':
      return {
        ...base,
        type: 'reaction.updated',
        data: {
          ...place,
          messageId: row.messageId,
          userId: row.actorId,
          emoji: data.emoji ?? '',
          op: row.kind === 'reaction_added' ? 'add' : 'remove',
          count: data.count ?? 0,
        },
      };
    default:
      return null;
  }
}

/** The push of a new message: the sender (direct) or the group as title, and a preview unless turned off. */
export function messagePush(row: LogRow, preview: boolean): Extract<PushPayload, { type: 'message' }> {
  const group = row.chatType === 'GROUP';
  const sender = row.senderName ?? 'Someone';
  const text = (row.content ?? '').trim() || mediaLabel(row.mediaType);
  const snippet = text.length > PREVIEW_CHARS ? `${text.slice(0, PREVIEW_CHARS - 1)}…` : text;
  return {
    type: 'message',
    id: `msg_${row.messageId}`,
    chatId: row.chatId,
    messageId: row.messageId,
    seq: row.seq,
    title: group ? (row.chatTitle ?? 'Group') : sender,
    body: !preview || !snippet ? 'New message' : group ? `${sender}: ${snippet}` : snippet,
  };
}

function mediaLabel(mediaType: LogRow['mediaType']): string {
  if (mediaType === 'VIDEO') return 'Video';
  if (mediaType === 'AUDIO') return 'Audio message';
  return '';
}

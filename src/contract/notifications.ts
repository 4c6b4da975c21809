/**
 * What the service sends to people who are not connected (Web Push) and to integrations (webhooks, the
 * Standard Webhooks scheme). Every notification has a stable id: a receiver that sees an id again drops it.
 */
import type { MessageView, RemovalReason } from './views.js';

/** `GET /api/push/key`: the VAPID public key, the `applicationServerKey` of `pushManager.subscribe`. */
export interface PushKeyView {
  publicKey: string;
}

/** A stored subscription, as `POST /api/push/subscriptions` answers it. */
export interface PushSubscriptionView {
  id: string;
  endpoint: string;
  createdAt: string;
}

/** A member's notification setting for one chat (`PUT /api/chats/:chatId/notifications`). */
export interface ChatNotificationsView {
  level: 'all' | 'none';
  /** With level `none`: when pushes start again; null: muted until set back to `all`. */
  mutedUntil: string | null;
}

/**
 * The JSON of a push, decrypted by the service worker. `message`: one per message to a recipient with no
 * connected socket; `id` is the same if it is ever sent again. `read`: the user read the chat up to `seq`
 * on some device; close its notifications.
 */
export type PushPayload =
  | {
      type: 'message';
      id: string;
      chatId: string;
      messageId: string;
      seq: number;
      title: string;
      body: string;
    }
  | { type: 'read'; id: string; chatId: string; seq: number };

/** Webhook event types. */
export type WebhookEventType =
  | 'message.created'
  | 'message.edited'
  | 'message.deleted'
  | 'reaction.updated'
  | 'chat.member_added'
  | 'chat.member_removed';

/**
 * The body of a webhook POST. `webhook-id` (header) is `id` here, the same across retries; `chatId` and
 * `seq` order the events of one chat (deliveries of one chat arrive in seq order).
 */
export interface WebhookEvent<T extends WebhookEventType = WebhookEventType> {
  id: string;
  type: T;
  /** When the change was committed. */
  timestamp: string;
  data: WebhookData[T];
}

export interface WebhookData {
  'message.created': {
    chatId: string;
    seq: number;
    message: MessageView;
    /**
     * The members a push relay should notify: they may see the message (not its sender, not hidden from
     * them by a block), had no socket connected when the event was sent, have not muted the chat and do
     * not block the sender.
     */
    notifyUserIds: string[];
  };
  'message.edited': { chatId: string; seq: number; messageId: string; content: string; editedAt: string };
  'message.deleted': { chatId: string; seq: number; messageId: string; deletedAt: string };
  'reaction.updated': {
    chatId: string;
    seq: number;
    messageId: string;
    userId: string;
    emoji: string;
    op: 'add' | 'remove';
    count: number;
  };
  'chat.member_added': { chatId: string; seq: number; userIds: string[]; actorId: string };
  'chat.member_removed': {
    chatId: string;
    seq: number;
    userId: string;
    reason: RemovalReason;
    actorId: string;
  };
}

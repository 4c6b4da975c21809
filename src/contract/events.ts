/**
 * The Socket.IO contract of namespace `/chat`, both directions, in one place. The server, the web client
 * and the tests are typed against it, and asyncapi.yaml beside it describes the same events (a test keeps
 * them in step).
 */
import type { ErrorCode } from '../common/errors/error-catalog.js';
import type {
  ChatUpdatedEvent,
  MediaType,
  MemberAddedEvent,
  MemberRemovedEvent,
  MemberRoleChangedEvent,
  MessageDeletedEvent,
  MessageEditedEvent,
  MessageView,
  ReactionUpdatedEvent,
} from './views.js';

/**
 * `chat:message_send` exactly as the seed names it (`LiveMediaType` in, `mediaType` out). Exactly one of
 * `receiverId` (the direct chat with that user, made by its first message) and `chatId` (a chat the
 * sender is a member of: a group, or a direct chat).
 */
export interface MessageSendPayload {
  receiverId?: string;
  chatId?: string;
  content?: string;
  mediaUrl?: string | null;
  LiveMediaType?: MediaType | null;
  clientMessageId?: string | null;
  /** A message of the same chat that this one answers. */
  replyToId?: string | null;
}

export interface MessageEditPayload {
  messageId: string;
  content: string;
}

export interface MessageDeletePayload {
  messageId: string;
  scope: 'everyone' | 'me';
}

export interface ReactionPayload {
  messageId: string;
  emoji: string;
}

export interface ReceiptPayload {
  chatId: string;
  messageId: string;
}

export interface TypingPayload {
  chatId?: string;
  receiverId?: string;
  isTyping: boolean;
}

export interface WsError {
  code: ErrorCode;
  message: string;
  details?: { path: string; message: string }[];
}

export type AckResult<T> = ({ ok: true } & T) | { ok: false; error: WsError };
type AckFn<T> = (result: AckResult<T>) => void;

export interface ReadReceipt {
  chatId: string;
  userId: string;
  messageId: string;
  seq: number;
  readAt: string;
}

export interface DeliveryReceipt {
  chatId: string;
  userId: string;
  messageId: string;
  seq: number;
  deliveredAt: string;
}

export interface TypingEvent {
  chatId: string;
  userId: string;
  isTyping: boolean;
}

export interface PresenceEvent {
  userId: string;
  online: boolean;
  lastSeenAt: string | null;
}

export interface ClientToServerEvents {
  'chat:message_send': (payload: MessageSendPayload, ack?: AckFn<{ message: MessageView }>) => void;
  /** New text for one's own message, within the edit window. Acks the message as it now is. */
  'chat:message_edit': (payload: MessageEditPayload, ack?: AckFn<{ message: MessageView }>) => void;
  /** Deletes a message for everyone (its author, within the edit window) or hides it for oneself. */
  'chat:message_delete': (payload: MessageDeletePayload, ack?: AckFn<{ message: MessageView }>) => void;
  /** Adds one's reaction (one emoji) to a message; adding it again changes nothing. */
  'chat:reaction_add': (payload: ReactionPayload, ack?: AckFn<{ message: MessageView }>) => void;
  /** Removes one's reaction; removing one that is not there changes nothing. */
  'chat:reaction_remove': (payload: ReactionPayload, ack?: AckFn<{ message: MessageView }>) => void;
  /** Moves the caller's read mark forward to this message (never back). */
  'chat:message_read': (
    payload: ReceiptPayload,
    ack?: AckFn<{ receipt: ReadReceipt; unreadCount: number }>,
  ) => void;
  /** Tells the sender that this device received the message. */
  'chat:message_delivered': (payload: ReceiptPayload, ack?: AckFn<{ receipt: DeliveryReceipt }>) => void;
  /** Starts or refreshes (`isTyping: true`) or stops typing in a chat; by chatId or by receiverId. */
  'chat:typing': (payload: TypingPayload, ack?: AckFn<Record<string, never>>) => void;
}

export interface ServerToClientEvents {
  /** To every socket of sender and receiver (of every member, in a group), once the message is committed. */
  'chat:message_receive': (message: MessageView) => void;
  /** A group was created (to its first members) or its settings changed (to every member). */
  'chat:updated': (event: ChatUpdatedEvent) => void;
  /** People were added to a group: to every member, the new ones included. */
  'chat:member_added': (event: MemberAddedEvent) => void;
  /** Someone was removed from a group or left it: to every member and to them; then nothing more to them. */
  'chat:member_removed': (event: MemberRemovedEvent) => void;
  /** A member's role changed: to every member. */
  'chat:member_role_changed': (event: MemberRoleChangedEvent) => void;
  /** To every socket of every member, once the edit is committed. */
  'chat:message_edited': (event: MessageEditedEvent) => void;
  /** For everyone: to every socket of every member; for `me`: to the deleter's own sockets only. */
  'chat:message_deleted': (event: MessageDeletedEvent) => void;
  /** To every socket of every member, once the change is committed. */
  'chat:reaction_updated': (event: ReactionUpdatedEvent) => void;
  /**
   * To the other members' sockets and the reader's other sockets, when a read mark moves forward; in a
   * group above GROUP_RECEIPTS_MAX members, to the reader's other sockets only.
   */
  'chat:message_read': (receipt: ReadReceipt) => void;
  /** To the sender's sockets, when a receiver's device confirms a message (not in groups above GROUP_RECEIPTS_MAX). */
  'chat:message_delivered': (receipt: DeliveryReceipt) => void;
  /**
   * To the other members' sockets (none in groups above GROUP_RECEIPTS_MAX); `isTyping: false` also comes
   * by itself a few seconds after the last refresh.
   */
  'chat:typing': (event: TypingEvent) => void;
  /** To a user's chat peers, when their first socket connects or (after a grace period) their last one leaves. */
  'presence:update': (event: PresenceEvent) => void;
  /** A refused event from a client that passed no ack callback. Only that socket gets it. */
  'chat:error': (
    error: WsError & { event: keyof ClientToServerEvents; clientMessageId: string | null },
  ) => void;
}

export const CLIENT_EVENTS = [
  'chat:message_send',
  'chat:message_edit',
  'chat:message_delete',
  'chat:reaction_add',
  'chat:reaction_remove',
  'chat:message_read',
  'chat:message_delivered',
  'chat:typing',
] as const satisfies readonly (keyof ClientToServerEvents)[];

export const SERVER_EVENTS = [
  'chat:message_receive',
  'chat:updated',
  'chat:member_added',
  'chat:member_removed',
  'chat:member_role_changed',
  'chat:message_edited',
  'chat:message_deleted',
  'chat:reaction_updated',
  'chat:message_read',
  'chat:message_delivered',
  'chat:typing',
  'presence:update',
  'chat:error',
] as const satisfies readonly (keyof ServerToClientEvents)[];

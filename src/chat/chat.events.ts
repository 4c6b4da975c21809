/**
 * The Socket.IO contract of namespace `/chat`, both directions, in one place. The gateway and the
 * tests are typed against it, and docs/asyncapi.yaml describes the same events (a test keeps them in step).
 */
import type { ErrorCode } from '../common/errors/error-catalog.js';
import type { MediaType, MessageView } from './message.types.js';

/** `chat:message_send` exactly as the seed names it (`LiveMediaType` in, `mediaType` out). */
export interface MessageSendPayload {
  receiverId: string;
  content?: string;
  mediaUrl?: string | null;
  LiveMediaType?: MediaType | null;
  clientMessageId?: string | null;
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
  /** To every socket of sender and receiver, once the message is committed. */
  'chat:message_receive': (message: MessageView) => void;
  /** To the other member's sockets and the reader's other sockets, when a read mark moves forward. */
  'chat:message_read': (receipt: ReadReceipt) => void;
  /** To the sender's sockets, when a receiver's device confirms a message. */
  'chat:message_delivered': (receipt: DeliveryReceipt) => void;
  /** To the peer's sockets; `isTyping: false` also comes by itself about 5 s after the last refresh. */
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
  'chat:message_read',
  'chat:message_delivered',
  'chat:typing',
] as const satisfies readonly (keyof ClientToServerEvents)[];

export const SERVER_EVENTS = [
  'chat:message_receive',
  'chat:message_read',
  'chat:message_delivered',
  'chat:typing',
  'presence:update',
  'chat:error',
] as const satisfies readonly (keyof ServerToClientEvents)[];

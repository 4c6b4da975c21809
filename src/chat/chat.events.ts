/**
 * The Socket.IO contract of namespace `/chat`, both directions, in one place. The gateway and the
 * tests are typed against it.
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

export interface WsError {
  code: ErrorCode;
  message: string;
  details?: { path: string; message: string }[];
}

export type Ack<T> = (result: { ok: true } & T) => void;
export type AckResult<T> = ({ ok: true } & T) | { ok: false; error: WsError };

export interface ClientToServerEvents {
  'chat:message_send': (
    payload: MessageSendPayload,
    ack?: (result: AckResult<{ message: MessageView }>) => void,
  ) => void;
}

export interface ServerToClientEvents {
  /** To every socket of sender and receiver, once the message is committed. */
  'chat:message_receive': (message: MessageView) => void;
  /** A refused event from a client that passed no ack callback. Only that socket gets it. */
  'chat:error': (
    error: WsError & { event: keyof ClientToServerEvents; clientMessageId: string | null },
  ) => void;
}

export const CLIENT_EVENTS = ['chat:message_send'] as const satisfies readonly (keyof ClientToServerEvents)[];
export const SERVER_EVENTS = [
  'chat:message_receive',
  'chat:error',
] as const satisfies readonly (keyof ServerToClientEvents)[];

// Edit, delete and react over the socket, each answered by its ack; refusals as short, friendly notices.
import type { Socket } from 'socket.io-client';
import type { AckResult, ClientToServerEvents } from '../../src/contract/events.js';
import type { Message } from './api';

type MessageRequest =
  | 'chat:message_edit'
  | 'chat:message_delete'
  | 'chat:reaction_add'
  | 'chat:reaction_remove';
type PayloadOf<E extends MessageRequest> = Parameters<ClientToServerEvents[E]>[0];

export class ActionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Emits a change to a message and resolves with the message as the server now has it. */
export async function requestChange<E extends MessageRequest>(
  socket: Socket | null,
  event: E,
  payload: PayloadOf<E>,
): Promise<Message> {
  if (!socket) throw new ActionError('OFFLINE', 'Not connected');
  let ack: AckResult<{ message: Message }>;
  try {
    // Socket.IO buffers the emit while disconnected; no answer in time is a timeout.
    ack = await socket.timeout(15_000).emitWithAck(event, payload);
  } catch {
    throw new ActionError('TIMEOUT', 'No answer from the server');
  }
  if (!ack.ok) throw new ActionError(ack.error.code, ack.error.message);
  return ack.message;
}

const FRIENDLY: Record<string, string> = {
  EDIT_WINDOW_EXPIRED:
    'Too late: a message can be edited or deleted for everyone only for a while after sending.',
  REACTION_LIMIT: 'No more reactions fit on that message (at most 3 from each person).',
  MESSAGE_DELETED: 'That message was deleted.',
  MESSAGE_NOT_FOUND: 'That message is no longer there.',
  FORBIDDEN: 'Only the person who sent a message can change it for everyone.',
  RATE_LIMITED: 'That was a lot at once. Wait a moment and try again.',
  OFFLINE: 'You are offline. Try again once connected.',
  TIMEOUT: 'No answer from the server. Check the connection and try again.',
};

/** A short sentence for a person, for a refusal or failure of `requestChange` (or the server's own text). */
export function friendlyError(error: unknown): string {
  if (error instanceof ActionError) return FRIENDLY[error.code] ?? error.message;
  return error instanceof Error ? error.message : String(error);
}

import type { Namespace, Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../contract/events.js';
import type { PublicUser } from '../users/user.types.js';

export interface SocketData {
  /** Shared with the user's other sockets on this instance; updated in place when the profile changes. */
  user: PublicUser;
  sessionId: string;
}

export type ChatSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;
export type ChatNamespace = Namespace<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

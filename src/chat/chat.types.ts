// The chat views of the REST API: plain types, also imported by the web client (web/src/api.ts).
import type { PublicUser } from '../users/user.types.js';
import type { MessageView } from './message.types.js';

export interface ChatView {
  id: string;
  type: 'DIRECT' | 'GROUP';
  peer: PublicUser;
  lastMessage: MessageView | null;
  unreadCount: number;
  /** The caller's read mark, and the peer's read and delivered marks (seqs), for ticks. */
  readSeq: number;
  peerReadSeq: number;
  peerDeliveredSeq: number;
  updatedAt: string;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/**
 * What the service answers with, over REST and Socket.IO: plain types, imported by the server, the web
 * client and the tests. `asyncapi.yaml` beside this file describes the same shapes (a test keeps them in step).
 */

export const MEDIA_TYPES = ['VIDEO', 'AUDIO'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** A user as others see them (chat peers, message senders, search results). */
export interface PublicUser {
  id: string;
  name: string;
  avatar: string | null;
}

/** A user as the API shows them to themselves. */
export interface UserView extends PublicUser {
  email: string;
  createdAt: string;
}

/**
 * The message a reply answers, as it is now: `preview` is the first 100 characters of its current content
 * (never a copy taken at reply time), empty once it is deleted.
 */
export interface ReplyPreview {
  id: string;
  /** Null only when the original is gone for good (its sender's account was deleted). */
  senderId: string | null;
  preview: string;
  mediaType: MediaType | null;
  deleted: boolean;
}

/** One emoji on a message: how many reacted with it, and whether the viewer is one of them. */
export interface ReactionSummary {
  emoji: string;
  count: number;
  me: boolean;
}

/**
 * The seed's `Message`, plus `seq` (per-chat order), `clientMessageId` (the sender's retry key), and its
 * current state: `replyTo`, `editedAt`, `deletedAt` (a tombstone keeps id, seq, sender and createdAt; its
 * content is empty, its media and reactions are gone) and `reactions`.
 */
export interface MessageView {
  id: string;
  chatId: string;
  content: string;
  mediaUrl: string | null;
  mediaType: MediaType | null;
  sender: PublicUser;
  createdAt: string;
  seq: number;
  clientMessageId: string | null;
  replyTo: ReplyPreview | null;
  editedAt: string | null;
  deletedAt: string | null;
  reactions: ReactionSummary[];
}

/** The session a sign-up, a sign-in, a refresh or a password change starts. */
export interface AuthResult {
  accessToken: string;
  refreshToken: string;
  user: UserView;
}

/** The answer to an upload. `url` (relative, or under PUBLIC_URL) is what a message's mediaUrl carries. */
export interface MediaView {
  id: string;
  url: string;
  mediaType: MediaType;
  contentType: string;
  size: number;
}

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

/** `chat:message_edited`: a message's new text. */
export interface MessageEditedEvent {
  chatId: string;
  messageId: string;
  seq: number;
  content: string;
  editedAt: string;
}

/** `chat:message_deleted`: a tombstone for everyone, or a message hidden from its deleter's devices. */
export interface MessageDeletedEvent {
  chatId: string;
  messageId: string;
  seq: number;
  scope: 'everyone' | 'me';
  deletedAt: string;
}

/** `chat:reaction_updated`: one user's reaction added or removed; `count` is that emoji's count after it. */
export interface ReactionUpdatedEvent {
  chatId: string;
  messageId: string;
  seq: number;
  emoji: string;
  userId: string;
  op: 'add' | 'remove';
  count: number;
}

/** A change to a chat as `GET /api/sync` carries it: the live event's payload, named by `type`. */
export type ChatChange =
  | ({ type: 'message_edited' } & MessageEditedEvent)
  | ({ type: 'message_deleted' } & MessageDeletedEvent)
  | ({ type: 'reaction_updated' } & ReactionUpdatedEvent);

/**
 * One page of `GET /api/sync`: new messages (in their current state) and changes to messages, each in
 * per-chat `seq` order. Applied merged by (chatId, seq), page after page, they give the server's state.
 */
export interface SyncPage {
  messages: MessageView[];
  events: ChatChange[];
  token: string;
  hasMore: boolean;
}

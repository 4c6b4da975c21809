/**
 * What the service answers with, over REST and Socket.IO: plain types, imported by the server, the web
 * client and the tests. `asyncapi.yaml` beside this file describes the same shapes (a test keeps them in step).
 */

import type { ChatNotificationsView } from './notifications.js';

export const MEDIA_TYPES = ['VIDEO', 'AUDIO'] as const;
export type MediaType = (typeof MEDIA_TYPES)[number];

/** A member's role in a group: one owner, any number of admins. Direct chats have no roles. */
export const CHAT_ROLES = ['owner', 'admin', 'member'] as const;
export type ChatRole = (typeof CHAT_ROLES)[number];

/** What a new group member may read: messages from when they joined (default), or the whole history. */
export const HISTORY_VISIBILITIES = ['since_join', 'all'] as const;
export type HistoryVisibility = (typeof HISTORY_VISIBILITIES)[number];

export type RemovalReason = 'removed' | 'left';

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
 * What a system message records, machine-readable; the sender of the system message is who did it.
 * `created` names the members the group started with (the creator aside).
 */
export type SystemEvent =
  | { type: 'created'; title: string; userIds: string[] }
  | { type: 'updated'; title?: string; avatar?: string | null; historyVisibility?: HistoryVisibility }
  | { type: 'member_added'; userIds: string[] }
  | { type: 'member_removed'; userId: string; reason: RemovalReason }
  | { type: 'member_role_changed'; userId: string; role: ChatRole };

/**
 * The seed's `Message`, plus `seq` (per-chat order), `clientMessageId` (the sender's retry key), and its
 * current state: `replyTo`, `editedAt`, `deletedAt` (a tombstone keeps id, seq, sender and createdAt; its
 * content is empty, its media and reactions are gone) and `reactions`. A group's membership changes are
 * messages too (`kind: "system"`): `event` says what happened, `content` says it in English for clients
 * that show only text, and nobody can edit, delete or react to them.
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
  kind: 'user' | 'system';
  event: SystemEvent | null;
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

/**
 * A chat as its member sees it. Direct chats have a `peer` (oneself, in a chat with oneself) and no title,
 * avatar, role or history setting; groups have those and no peer.
 */
export interface ChatView {
  id: string;
  type: 'DIRECT' | 'GROUP';
  peer: PublicUser | null;
  title: string | null;
  avatar: string | null;
  memberCount: number;
  /** The caller's role (groups only). */
  role: ChatRole | null;
  historyVisibility: HistoryVisibility | null;
  /** The newest message the caller may see, system messages included. */
  lastMessage: MessageView | null;
  unreadCount: number;
  /**
   * The caller's read mark, and the others' read and delivered marks (seqs), for ticks: in a group, the
   * mark every other member has reached (0 in groups above GROUP_RECEIPTS_MAX members, which share none).
   */
  readSeq: number;
  peerReadSeq: number;
  peerDeliveredSeq: number;
  /** The caller's push setting for the chat (PUT /api/chats/:chatId/notifications). */
  notifications: ChatNotificationsView;
  updatedAt: string;
}

/** The answer to creating a group: the chat, and who was not added (without why). */
export interface CreatedGroupView extends ChatView {
  notAdded: string[];
}

/** A group member, as `GET /api/chats/:chatId/members` pages them (oldest members first). */
export interface MemberView {
  user: PublicUser;
  role: ChatRole;
  joinedAt: string;
}

/** The answer to adding members: who was added, who already was a member, and who was not added. */
export interface MembersAddedView {
  added: string[];
  alreadyMembers: string[];
  notAdded: string[];
}

/** The answer to a hand-over: the new owner, and the previous one (an admin now). */
export interface OwnerChangedView {
  owner: MemberView;
  previousOwner: MemberView;
}

/** A member who has read a message (their read mark is at it or past it). */
export interface ReaderView {
  user: PublicUser;
  readSeq: number;
}

/** Someone the caller blocks. */
export interface BlockView {
  user: PublicUser;
  blockedAt: string;
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

/** `chat:updated`: a group was created, or its title, avatar or history setting changed. */
export interface ChatUpdatedEvent {
  chatId: string;
  seq: number;
  title: string;
  avatar: string | null;
  historyVisibility: HistoryVisibility;
  memberCount: number;
  /** The system message that records it. */
  message: MessageView;
}

/** `chat:member_added`: people joined a group; to every member, the new ones included. */
export interface MemberAddedEvent {
  chatId: string;
  seq: number;
  members: MemberView[];
  memberCount: number;
  message: MessageView;
}

/** `chat:member_removed`: someone was removed or left; to every member, and to them, last of all. */
export interface MemberRemovedEvent {
  chatId: string;
  seq: number;
  userId: string;
  reason: RemovalReason;
  memberCount: number;
  message: MessageView;
}

/** `chat:member_role_changed`: a member's role changed (a hand-over changes two). */
export interface MemberRoleChangedEvent {
  chatId: string;
  seq: number;
  userId: string;
  role: ChatRole;
  message: MessageView;
}

/** A change to a chat as `GET /api/sync` carries it: the live event's payload, named by `type`. */
export type ChatChange =
  | ({ type: 'message_edited' } & MessageEditedEvent)
  | ({ type: 'message_deleted' } & MessageDeletedEvent)
  | ({ type: 'reaction_updated' } & ReactionUpdatedEvent);

/**
 * One page of `GET /api/sync`: new messages (in their current state, system messages included) and
 * changes to messages, each in per-chat `seq` order. Applied merged by (chatId, seq), page after page,
 * they give the server's state. A member removed from a group gets the system message of the removal,
 * then nothing more of that chat.
 */
export interface SyncPage {
  messages: MessageView[];
  events: ChatChange[];
  token: string;
  hasMore: boolean;
}

import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  customType,
  foreignKey,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

// PostgreSQL's 64-bit transaction id. Sync compares it with snapshots to find what committed after a token.
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
};

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    name: text('name').notNull(),
    avatarUrl: text('avatar_url'),
    // The instance the user is online on, or null when offline. Kept in the database so that a restart
    // does not flap everyone offline and online again.
    onlineInstance: text('online_instance'),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    // Bytes of the user's uploads, kept with each upload so the quota check is one conditional update.
    mediaBytes: bigint('media_bytes', { mode: 'number' }).notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('users_email_lower_key').on(sql`lower(${t.email})`),
    // The presence sweep looks up the users of instances that stopped.
    index('users_online_instance_idx').on(t.onlineInstance).where(sql`${t.onlineInstance} IS NOT NULL`),
  ],
);

/**
 * Running processes and the ids they hold. An id is held while its holder keeps `heartbeat_at` fresh; a
 * process that stops cleanly lets go of it (holder null), so its next run may take the same id back.
 */
export const instances = pgTable('instances', {
  id: text('id').primaryKey(),
  holder: text('holder'),
  heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Secrets the service generated for itself (the JWT key when JWT_SECRET is unset), shared by every instance. */
export const serviceSecrets = pgTable('service_secrets', {
  name: text('name').primaryKey(),
  value: text('value').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** One login on one device; refresh tokens rotate inside it, and a reused one revokes it whole. */
export const sessions = pgTable(
  'sessions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    tokenHash: text('token_hash').primaryKey(),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('refresh_tokens_session_id_idx').on(t.sessionId)],
);

export const chatType = pgEnum('chat_type', ['DIRECT', 'GROUP']);
export const mediaType = pgEnum('media_type', ['VIDEO', 'AUDIO']);

export const chats = pgTable('chats', {
  id: uuid('id').primaryKey(),
  type: chatType('type').notNull().default('DIRECT'),
  // "<smaller user id>:<larger user id>": two concurrent first messages of a pair cannot make two chats.
  directKey: text('direct_key').unique(),
  // The chat's log position: every message and every change to one (edit, delete, reaction) takes the next.
  lastSeq: integer('last_seq').notNull().default(0),
  // Messages ever sent in the chat (each numbered in `messages.num`), and the seq of the newest.
  messageCount: integer('message_count').notNull().default(0),
  lastMessageSeq: integer('last_message_seq').notNull().default(0),
  // Groups only: what members see of the group.
  title: text('title'),
  avatarUrl: text('avatar_url'),
  // What a new member may read: 'since_join' (from the system message that added them) or 'all'.
  historyVisibility: text('history_visibility').notNull().default('since_join'),
  memberCount: integer('member_count').notNull().default(0),
  // The seq of the last change to who is in the chat or what they may see: the version of every cached
  // member list. A message's statement reads it under the chat row's lock.
  stateSeq: integer('state_seq').notNull().default(0),
  ...timestamps,
});

export const chatMembers = pgTable(
  'chat_members',
  {
    chatId: uuid('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // Everything up to this seq counts as read. Unread, O(1): chats.message_count - last_read_num -
    // unread_removed, where last_read_num is the number (messages.num) of the message at the mark and
    // unread_removed counts messages after the mark deleted for everyone or hidden by this member.
    lastReadSeq: integer('last_read_seq').notNull().default(0),
    lastReadNum: integer('last_read_num').notNull().default(0),
    unreadRemoved: integer('unread_removed').notNull().default(0),
    lastDeliveredSeq: integer('last_delivered_seq').notNull().default(0),
    // Set by the member's first message: their presence shows only to people they have written to.
    hasSent: boolean('has_sent').notNull().default(false),
    joinedAt: timestamp('joined_at', { withTimezone: true }).notNull().defaultNow(),
    // Groups: 'owner', 'admin' or 'member'; null in direct chats.
    role: text('role'),
    // The seq of the system message that added the member (0 in direct chats), and of the one that
    // removed them: a member who left keeps the row (their messages stay), with left_seq set.
    joinedSeq: integer('joined_seq').notNull().default(0),
    leftSeq: integer('left_seq'),
    // Pushes: 'all', or 'none' (until muted_until when set).
    notifyLevel: text('notify_level').notNull().default('all'),
    mutedUntil: timestamp('muted_until', { withTimezone: true }),
    // The newest seq pushed to this member and not yet read: reading past it closes the notifications
    // of their other devices.
    pushedSeq: integer('pushed_seq').notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.chatId, t.userId] }),
    index('chat_members_user_id_idx').on(t.userId),
    // Member lists page current members, oldest first.
    index('chat_members_chat_id_joined_seq_idx')
      .on(t.chatId, t.joinedSeq, t.userId)
      .where(sql`${t.leftSeq} IS NULL`),
  ],
);

/**
 * Messages, the chats' event log and reactions are partitioned by hash of chat_id (migration
 * 0009_messages_by_chat; MESSAGE_PARTITIONS, fixed when the database is created): every key and every
 * hot query carries chat_id, so each lands in one partition, and the same key distributes the tables
 * on Citus (docs/scaling.md). drizzle-kit does not model partitioning, so that migration is hand-written.
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').notNull(),
    chatId: uuid('chat_id').notNull(),
    seq: integer('seq').notNull(),
    // The message's number among the chat's messages (seq also counts changes): unread counts use it.
    num: integer('num').notNull(),
    senderId: uuid('sender_id').notNull(),
    content: text('content').notNull(),
    mediaUrl: text('media_url'),
    mediaType: mediaType('media_type'),
    // The upload the message carries, when mediaUrl is one of ours: members of the chat may fetch it.
    mediaId: uuid('media_id'),
    // The message of the same chat this one answers; its preview is read from it, never copied.
    replyToId: uuid('reply_to_id'),
    clientMessageId: text('client_message_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // The writing transaction's id: with a snapshot, it tells whether a row had committed by then. Sync
    // walks (chat_id, seq) instead, because within a chat seq order is commit order: every writer must
    // number a chat's messages under the chat row's lock, as INSERT_BATCH_SQL does (see SyncRepository).
    // The notification outbox, which reads every chat, finds new rows by it (see OutboxRepository).
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
    editedAt: timestamp('edited_at', { withTimezone: true }),
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    // 'system' for a group's membership and settings changes, which `event` records (see SystemEvent).
    kind: text('kind').notNull().default('user'),
    event: jsonb('event'),
  },
  (t) => [
    // No foreign key: "the sender is a member of the chat" is kept by triggers (migration
    // 0004_membership_triggers), one set-based check per insert statement where a key checked each row
    // (a sixth of the batch insert). Deleting a membership, a chat or a user still deletes the messages.
    // The id first: a message named by its id alone (an edit, a reaction) is one probe of this index per
    // partition; chat_id in it makes it a key of the partitioned table, which foreign keys can point at.
    primaryKey({ columns: [t.id, t.chatId] }),
    uniqueIndex('messages_chat_id_seq_key').on(t.chatId, t.seq),
    // A retried send is recognised within its chat: a unique key on a partitioned table includes chat_id.
    // Partial: a message sent without a clientMessageId costs no entry.
    uniqueIndex('messages_chat_sender_client_message_id_key')
      .on(t.chatId, t.senderId, t.clientMessageId)
      .where(sql`${t.clientMessageId} IS NOT NULL`),
    index('messages_media_id_idx').on(t.mediaId).where(sql`${t.mediaId} IS NOT NULL`),
    check('messages_media_type_needs_url', sql`${t.mediaType} IS NULL OR ${t.mediaUrl} IS NOT NULL`),
    index('messages_txid_idx').on(t.txid),
  ],
);

/**
 * Changes to messages, each with the chat's next seq (the same counter messages take): the chat's log
 * beside the messages themselves. `message_hidden` (delete for me) is its actor's alone.
 */
export const chatEvents = pgTable(
  'chat_events',
  {
    chatId: uuid('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    messageId: uuid('message_id').notNull(),
    actorId: uuid('actor_id').notNull(),
    data: jsonb('data').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    // As on messages: sync finds what committed after a token, walking (chat_id, seq).
    txid: xid8('txid').notNull().default(sql`pg_current_xact_id()`),
  },
  // By message: a delete for everyone scrubs the text of the message's earlier edits.
  (t) => [
    primaryKey({ columns: [t.chatId, t.seq] }),
    foreignKey({ columns: [t.chatId, t.messageId], foreignColumns: [messages.chatId, messages.id] }).onDelete(
      'cascade',
    ),
    index('chat_events_message_id_idx').on(t.chatId, t.messageId),
    index('chat_events_txid_idx').on(t.txid),
  ],
);

/** Who reacted to a message with what: the current state, of which chat_events holds the history. */
export const messageReactions = pgTable(
  'message_reactions',
  {
    chatId: uuid('chat_id').notNull(),
    messageId: uuid('message_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    emoji: text('emoji').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.chatId, t.messageId, t.userId, t.emoji] }),
    foreignKey({ columns: [t.chatId, t.messageId], foreignColumns: [messages.chatId, messages.id] }).onDelete(
      'cascade',
    ),
  ],
);

/** Messages a member deleted for themselves only, by the message's place in its chat. */
export const messageHides = pgTable(
  'message_hides',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    chatId: uuid('chat_id')
      .notNull()
      .references(() => chats.id, { onDelete: 'cascade' }),
    messageSeq: integer('message_seq').notNull(),
    messageId: uuid('message_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.chatId, t.messageSeq] }),
    foreignKey({ columns: [t.chatId, t.messageId], foreignColumns: [messages.chatId, messages.id] }).onDelete(
      'cascade',
    ),
  ],
);

/** Who blocks whom: the blocked person's direct messages never reach the blocker. */
export const userBlocks = pgTable(
  'user_blocks',
  {
    blockerId: uuid('blocker_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    blockedId: uuid('blocked_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.blockerId, t.blockedId] }),
    index('user_blocks_blocked_id_idx').on(t.blockedId),
  ],
);

/** An uploaded voice note or video. The bytes live in storage under `storage_key`; the type comes from them. */
export const media = pgTable(
  'media',
  {
    id: uuid('id').primaryKey(),
    ownerId: uuid('owner_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    storageKey: text('storage_key').notNull(),
    contentType: text('content_type').notNull(),
    mediaType: mediaType('media_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('media_owner_id_idx').on(t.ownerId)],
);

/** Browsers' Web Push subscriptions; an endpoint belongs to the user who registered it last. */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    // The session that registered it: logging out of that session removes it.
    sessionId: uuid('session_id').references(() => sessions.id, { onDelete: 'cascade' }),
    endpoint: text('endpoint').notNull(),
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(t.endpoint),
    index('push_subscriptions_user_id_idx').on(t.userId),
    index('push_subscriptions_session_id_idx').on(t.sessionId),
  ],
);

/**
 * The notification outbox's read position, per partition of the chats (a chat belongs to one): the
 * snapshot (pg_snapshot text) whose transactions have been notified, and the instance working on it.
 */
export const outboxPartitions = pgTable('outbox_partitions', {
  part: integer('part').primaryKey(),
  seen: text('seen').notNull(),
  owner: text('owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
});

/**
 * Notifications whose first attempt failed: retried on WEBHOOK_RETRY_SCHEDULE, then kept as dead
 * letters. `id` is the notification's stable id; `target` the subscription id (push) or 'webhook'.
 */
export const outboxRetries = pgTable(
  'outbox_retries',
  {
    channel: text('channel').notNull(),
    target: text('target').notNull(),
    id: text('id').notNull(),
    chatId: uuid('chat_id').notNull(),
    seq: integer('seq').notNull(),
    payload: jsonb('payload').notNull(),
    attempts: integer('attempts').notNull(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true }).notNull(),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastError: text('last_error'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    deadAt: timestamp('dead_at', { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.channel, t.target, t.id] }),
    index('outbox_retries_due_idx').on(t.nextAttemptAt).where(sql`${t.deadAt} IS NULL`),
    // One chat's notifications to one target go in seq order: a later one waits for the earlier.
    index('outbox_retries_chat_idx').on(t.channel, t.target, t.chatId, t.seq).where(sql`${t.deadAt} IS NULL`),
  ],
);

/**
 * The REST answers as zod schemas, for the OpenAPI document (`src/docs/openapi.ts`). Each is registered
 * under the name the document gives it. `view-schemas.check.ts` keeps them equal to the types of
 * `views.ts`, `events.ts` and `notifications.ts`, so the document cannot drift from what the server returns.
 */
import { z } from 'zod';
import { CHAT_ROLES, HISTORY_VISIBILITIES, MEDIA_TYPES } from './views.js';

export const viewRegistry = z.registry<{ id: string }>();

function named<S extends z.ZodType>(id: string, schema: S): S {
  viewRegistry.add(schema, { id });
  return schema;
}

const id = z.uuid();
const timestamp = z.iso.datetime().describe('ISO 8601, UTC');
const mediaType = z.enum(MEDIA_TYPES);
const role = z.enum(CHAT_ROLES);
const historyVisibility = z.enum(HISTORY_VISIBILITIES);
const removalReason = z.enum(['removed', 'left']);

export const publicUserSchema = named(
  'PublicUser',
  z.object({ id, name: z.string(), avatar: z.string().nullable() }),
);

export const userViewSchema = named(
  'User',
  publicUserSchema.extend({ email: z.string(), createdAt: timestamp }),
);

export const authResultSchema = named(
  'Session',
  z.object({ accessToken: z.string(), refreshToken: z.string(), user: userViewSchema }),
);

const replyPreviewSchema = named(
  'ReplyPreview',
  z.object({
    id,
    senderId: id.nullable(),
    preview: z.string().describe('the first characters of the original as it is now; empty once deleted'),
    mediaType: mediaType.nullable(),
    deleted: z.boolean(),
  }),
);

const reactionSummarySchema = named(
  'ReactionSummary',
  z.object({ emoji: z.string(), count: z.number().int(), me: z.boolean() }),
);

const systemEventSchema = named(
  'SystemEvent',
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('created'), title: z.string(), userIds: z.array(id) }),
    z.object({
      type: z.literal('updated'),
      title: z.string().optional(),
      avatar: z.string().nullable().optional(),
      historyVisibility: historyVisibility.optional(),
    }),
    z.object({ type: z.literal('member_added'), userIds: z.array(id) }),
    z.object({ type: z.literal('member_removed'), userId: id, reason: removalReason }),
    z.object({ type: z.literal('member_role_changed'), userId: id, role }),
  ]),
);

export const messageViewSchema = named(
  'Message',
  z.object({
    id,
    chatId: id,
    content: z.string(),
    mediaUrl: z.string().nullable(),
    mediaType: mediaType.nullable(),
    sender: publicUserSchema,
    createdAt: timestamp,
    seq: z.number().int().describe("the message's place in its chat's log"),
    clientMessageId: z.string().nullable(),
    replyTo: replyPreviewSchema.nullable(),
    editedAt: timestamp.nullable(),
    deletedAt: timestamp.nullable(),
    reactions: z.array(reactionSummarySchema),
    kind: z.enum(['user', 'system']),
    event: systemEventSchema.nullable(),
  }),
);

export const mediaViewSchema = named(
  'Media',
  z.object({
    id: z.string(),
    url: z.string().describe("what a message's mediaUrl carries"),
    mediaType,
    contentType: z.string(),
    size: z.number().int(),
  }),
);

export const signedLinkSchema = named('SignedLink', z.object({ url: z.string(), expiresAt: timestamp }));

export const chatNotificationsViewSchema = named(
  'ChatNotifications',
  z.object({ level: z.enum(['all', 'none']), mutedUntil: timestamp.nullable() }),
);

export const chatViewSchema = named(
  'Chat',
  z.object({
    id,
    type: z.enum(['DIRECT', 'GROUP']),
    peer: publicUserSchema.nullable(),
    title: z.string().nullable(),
    avatar: z.string().nullable(),
    memberCount: z.number().int(),
    role: role.nullable(),
    historyVisibility: historyVisibility.nullable(),
    lastMessage: messageViewSchema.nullable(),
    unreadCount: z.number().int(),
    readSeq: z.number().int(),
    peerReadSeq: z.number().int(),
    peerDeliveredSeq: z.number().int(),
    notifications: chatNotificationsViewSchema,
    updatedAt: timestamp,
  }),
);

export const createdGroupViewSchema = named(
  'CreatedGroup',
  chatViewSchema.extend({ notAdded: z.array(id).describe('who was not added (without why)') }),
);

export const memberViewSchema = named(
  'Member',
  z.object({ user: publicUserSchema, role, joinedAt: timestamp }),
);

export const membersAddedViewSchema = named(
  'MembersAdded',
  z.object({ added: z.array(id), alreadyMembers: z.array(id), notAdded: z.array(id) }),
);

export const ownerChangedViewSchema = named(
  'OwnerChanged',
  z.object({ owner: memberViewSchema, previousOwner: memberViewSchema }),
);

const readerViewSchema = named('Reader', z.object({ user: publicUserSchema, readSeq: z.number().int() }));

export const blockViewSchema = named('Block', z.object({ user: publicUserSchema, blockedAt: timestamp }));

function page<S extends z.ZodType>(name: string, item: S) {
  return named(
    name,
    z.object({
      items: z.array(item),
      nextCursor: z.string().nullable().describe('pass as the next call’s cursor; null on the last page'),
    }),
  );
}

export const chatPageSchema = page('ChatPage', chatViewSchema);
export const messagePageSchema = page('MessagePage', messageViewSchema);
export const memberPageSchema = page('MemberPage', memberViewSchema);
export const readerPageSchema = page('ReaderPage', readerViewSchema);
export const blockPageSchema = page('BlockPage', blockViewSchema);

export const userSearchSchema = named('UserSearch', z.object({ items: z.array(publicUserSchema) }));

export const readMarkSchema = named(
  'ReadMark',
  z.object({
    chatId: id,
    userId: id,
    messageId: id,
    seq: z.number().int(),
    readAt: timestamp,
    unreadCount: z.number().int(),
  }),
);

export const presenceSchema = named(
  'Presence',
  z.object({ userId: id, online: z.boolean(), lastSeenAt: timestamp.nullable() }),
);

export const pushKeyViewSchema = named('PushKey', z.object({ publicKey: z.string() }));

export const pushSubscriptionViewSchema = named(
  'PushSubscription',
  z.object({ id, endpoint: z.string(), createdAt: timestamp }),
);

const changeBase = { chatId: id, messageId: id, seq: z.number().int() };

export const messageEditedEventSchema = z.object({ ...changeBase, content: z.string(), editedAt: timestamp });
export const messageDeletedEventSchema = z.object({
  ...changeBase,
  scope: z.enum(['everyone', 'me']),
  deletedAt: timestamp,
});
export const reactionUpdatedEventSchema = z.object({
  ...changeBase,
  emoji: z.string(),
  userId: id,
  op: z.enum(['add', 'remove']),
  count: z.number().int(),
});

export const chatChangeSchema = named(
  'ChatChange',
  z.discriminatedUnion('type', [
    messageEditedEventSchema.extend({ type: z.literal('message_edited') }),
    messageDeletedEventSchema.extend({ type: z.literal('message_deleted') }),
    reactionUpdatedEventSchema.extend({ type: z.literal('reaction_updated') }),
  ]),
);

export const syncPageSchema = named(
  'SyncPage',
  z.object({
    messages: z.array(messageViewSchema),
    events: z.array(chatChangeSchema),
    token: z.string().describe('pass as `since` on the next call'),
    hasMore: z.boolean(),
  }),
);

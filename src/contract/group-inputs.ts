import { z } from 'zod';
import { storableText, uuidField } from '../common/validation/fields.js';
import { avatarSchema } from './user-inputs.js';
import { HISTORY_VISIBILITIES } from './views.js';

/** At most this many people are named in one create or add call. */
export const MAX_USERS_PER_CALL = 100;
export const MAX_TITLE_CHARS = 100;

const titleSchema = storableText().trim().min(1).max(MAX_TITLE_CHARS);

// Duplicates are one person; the caller's own id among them is ignored where it makes sense.
const userIdsSchema = (min: number) =>
  z
    .array(uuidField('user'))
    .min(min)
    .max(MAX_USERS_PER_CALL, { message: `at most ${MAX_USERS_PER_CALL} users per call` })
    .transform((ids) => [...new Set(ids)]);

/** `POST /api/chats`: a group, with its first members besides the creator. */
export const createGroupSchema = z.object({
  type: z.literal('GROUP', { message: 'must be GROUP (direct chats: POST /api/chats/direct)' }),
  title: titleSchema,
  memberIds: userIdsSchema(0).default([]),
  avatar: avatarSchema.optional(),
});

/** `PATCH /api/chats/:chatId` (admins). */
export const updateGroupSchema = z
  .object({
    title: titleSchema.optional(),
    avatar: avatarSchema.optional(),
    historyVisibility: z.enum(HISTORY_VISIBILITIES, { message: 'must be since_join or all' }).optional(),
  })
  .refine((v) => v.title !== undefined || v.avatar !== undefined || v.historyVisibility !== undefined, {
    message: 'give title, avatar or historyVisibility',
  });

/** `POST /api/chats/:chatId/members` (admins). */
export const addMembersSchema = z.object({ userIds: userIdsSchema(1) });

/** `PATCH /api/chats/:chatId/members/:userId` (the owner). */
export const roleSchema = z.object({
  role: z.enum(['admin', 'member'], { message: 'must be admin or member (hand ownership over instead)' }),
});

/** `POST /api/chats/:chatId/owner` (the owner). */
export const ownerSchema = z.object({ userId: uuidField('user') });

/** Keyset pages of people: members, readers, blocks. The cursor is opaque. */
export const peoplePageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: storableText().max(200).optional(),
});

export const userIdParamSchema = uuidField('user');
export type CreateGroupInput = z.output<typeof createGroupSchema>;
export type UpdateGroupInput = z.output<typeof updateGroupSchema>;

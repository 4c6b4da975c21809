import { z } from 'zod';
import { storableText } from '../common/validation/fields.js';
import { normalizedHttpUrl } from '../common/validation/http-url.js';

export const MAX_AVATAR_URL_CHARS = 2048;

export const nameSchema = storableText().trim().min(1).max(80);

// http(s) only: a javascript: or data: avatar would be rendered by some client somewhere.
export const avatarSchema = normalizedHttpUrl(MAX_AVATAR_URL_CHARS).nullable();

export const updateMeSchema = z
  .object({ name: nameSchema.optional(), avatar: avatarSchema.optional() })
  .refine((v) => v.name !== undefined || v.avatar !== undefined, { message: 'give name or avatar' });

export const searchUsersSchema = z.object({
  q: storableText().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(20),
});

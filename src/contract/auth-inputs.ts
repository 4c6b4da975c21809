import { z } from 'zod';
import { storableText } from '../common/validation/fields.js';
import { avatarSchema, nameSchema } from './user-inputs.js';

const emailSchema = storableText().trim().toLowerCase().pipe(z.email().max(254));

// Passwords are only hashed, never stored as text; they follow the same text rule so that one rule covers
// every string a client sends.
const newPasswordSchema = storableText().min(8).max(256);
// No length rule here beyond a sanity cap: a login must not reveal the password policy.
const presentedPasswordSchema = storableText().min(1).max(256);

export const registerSchema = z.object({
  email: emailSchema,
  password: newPasswordSchema,
  name: nameSchema,
  avatar: avatarSchema.optional().default(null),
});

export const loginSchema = z.object({
  email: emailSchema,
  password: presentedPasswordSchema,
});

export const refreshSchema = z.object({ refreshToken: storableText().min(1).max(512) });

export const changePasswordSchema = z.object({
  currentPassword: presentedPasswordSchema,
  newPassword: newPasswordSchema,
});

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;
export type RegisterInput = z.output<typeof registerSchema>;
export type LoginInput = z.output<typeof loginSchema>;

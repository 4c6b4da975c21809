import { z } from 'zod';
import { avatarSchema, nameSchema } from '../users/users.schemas.js';

const emailSchema = z.string().trim().toLowerCase().pipe(z.email().max(254));

export const registerSchema = z.object({
  email: emailSchema,
  password: z.string().min(8).max(256),
  name: nameSchema,
  avatar: avatarSchema.optional().default(null),
});

export const loginSchema = z.object({
  email: emailSchema,
  // No length rule here beyond a sanity cap: a login must not reveal the password policy.
  password: z.string().min(1).max(256),
});

export const refreshSchema = z.object({ refreshToken: z.string().min(1).max(512) });

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1).max(256),
  newPassword: z.string().min(8).max(256),
});

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;
export type RegisterInput = z.output<typeof registerSchema>;
export type LoginInput = z.output<typeof loginSchema>;

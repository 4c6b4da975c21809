import { z } from 'zod';
import { storableText } from '../common/validation/fields.js';

// A P-256 public key, uncompressed (65 bytes), and a 16-byte auth secret, both base64url as browsers give them.
const base64urlOfBytes = (what: string, bytes: number) =>
  storableText()
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, `${what} must be base64url`)
    .refine((v) => Buffer.from(v, 'base64url').length === bytes, `${what} must hold ${bytes} bytes`);

/** A browser's `PushSubscription.toJSON()`, as `POST /api/push/subscriptions` takes it. */
export const pushSubscriptionSchema = z.object({
  endpoint: storableText()
    .max(2048)
    .refine((v) => URL.canParse(v) && new URL(v).protocol === 'https:', 'endpoint must be an https URL'),
  expirationTime: z.number().nullable().optional(),
  keys: z.object({
    p256dh: base64urlOfBytes('keys.p256dh', 65).refine(
      (v) => Buffer.from(v, 'base64url')[0] === 0x04,
      'keys.p256dh must be an uncompressed P-256 point',
    ),
    auth: base64urlOfBytes('keys.auth', 16),
  }),
});

export const pushUnsubscribeSchema = z.object({ endpoint: storableText().max(2048) });

/** `PUT /api/chats/:chatId/notifications`: `none` until `mutedUntil` (or for good without it), or `all`. */
export const chatNotificationsSchema = z
  .object({
    level: z.enum(['all', 'none']),
    mutedUntil: z.iso.datetime({ offset: true }).nullable().optional(),
  })
  .refine((v) => v.level === 'none' || v.mutedUntil == null, {
    message: 'mutedUntil goes with level "none"',
    path: ['mutedUntil'],
  });

export type PushSubscriptionInput = z.infer<typeof pushSubscriptionSchema>;
export type ChatNotificationsInput = z.infer<typeof chatNotificationsSchema>;

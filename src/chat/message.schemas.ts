import { z } from 'zod';
import { inferMediaType } from './media-type.js';
import { MEDIA_TYPES, type MediaType } from './message.types.js';

export const MAX_CONTENT_CHARS = 4000;
export const MAX_MEDIA_URL_CHARS = 2048;
export const MAX_CLIENT_MESSAGE_ID_CHARS = 64;

// PostgreSQL text cannot hold NUL, and one bad row would fail a whole write batch: refuse it up front.
const noNul = (v: string) => !v.includes('\u0000');

// Spaces and control characters (NUL included) have no place in a URL a client will load.
const hasWhitespaceOrControl = (v: string) => [...v].some((c) => c.charCodeAt(0) <= 0x20);

const mediaUrlSchema = z
  .string()
  .trim()
  .max(MAX_MEDIA_URL_CHARS)
  .transform((value, ctx) => {
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || hasWhitespaceOrControl(value)) {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http or https URL' });
      return z.NEVER;
    }
    return { href: value, url };
  });

/** `chat:message_send`. Unknown keys are dropped; `senderId` is never read from the payload. */
export const messageSendSchema = z
  .object({
    receiverId: z.uuid({ message: 'must be a user id (uuid)' }),
    content: z.string().refine(noNul, 'must not contain NUL characters').optional(),
    mediaUrl: mediaUrlSchema.nullish(),
    LiveMediaType: z.enum(MEDIA_TYPES, { message: 'must be VIDEO or AUDIO' }).nullish(),
    clientMessageId: z
      .string()
      .min(1)
      .max(MAX_CLIENT_MESSAGE_ID_CHARS)
      .refine(noNul, 'must not contain NUL characters')
      .nullish(),
  })
  .transform((input, ctx) => {
    const content = (input.content ?? '').trim();
    const media = input.mediaUrl ?? null;
    if (input.content === undefined && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'is required' });
    } else if (content.length === 0 && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'must not be empty without a mediaUrl' });
    }
    if ([...content].length > MAX_CONTENT_CHARS) {
      ctx.addIssue({
        code: 'custom',
        path: ['content'],
        message: `must be at most ${MAX_CONTENT_CHARS} characters`,
      });
    }
    if (input.LiveMediaType && !media) {
      ctx.addIssue({ code: 'custom', path: ['LiveMediaType'], message: 'needs a mediaUrl' });
    }
    const mediaType: MediaType | null = media ? (input.LiveMediaType ?? inferMediaType(media.url)) : null;
    return {
      receiverId: input.receiverId.toLowerCase(),
      content,
      mediaUrl: media?.href ?? null,
      mediaType,
      clientMessageId: input.clientMessageId ?? null,
    };
  });

export type MessageSendInput = z.output<typeof messageSendSchema>;

export const historyQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    before: z.coerce.number().int().min(1).optional(),
    after: z.coerce.number().int().min(0).optional(),
  })
  .refine((q) => q.before === undefined || q.after === undefined, {
    message: 'give before or after, not both',
  });

export const chatListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.string().max(100).optional(),
});

export const directChatSchema = z.object({ userId: z.uuid({ message: 'must be a user id (uuid)' }) });
export const markReadSchema = z.object({ messageId: z.uuid({ message: 'must be a message id (uuid)' }) });
export const chatIdSchema = z.uuid({ message: 'must be a chat id (uuid)' });

export const receiptSchema = z.object({
  chatId: z.uuid({ message: 'must be a chat id (uuid)' }),
  messageId: z.uuid({ message: 'must be a message id (uuid)' }),
});

export const typingSchema = z
  .object({
    chatId: z.uuid({ message: 'must be a chat id (uuid)' }).optional(),
    receiverId: z.uuid({ message: 'must be a user id (uuid)' }).optional(),
    isTyping: z.boolean(),
  })
  .refine((v) => (v.chatId === undefined) !== (v.receiverId === undefined), {
    message: 'give chatId or receiverId, not both',
  });

export const syncQuerySchema = z.object({
  since: z.string().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

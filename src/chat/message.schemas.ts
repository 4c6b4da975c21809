import { z } from 'zod';
import { INT4_MAX, storableText, uuidField } from '../common/validation/fields.js';
import { hasWhitespaceOrControl } from '../common/validation/http-url.js';
import { UPLOAD_PATH } from '../media/upload-path.js';
import { inferMediaType } from './media-type.js';
import { MEDIA_TYPES, type MediaType } from './message.types.js';

export const MAX_CONTENT_CHARS = 4000;
export const MAX_MEDIA_URL_CHARS = 2048;
export const MAX_CLIENT_MESSAGE_ID_CHARS = 64;

// Our upload path is the one relative URL taken: it is the link the service hands out without PUBLIC_URL.
// It names no host; this base only lets it be read as a URL (an upload's type comes from storage anyway).
const UPLOAD_PATH_BASE = 'http://upload.invalid';

// The URL exactly as given: a padded one is refused rather than quietly changed.
const mediaUrlSchema = storableText()
  .max(MAX_MEDIA_URL_CHARS)
  .transform((value, ctx) => {
    if (UPLOAD_PATH.test(value)) return { href: value, url: new URL(value, UPLOAD_PATH_BASE) };
    const url = URL.canParse(value) ? new URL(value) : null;
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || hasWhitespaceOrControl(value)) {
      ctx.addIssue({
        code: 'custom',
        message: 'must be an absolute http or https URL, or the path of an upload (/api/media/<id>)',
      });
      return z.NEVER;
    }
    return { href: value, url };
  });

/** `chat:message_send`. Unknown keys are dropped; `senderId` is never read from the payload. */
export const messageSendSchema = z
  .object({
    receiverId: uuidField('user'),
    content: storableText().optional(),
    mediaUrl: mediaUrlSchema.nullish(),
    LiveMediaType: z.enum(MEDIA_TYPES, { message: 'must be VIDEO or AUDIO' }).nullish(),
    clientMessageId: storableText().min(1).max(MAX_CLIENT_MESSAGE_ID_CHARS).nullish(),
  })
  .transform((input, ctx) => {
    const content = (input.content ?? '').trim();
    const media = input.mediaUrl ?? null;
    if (input.content === undefined && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'is required' });
    } else if (content.length === 0 && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'must not be empty without a mediaUrl' });
    }
    // Code points, not UTF-16 units; the count only matters where it could be over the limit.
    if (content.length > MAX_CONTENT_CHARS && [...content].length > MAX_CONTENT_CHARS) {
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
      receiverId: input.receiverId,
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
    // seqs are PostgreSQL integers: a larger one is no seq this API gave out.
    before: z.coerce.number().int().min(1).max(INT4_MAX).optional(),
    after: z.coerce.number().int().min(0).max(INT4_MAX).optional(),
  })
  .refine((q) => q.before === undefined || q.after === undefined, {
    message: 'give before or after, not both',
  });

export const chatListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  // Opaque; decodeChatCursor() checks what it holds.
  before: storableText().max(100).optional(),
});

export const directChatSchema = z.object({ userId: uuidField('user') });
export const markReadSchema = z.object({ messageId: uuidField('message') });
export const chatIdSchema = uuidField('chat');

export const receiptSchema = z.object({
  chatId: uuidField('chat'),
  messageId: uuidField('message'),
});

export const typingSchema = z
  .object({
    chatId: uuidField('chat').optional(),
    receiverId: uuidField('user').optional(),
    isTyping: z.boolean(),
  })
  .refine((v) => (v.chatId === undefined) !== (v.receiverId === undefined), {
    message: 'give chatId or receiverId, not both',
  });

export const syncQuerySchema = z.object({
  // Opaque; decodeSyncToken() checks what it holds.
  since: storableText().min(1).max(4096).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

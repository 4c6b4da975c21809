import { z } from 'zod';
import { INT4_MAX, storableText, uuidField } from '../common/validation/fields.js';
import { hasWhitespaceOrControl } from '../common/validation/http-url.js';
import { UPLOAD_PATH } from '../media/upload-path.js';
import { inferMediaType } from './media-type.js';
import { MEDIA_TYPES, type MediaType } from './views.js';

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

/** Message text as sent or edited: trimmed, at most MAX_CONTENT_CHARS code points. */
const contentSchema = storableText().transform((value, ctx) => {
  const content = value.trim();
  // Code points, not UTF-16 units; the count only matters where it could be over the limit.
  if (content.length > MAX_CONTENT_CHARS && [...content].length > MAX_CONTENT_CHARS) {
    ctx.addIssue({ code: 'custom', message: `must be at most ${MAX_CONTENT_CHARS} characters` });
    return z.NEVER;
  }
  return content;
});

/** Where a message goes: the direct chat with a user, or a chat by id. */
export type SendTarget = { chatId: string; receiverId: null } | { chatId: null; receiverId: string };

/** `chat:message_send`. Unknown keys are dropped; `senderId` is never read from the payload. */
export const messageSendSchema = z
  .object({
    receiverId: uuidField('user').optional(),
    chatId: uuidField('chat').optional(),
    content: contentSchema.optional(),
    mediaUrl: mediaUrlSchema.nullish(),
    LiveMediaType: z.enum(MEDIA_TYPES, { message: 'must be VIDEO or AUDIO' }).nullish(),
    clientMessageId: storableText().min(1).max(MAX_CLIENT_MESSAGE_ID_CHARS).nullish(),
    replyToId: uuidField('message').nullish(),
  })
  .transform((input, ctx) => {
    if ((input.receiverId === undefined) === (input.chatId === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['receiverId'], message: 'give receiverId or chatId, not both' });
    }
    const content = input.content ?? '';
    const media = input.mediaUrl ?? null;
    if (input.content === undefined && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'is required' });
    } else if (content.length === 0 && !media) {
      ctx.addIssue({ code: 'custom', path: ['content'], message: 'must not be empty without a mediaUrl' });
    }
    if (input.LiveMediaType && !media) {
      ctx.addIssue({ code: 'custom', path: ['LiveMediaType'], message: 'needs a mediaUrl' });
    }
    const mediaType: MediaType | null = media ? (input.LiveMediaType ?? inferMediaType(media.url)) : null;
    const target: SendTarget = input.chatId
      ? { chatId: input.chatId, receiverId: null }
      : { chatId: null, receiverId: input.receiverId! };
    // The spread goes last: V8 (Node 20) takes a slow path for a spread followed by more properties,
    // the costliest step of a send's validation.
    return {
      content,
      mediaUrl: media?.href ?? null,
      mediaType,
      clientMessageId: input.clientMessageId ?? null,
      replyToId: input.replyToId ?? null,
      ...target,
    };
  });

export const messageIdSchema = uuidField('message');

/** `chat:message_edit` and the body of `PATCH /api/messages/:id`. Empty text is for media messages only. */
export const messageEditSchema = z.object({ messageId: messageIdSchema, content: contentSchema });
export const messageEditBodySchema = messageEditSchema.omit({ messageId: true });

export const DELETE_SCOPES = ['everyone', 'me'] as const;
const scopeSchema = z.enum(DELETE_SCOPES, { message: 'must be everyone or me' });

/** `chat:message_delete`, and the query of `DELETE /api/messages/:id`. */
export const messageDeleteSchema = z.object({ messageId: messageIdSchema, scope: scopeSchema });
export const messageDeleteQuerySchema = messageDeleteSchema.omit({ messageId: true });

export const MAX_EMOJI_BYTES = 64;
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
// biome-ignore lint/complexity/useRegexLiterals: the `v` flag (properties of strings) is newer than the compile target
const RGI_EMOJI = new RegExp('^\\p{RGI_Emoji}$', 'v');
const PICTOGRAPH = /^\p{Extended_Pictographic}$/u;

/**
 * Exactly one emoji: one extended grapheme cluster that is a fully qualified emoji (sequences, flags,
 * keycaps, skin tones), or a pictograph typed in text style (❤), stored in its emoji form (❤️) so that
 * the two are one reaction.
 */
export const emojiSchema = storableText().transform((value, ctx) => {
  const emoji = emojiOf(value);
  if (emoji === null) {
    ctx.addIssue({ code: 'custom', message: 'must be exactly one emoji' });
    return z.NEVER;
  }
  return emoji;
});

// The emoji test is a large Unicode property: its answers for real emoji are kept (there are a few thousand
// of them, and people react with few), never those for junk, which anyone can make up without end.
const knownEmoji = new Map<string, string>();

function emojiOf(value: string): string | null {
  const known = knownEmoji.get(value);
  if (known !== undefined) return known;
  const emoji = PICTOGRAPH.test(value) && RGI_EMOJI.test(`${value}\uFE0F`) ? `${value}\uFE0F` : value;
  const one =
    Buffer.byteLength(emoji) <= MAX_EMOJI_BYTES &&
    RGI_EMOJI.test(emoji) &&
    [...segmenter.segment(emoji)].length === 1;
  if (!one) return null;
  knownEmoji.set(value, emoji);
  return emoji;
}

/** `chat:reaction_add` and `chat:reaction_remove`. */
export const reactionSchema = z.object({ messageId: messageIdSchema, emoji: emojiSchema });

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

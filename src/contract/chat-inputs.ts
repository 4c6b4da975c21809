import { z } from 'zod';
import { storableText, uuidField } from '../common/validation/fields.js';

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

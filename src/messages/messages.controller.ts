import { Body, Controller, Delete, Get, Param, Patch, Put, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { chatIdSchema } from '../contract/chat-inputs.js';
import {
  emojiSchema,
  historyQuerySchema,
  messageDeleteQuerySchema,
  messageEditBodySchema,
  messageIdSchema,
} from '../contract/message-inputs.js';
import { messagePageSchema, messageViewSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { MessagesService } from './messages.service.js';

@Controller()
@UseGuards(AuthGuard)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  @ApiDoc({
    summary: "A chat's messages in their current state: newest first before a cursor, or after a seq",
    response: messagePageSchema,
    errors: ['CHAT_NOT_FOUND'],
  })
  @Get('chats/:chatId/messages')
  @RateLimit('history')
  history(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Query(new ZodPipe(historyQuerySchema)) query: z.output<typeof historyQuerySchema>,
  ) {
    return this.messages.history(user.id, chatId, query);
  }

  /** `{ content }`: the message with its new text, as `chat:message_edit` acks it. */
  @ApiDoc({
    summary: 'Edit your own message within the edit window: the message as it now is',
    response: messageViewSchema,
    errors: ['MESSAGE_NOT_FOUND', 'FORBIDDEN', 'EDIT_WINDOW_EXPIRED', 'MESSAGE_DELETED'],
  })
  @Patch('messages/:messageId')
  edit(
    @CurrentUser() user: AuthUser,
    @Param('messageId', new ZodPipe(messageIdSchema)) messageId: string,
    @Body(new ZodPipe(messageEditBodySchema)) body: z.output<typeof messageEditBodySchema>,
  ) {
    return this.messages.edit(user.id, messageId, body.content);
  }

  /** `?scope=everyone|me`: the message as it now is (a tombstone, or hidden from the caller's history). */
  @ApiDoc({
    summary:
      'Delete a message for everyone (yours, within the edit window) or for you: the message as it now is',
    response: messageViewSchema,
    errors: ['MESSAGE_NOT_FOUND', 'FORBIDDEN', 'EDIT_WINDOW_EXPIRED'],
  })
  @Delete('messages/:messageId')
  delete(
    @CurrentUser() user: AuthUser,
    @Param('messageId', new ZodPipe(messageIdSchema)) messageId: string,
    @Query(new ZodPipe(messageDeleteQuerySchema)) query: z.output<typeof messageDeleteQuerySchema>,
  ) {
    return this.messages.delete(user.id, messageId, query.scope);
  }

  /** Adds the caller's reaction (the emoji, URL-encoded in the path): the message with its reactions. */
  @ApiDoc({
    summary: 'React to a message with one emoji: the message with its reactions',
    response: messageViewSchema,
    errors: ['MESSAGE_NOT_FOUND', 'FORBIDDEN', 'MESSAGE_DELETED', 'REACTION_LIMIT'],
  })
  @Put('messages/:messageId/reactions/:emoji')
  react(
    @CurrentUser() user: AuthUser,
    @Param('messageId', new ZodPipe(messageIdSchema)) messageId: string,
    @Param('emoji', new ZodPipe(emojiSchema)) emoji: string,
  ) {
    return this.messages.react(user.id, messageId, emoji, 'add');
  }

  @ApiDoc({
    summary: 'Take your reaction back: the message with its reactions',
    response: messageViewSchema,
    errors: ['MESSAGE_NOT_FOUND', 'FORBIDDEN', 'MESSAGE_DELETED'],
  })
  @Delete('messages/:messageId/reactions/:emoji')
  unreact(
    @CurrentUser() user: AuthUser,
    @Param('messageId', new ZodPipe(messageIdSchema)) messageId: string,
    @Param('emoji', new ZodPipe(emojiSchema)) emoji: string,
  ) {
    return this.messages.react(user.id, messageId, emoji, 'remove');
  }
}

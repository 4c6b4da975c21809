import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import {
  chatIdSchema,
  chatListQuerySchema,
  directChatSchema,
  markReadSchema,
} from '../contract/chat-inputs.js';
import { chatNotificationsSchema } from '../contract/notification-inputs.js';
import {
  chatNotificationsViewSchema,
  chatPageSchema,
  chatViewSchema,
  readMarkSchema,
} from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { ChatsService } from './chats.service.js';

@Controller('chats')
@UseGuards(AuthGuard)
export class ChatsController {
  constructor(private readonly chats: ChatsService) {}

  @ApiDoc({ summary: 'Your chats, most recent first', response: chatPageSchema })
  @Get()
  @RateLimit('history')
  list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(chatListQuerySchema)) query: z.output<typeof chatListQuerySchema>,
  ) {
    return this.chats.listChats(user.id, query.limit, query.before);
  }

  /** Get or create the direct chat with a user: 201 when it was created, 200 when it existed. */
  @ApiDoc({
    summary: 'Open the direct chat with someone: 201 when it was created, 200 when it existed',
    response: chatViewSchema,
    statuses: [201, 200],
    errors: ['USER_NOT_FOUND'],
  })
  @Post('direct')
  async direct(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(directChatSchema)) body: z.output<typeof directChatSchema>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const { chat, created } = await this.chats.openDirect(user.id, body.userId);
    reply.status(created ? 201 : 200);
    return chat;
  }

  @ApiDoc({
    summary: 'Mark a chat read up to a message (a read mark never moves back)',
    response: readMarkSchema,
    errors: ['CHAT_NOT_FOUND', 'MESSAGE_NOT_FOUND'],
  })
  @Post(':chatId/read')
  @HttpCode(200)
  async read(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(markReadSchema)) body: z.output<typeof markReadSchema>,
  ) {
    const { receipt, unreadCount } = await this.chats.markRead(user.id, chatId, body.messageId);
    return { ...receipt, unreadCount };
  }

  /** The caller's push setting for the chat: `none` (muted, until `mutedUntil` when given) or `all`. */
  @ApiDoc({
    summary: 'Mute or unmute push notifications of a chat',
    response: chatNotificationsViewSchema,
    errors: ['CHAT_NOT_FOUND'],
  })
  @Put(':chatId/notifications')
  notifications(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(chatNotificationsSchema)) body: z.output<typeof chatNotificationsSchema>,
  ) {
    return this.chats.setNotifications(user.id, chatId, body);
  }
}

import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  Patch,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ChatsService } from '../chats/chats.service.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { chatIdSchema } from '../contract/chat-inputs.js';
import {
  addMembersSchema,
  createGroupSchema,
  ownerSchema,
  peoplePageSchema,
  roleSchema,
  updateGroupSchema,
  userIdParamSchema,
} from '../contract/group-inputs.js';
import { messageIdSchema } from '../contract/message-inputs.js';
import { GroupsService } from './groups.service.js';

type Page = z.output<typeof peoplePageSchema>;

@Controller('chats')
@UseGuards(AuthGuard)
export class GroupsController {
  constructor(
    private readonly groups: GroupsService,
    private readonly chats: ChatsService,
  ) {}

  /** A group, owned by the caller: 201 with the chat, and who was not added. */
  @Post()
  create(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(createGroupSchema)) body: z.output<typeof createGroupSchema>,
  ) {
    return this.groups.create(user.id, body);
  }

  @Get(':chatId')
  get(@CurrentUser() user: AuthUser, @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string) {
    return this.chats.chatView(user.id, chatId);
  }

  @Patch(':chatId')
  update(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(updateGroupSchema)) body: z.output<typeof updateGroupSchema>,
  ) {
    return this.groups.update(user.id, chatId, body);
  }

  @Get(':chatId/members')
  members(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Query(new ZodPipe(peoplePageSchema)) query: Page,
  ) {
    return this.groups.members(user.id, chatId, query.limit, query.cursor);
  }

  @Post(':chatId/members')
  @HttpCode(200)
  add(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(addMembersSchema)) body: z.output<typeof addMembersSchema>,
  ) {
    return this.groups.addMembers(user.id, chatId, body.userIds);
  }

  @Delete(':chatId/members/:userId')
  @HttpCode(204)
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Param('userId', new ZodPipe(userIdParamSchema)) userId: string,
  ) {
    await this.groups.removeMember(user.id, chatId, userId);
  }

  @Patch(':chatId/members/:userId')
  setRole(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Param('userId', new ZodPipe(userIdParamSchema)) userId: string,
    @Body(new ZodPipe(roleSchema)) body: z.output<typeof roleSchema>,
  ) {
    return this.groups.setRole(user.id, chatId, userId, body.role);
  }

  @Post(':chatId/leave')
  @HttpCode(204)
  async leave(@CurrentUser() user: AuthUser, @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string) {
    await this.groups.leave(user.id, chatId);
  }

  @Post(':chatId/owner')
  @HttpCode(200)
  transfer(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(ownerSchema)) body: z.output<typeof ownerSchema>,
  ) {
    return this.groups.transferOwnership(user.id, chatId, body.userId);
  }

  @Get(':chatId/messages/:messageId/reads')
  reads(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Param('messageId', new ZodPipe(messageIdSchema)) messageId: string,
    @Query(new ZodPipe(peoplePageSchema)) query: Page,
  ) {
    return this.groups.readers(user.id, chatId, messageId, query.limit, query.cursor);
  }
}

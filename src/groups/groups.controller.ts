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
import {
  chatViewSchema,
  createdGroupViewSchema,
  memberPageSchema,
  membersAddedViewSchema,
  memberViewSchema,
  ownerChangedViewSchema,
  readerPageSchema,
} from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
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
  @ApiDoc({
    summary: 'Create a group that you own, with its first members',
    response: createdGroupViewSchema,
    errors: ['GROUP_FULL'],
  })
  @Post()
  create(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(createGroupSchema)) body: z.output<typeof createGroupSchema>,
  ) {
    return this.groups.create(user.id, body);
  }

  @ApiDoc({ summary: 'One of your chats', response: chatViewSchema, errors: ['CHAT_NOT_FOUND'] })
  @Get(':chatId')
  get(@CurrentUser() user: AuthUser, @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string) {
    return this.chats.chatView(user.id, chatId);
  }

  @ApiDoc({
    summary: "Change a group's title, avatar or history setting (admins)",
    response: chatViewSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN'],
  })
  @Patch(':chatId')
  update(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(updateGroupSchema)) body: z.output<typeof updateGroupSchema>,
  ) {
    return this.groups.update(user.id, chatId, body);
  }

  @ApiDoc({
    summary: "A group's members, oldest first",
    response: memberPageSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN'],
  })
  @Get(':chatId/members')
  members(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Query(new ZodPipe(peoplePageSchema)) query: Page,
  ) {
    return this.groups.members(user.id, chatId, query.limit, query.cursor);
  }

  @ApiDoc({
    summary: 'Add people to a group (admins)',
    response: membersAddedViewSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'GROUP_FULL'],
  })
  @Post(':chatId/members')
  @HttpCode(200)
  add(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(addMembersSchema)) body: z.output<typeof addMembersSchema>,
  ) {
    return this.groups.addMembers(user.id, chatId, body.userIds);
  }

  @ApiDoc({
    summary: 'Remove someone from a group (admins remove members, the owner also admins)',
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'USER_NOT_FOUND', 'OWNER_MUST_TRANSFER'],
  })
  @Delete(':chatId/members/:userId')
  @HttpCode(204)
  async remove(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Param('userId', new ZodPipe(userIdParamSchema)) userId: string,
  ) {
    await this.groups.removeMember(user.id, chatId, userId);
  }

  @ApiDoc({
    summary: "Change a member's role (the owner)",
    response: memberViewSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'USER_NOT_FOUND'],
  })
  @Patch(':chatId/members/:userId')
  setRole(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Param('userId', new ZodPipe(userIdParamSchema)) userId: string,
    @Body(new ZodPipe(roleSchema)) body: z.output<typeof roleSchema>,
  ) {
    return this.groups.setRole(user.id, chatId, userId, body.role);
  }

  @ApiDoc({
    summary: 'Leave a group (the owner hands it over first)',
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'OWNER_MUST_TRANSFER'],
  })
  @Post(':chatId/leave')
  @HttpCode(204)
  async leave(@CurrentUser() user: AuthUser, @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string) {
    await this.groups.leave(user.id, chatId);
  }

  @ApiDoc({
    summary: 'Hand a group over to another member (the owner)',
    response: ownerChangedViewSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'USER_NOT_FOUND'],
  })
  @Post(':chatId/owner')
  @HttpCode(200)
  transfer(
    @CurrentUser() user: AuthUser,
    @Param('chatId', new ZodPipe(chatIdSchema)) chatId: string,
    @Body(new ZodPipe(ownerSchema)) body: z.output<typeof ownerSchema>,
  ) {
    return this.groups.transferOwnership(user.id, chatId, body.userId);
  }

  @ApiDoc({
    summary: 'Who in a group has read a message',
    response: readerPageSchema,
    errors: ['CHAT_NOT_FOUND', 'FORBIDDEN', 'MESSAGE_NOT_FOUND'],
  })
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

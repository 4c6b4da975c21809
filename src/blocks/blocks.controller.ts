import { Controller, Delete, Get, HttpCode, Param, Put, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { peoplePageSchema, userIdParamSchema } from '../contract/group-inputs.js';
import { blockPageSchema, blockViewSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { BlocksService } from './blocks.service.js';

@Controller('users/me/blocks')
@UseGuards(AuthGuard)
export class BlocksController {
  constructor(private readonly blocks: BlocksService) {}

  @ApiDoc({ summary: 'The people you block, newest first', response: blockPageSchema })
  @Get()
  list(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(peoplePageSchema)) query: z.output<typeof peoplePageSchema>,
  ) {
    return this.blocks.list(user.id, query.limit, query.cursor);
  }

  /** Blocks a user: 200 with the block, the same when already blocked. */
  @ApiDoc({
    summary: 'Block someone (blocking them again changes nothing)',
    response: blockViewSchema,
    errors: ['USER_NOT_FOUND', 'BLOCK_LIMIT'],
  })
  @Put(':userId')
  block(@CurrentUser() user: AuthUser, @Param('userId', new ZodPipe(userIdParamSchema)) userId: string) {
    return this.blocks.block(user.id, userId);
  }

  /** Unblocks a user: 204, also when they were not blocked. */
  @ApiDoc({ summary: 'Unblock someone (also when they were not blocked)' })
  @Delete(':userId')
  @HttpCode(204)
  async unblock(
    @CurrentUser() user: AuthUser,
    @Param('userId', new ZodPipe(userIdParamSchema)) userId: string,
  ) {
    await this.blocks.unblock(user.id, userId);
  }
}

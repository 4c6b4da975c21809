import { Body, Controller, Get, Patch, Query, UseGuards } from '@nestjs/common';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { searchUsersSchema, updateMeSchema } from '../contract/user-inputs.js';
import { userSearchSchema, userViewSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { UsersService } from './users.service.js';

@Controller('users')
@UseGuards(AuthGuard)
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @ApiDoc({ summary: 'Your own profile', response: userViewSchema })
  @Get('me')
  me(@CurrentUser() user: AuthUser) {
    return this.users.getMe(user.id);
  }

  @ApiDoc({ summary: 'Change your name or avatar', response: userViewSchema })
  @Patch('me')
  update(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(updateMeSchema)) body: typeof updateMeSchema._output,
  ) {
    return this.users.updateMe(user.id, body);
  }

  @ApiDoc({
    summary: 'Find people to start a chat with, by name or email',
    response: userSearchSchema,
  })
  @Get()
  @RateLimit('search')
  async search(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(searchUsersSchema)) query: typeof searchUsersSchema._output,
  ) {
    return { items: await this.users.search(user.id, query.q, query.limit) };
  }
}

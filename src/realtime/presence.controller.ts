import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { uuidField } from '../common/validation/fields.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { presenceSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { PresenceService } from './presence.service.js';

const userIdSchema = uuidField('user');

@Controller('users')
@UseGuards(AuthGuard)
export class PresenceController {
  constructor(private readonly presence: PresenceService) {}

  /** `{ userId, online, lastSeenAt }` of yourself or a chat peer; 404 for anyone else. */
  @ApiDoc({
    summary: 'Whether a user is online: yourself, or someone who has written to you',
    response: presenceSchema,
    errors: ['USER_NOT_FOUND'],
  })
  @Get(':id/presence')
  get(@CurrentUser() user: AuthUser, @Param('id', new ZodPipe(userIdSchema)) id: string) {
    return this.presence.get(user.id, id);
  }
}

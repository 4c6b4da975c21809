import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { RateLimit } from '../common/rate-limit/rate-limit.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { syncQuerySchema } from '../contract/sync-inputs.js';
import { syncPageSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { SyncService } from './sync.service.js';

@Controller('sync')
@UseGuards(AuthGuard)
export class SyncController {
  constructor(private readonly sync: SyncService) {}

  /** `{ messages, events, token, hasMore }`: everything in the caller's chats committed after `since`. */
  @ApiDoc({
    summary:
      'Everything in your chats committed after `since`: call after every (re)connect until `hasMore` is false',
    response: syncPageSchema,
  })
  @Get()
  @RateLimit('sync')
  since(
    @CurrentUser() user: AuthUser,
    @Query(new ZodPipe(syncQuerySchema)) query: z.output<typeof syncQuerySchema>,
  ) {
    return this.sync.since(user.id, query.since, query.limit);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Post, UseGuards } from '@nestjs/common';
import type { z } from 'zod';
import { AuthGuard } from '../auth/auth.guard.js';
import { type AuthUser, CurrentUser } from '../auth/current-user.decorator.js';
import { ZodPipe } from '../common/validation/zod-body.pipe.js';
import { pushSubscriptionSchema, pushUnsubscribeSchema } from '../contract/notification-inputs.js';
import { pushKeyViewSchema, pushSubscriptionViewSchema } from '../contract/view-schemas.js';
import { ApiDoc } from '../docs/api-doc.decorator.js';
import { PushSubscriptionsService } from './push-subscriptions.service.js';

@Controller('push')
@UseGuards(AuthGuard)
export class PushController {
  constructor(private readonly push: PushSubscriptionsService) {}

  /** The VAPID public key: `applicationServerKey` for `pushManager.subscribe`. */
  @ApiDoc({ summary: 'The VAPID public key for `pushManager.subscribe`', response: pushKeyViewSchema })
  @Get('key')
  key() {
    return this.push.publicKey();
  }

  /** Stores a browser's PushSubscription for the caller's session (201; the same endpoint again updates it). */
  @ApiDoc({
    summary: 'Store a browser’s push subscription for this session (the same endpoint again updates it)',
    response: pushSubscriptionViewSchema,
    errors: ['PUSH_ENDPOINT_REFUSED', 'PUSH_SUBSCRIPTION_LIMIT'],
  })
  @Post('subscriptions')
  subscribe(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(pushSubscriptionSchema)) body: z.output<typeof pushSubscriptionSchema>,
  ) {
    return this.push.subscribe(user, body);
  }

  /** Removes one of the caller's subscriptions by endpoint: 204. */
  @ApiDoc({ summary: 'Remove one of your push subscriptions by endpoint' })
  @Delete('subscriptions')
  @HttpCode(204)
  async unsubscribe(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(pushUnsubscribeSchema)) body: z.output<typeof pushUnsubscribeSchema>,
  ) {
    await this.push.unsubscribe(user.id, body.endpoint);
  }
}

import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { SessionEvents } from '../auth/session-events.js';
import { AppError } from '../common/errors/app-error.js';
import { newId } from '../common/ids/new-id.js';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { PushSubscriptionInput } from '../contract/notification-inputs.js';
import type { PushKeyView, PushSubscriptionView } from '../contract/notifications.js';
import { endpointIsPublic } from './endpoint-guard.js';
import { PushSubscriptionsRepository } from './push-subscriptions.repository.js';

/** Per user: one per browser profile is the usual count; this leaves room for several devices. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10;

/** Who may be pushed to: subscriptions made by signed-in sessions, gone when the session ends. */
@Injectable()
export class PushSubscriptionsService implements OnModuleInit {
  constructor(
    private readonly subscriptions: PushSubscriptionsRepository,
    private readonly sessionEvents: SessionEvents,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    // A device signed out (or every device, after a password change) must stop getting the user's pushes.
    this.sessionEvents.onRevoked((revocation) => {
      const removal =
        'sessionId' in revocation
          ? this.subscriptions.removeOfSession(revocation.sessionId)
          : this.subscriptions.removeOfUser(revocation.userId);
      removal.catch((err: unknown) =>
        this.logger.warn({ err }, 'removing the push subscriptions of a session failed'),
      );
    });
  }

  publicKey(): PushKeyView {
    return { publicKey: this.config.vapid.publicKey };
  }

  async subscribe(
    user: { id: string; sessionId: string },
    input: PushSubscriptionInput,
  ): Promise<PushSubscriptionView> {
    if (!this.config.notifications.push.allowPrivateEndpoints && !(await endpointIsPublic(input.endpoint))) {
      throw new AppError('PUSH_ENDPOINT_REFUSED');
    }
    const stored = await this.subscriptions.upsert(
      {
        id: newId(),
        userId: user.id,
        sessionId: user.sessionId,
        endpoint: input.endpoint,
        p256dh: input.keys.p256dh,
        auth: input.keys.auth,
      },
      MAX_SUBSCRIPTIONS_PER_USER,
    );
    if (!stored) throw new AppError('PUSH_SUBSCRIPTION_LIMIT');
    return stored;
  }

  /** Removes one of the caller's subscriptions; also done when there was none (a repeated call). */
  async unsubscribe(userId: string, endpoint: string): Promise<void> {
    await this.subscriptions.remove(userId, endpoint);
  }
}

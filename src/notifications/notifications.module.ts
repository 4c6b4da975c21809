import { type DynamicModule, Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { MessagesDataModule } from '../messages/messages-data.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { NotificationChannels, PUSH_CA } from './notification-channels.js';
import { OutboxRepository } from './outbox.repository.js';
import { OutboxDispatcher } from './outbox-dispatcher.js';
import { OutboxHealthController, OutboxHealthReader } from './outbox-health.js';
import { OutboxRetries } from './outbox-retries.js';
import { PushController } from './push.controller.js';
import { PushSubscriptionsRepository } from './push-subscriptions.repository.js';
import { PushSubscriptionsService } from './push-subscriptions.service.js';

/** Webhooks and Web Push, from the chats' log (see OutboxDispatcher). */
@Module({})
export class NotificationsModule {
  static forRoot(pushCa?: string): DynamicModule {
    return {
      module: NotificationsModule,
      imports: [AuthModule, RealtimeModule, MessagesDataModule],
      controllers: [PushController, OutboxHealthController],
      providers: [
        { provide: PUSH_CA, useValue: pushCa },
        NotificationChannels,
        OutboxRepository,
        OutboxDispatcher,
        OutboxRetries,
        OutboxHealthReader,
        PushSubscriptionsRepository,
        PushSubscriptionsService,
      ],
    };
  }
}

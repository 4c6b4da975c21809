import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ChatsModule } from '../chats/chats.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { ChatLogRepository } from './chat-log.repository.js';
import { MessageEvents } from './message-events.js';
import { MessageViews } from './message-views.js';
import { MessageWriter } from './message-writer.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';
import { MessagesDataModule } from './messages-data.module.js';
import { SyncController } from './sync.controller.js';
import { SyncRepository } from './sync.repository.js';
import { SyncService } from './sync.service.js';

@Module({
  imports: [AuthModule, RealtimeModule, ChatsModule, MessagesDataModule],
  controllers: [MessagesController, SyncController],
  providers: [
    MessagesService,
    MessageEvents,
    MessageWriter,
    MessageViews,
    ChatLogRepository,
    SyncService,
    SyncRepository,
  ],
})
export class MessagesModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { BlocksDataModule } from '../blocks/blocks-data.module.js';
import { MessagesDataModule } from '../messages/messages-data.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { ChatCache } from './chat-cache.js';
import { ChatEvents } from './chat-events.js';
import { ChatsController } from './chats.controller.js';
import { ChatsRepository } from './chats.repository.js';
import { ChatsService } from './chats.service.js';

@Module({
  imports: [AuthModule, RealtimeModule, MessagesDataModule, BlocksDataModule],
  controllers: [ChatsController],
  providers: [ChatsService, ChatsRepository, ChatCache, ChatEvents],
  exports: [ChatsService],
})
export class ChatsModule {}

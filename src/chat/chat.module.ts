import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RealtimeModule } from '../realtime/realtime.module.js';
import { ChatController } from './chat.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { ChatCache } from './chat-cache.js';
import { MessageWriter } from './message-writer.js';
import { SyncController } from './sync.controller.js';
import { SyncRepository } from './sync.repository.js';
import { SyncService } from './sync.service.js';

@Module({
  imports: [AuthModule, RealtimeModule],
  controllers: [ChatController, SyncController],
  providers: [
    ChatGateway,
    ChatService,
    ChatRepository,
    MessageWriter,
    ChatCache,
    SyncService,
    SyncRepository,
  ],
})
export class ChatModule {}

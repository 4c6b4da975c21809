import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { ConnectedUsers } from '../realtime/connected-users.js';
import { SocketAuth } from '../realtime/socket-auth.js';
import { UsersModule } from '../users/users.module.js';
import { ChatController } from './chat.controller.js';
import { ChatGateway } from './chat.gateway.js';
import { ChatRepository } from './chat.repository.js';
import { ChatService } from './chat.service.js';
import { DirectChatCache } from './direct-chat-cache.js';
import { MessageWriter } from './message-writer.js';

@Module({
  imports: [AuthModule, UsersModule],
  controllers: [ChatController],
  providers: [
    ChatGateway,
    ChatService,
    ChatRepository,
    MessageWriter,
    DirectChatCache,
    SocketAuth,
    ConnectedUsers,
  ],
})
export class ChatModule {}

import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { UsersModule } from '../users/users.module.js';
import { ConnectedUsers } from './connected-users.js';
import { ConnectionGateway } from './connection.gateway.js';
import { PresenceController } from './presence.controller.js';
import { PresenceRepository } from './presence.repository.js';
import { PresenceService } from './presence.service.js';
import { RealtimeEmitter } from './realtime-emitter.js';
import { SlowConsumers } from './slow-consumers.js';
import { SocketAuth } from './socket-auth.js';
import { SocketEvents } from './socket-events.js';
import { TypingService } from './typing.service.js';
import { UserLocator } from './user-locator.js';

@Module({
  imports: [AuthModule, UsersModule],
  controllers: [PresenceController],
  providers: [
    ConnectionGateway,
    SocketEvents,
    ConnectedUsers,
    RealtimeEmitter,
    PresenceRepository,
    PresenceService,
    TypingService,
    SocketAuth,
    UserLocator,
    SlowConsumers,
  ],
  exports: [RealtimeEmitter, PresenceService, TypingService, SocketEvents, ConnectedUsers, UserLocator],
})
export class RealtimeModule {}

import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuthModule } from './auth/auth.module.js';
import { BlocksModule } from './blocks/blocks.module.js';
import { ChatsModule } from './chats/chats.module.js';
import { LoggerModule } from './common/logging/logger.module.js';
import { RateLimitModule } from './common/rate-limit/rate-limit.module.js';
import type { Clock } from './common/time/clock.js';
import { ClockModule } from './common/time/clock.module.js';
import type { AppConfig } from './config/config.js';
import { ConfigModule } from './config/config.module.js';
import type { DatabaseHandle } from './database/database.js';
import { DatabaseModule } from './database/database.module.js';
import { DocsModule } from './docs/docs.module.js';
import { GroupsModule } from './groups/groups.module.js';
import { HealthModule } from './health/health.module.js';
import { MediaModule } from './media/media.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { NotificationsModule } from './notifications/notifications.module.js';
import type { RedisClient } from './redis/redis.js';
import { RedisModule } from './redis/redis.module.js';
import type { RedisBus } from './redis/redis-bus.js';
import { UsersModule } from './users/users.module.js';

export interface AppResources {
  config: AppConfig;
  logger: Logger;
  database: DatabaseHandle;
  redis: RedisClient | null;
  bus: RedisBus | null;
  clock: Clock;
  pushCa?: string;
}

@Module({})
export class AppModule {
  static forRoot(resources: AppResources): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(resources.config),
        LoggerModule.forRoot(resources.logger),
        ClockModule.forRoot(resources.clock),
        DatabaseModule.forRoot(resources.database),
        RedisModule.forRoot(resources.redis, resources.bus),
        MetricsModule,
        RateLimitModule,
        AuthModule,
        UsersModule,
        ChatsModule,
        GroupsModule,
        BlocksModule,
        MessagesModule,
        MediaModule,
        NotificationsModule.forRoot(resources.pushCa),
        DocsModule,
        HealthModule,
      ],
    };
  }
}

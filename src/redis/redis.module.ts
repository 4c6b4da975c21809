import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { RedisClient } from './redis.js';
import type { RedisBus } from './redis-bus.js';

/** The shared Redis client, or null when REDIS_URL is unset (single-process, in-memory mode). */
export const REDIS = Symbol('REDIS');
/** Pub/sub between instances, or null without Redis. */
export const REDIS_BUS = Symbol('REDIS_BUS');

@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(
    @Inject(REDIS) private readonly redis: RedisClient | null,
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
  ) {}

  static forRoot(redis: RedisClient | null, bus: RedisBus | null): DynamicModule {
    return {
      module: RedisModule,
      providers: [
        { provide: REDIS, useValue: redis },
        { provide: REDIS_BUS, useValue: bus },
      ],
      exports: [REDIS, REDIS_BUS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.bus?.close();
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

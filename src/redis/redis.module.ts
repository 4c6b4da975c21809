import { type DynamicModule, Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';

/** The shared Redis client, or null when REDIS_URL is unset (single-process, in-memory mode). */
export const REDIS = Symbol('REDIS');

@Global()
@Module({})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  static forRoot(redis: Redis | null): DynamicModule {
    return { module: RedisModule, providers: [{ provide: REDIS, useValue: redis }], exports: [REDIS] };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

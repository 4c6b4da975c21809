import { Inject, Injectable } from '@nestjs/common';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { AppConfig } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { REDIS_BUS } from '../../redis/redis.module.js';
import type { RedisBus } from '../../redis/redis-bus.js';
import { AppError, RETRY_AFTER_DETAIL } from '../errors/app-error.js';

/**
 * Every rate limit of the service, with rate-limiter-flexible: in memory, or in Redis when configured so
 * that all instances share one budget per user or IP.
 */
@Injectable()
export class RateLimiters {
  /** Messages per user: the configured rate per second, in 2-second windows (bursts of twice the rate). */
  readonly messages: RateLimiterAbstract;
  /** Register and login attempts per client IP per minute. */
  readonly auth: RateLimiterAbstract;
  /** Typing events per user per 5 seconds. */
  readonly typing: RateLimiterAbstract;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
  ) {
    this.messages = this.create('messages', config.limits.messagesPerSecond * 2, 2);
    this.auth = this.create('auth', config.limits.authPerMinute, 60);
    this.typing = this.create('typing', config.limits.typingPer5s, 5);
  }

  /** Takes one point for `key`, or throws RATE_LIMITED saying when to try again. */
  async consume(limiter: RateLimiterAbstract, key: string, what: string): Promise<void> {
    try {
      await limiter.consume(key);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection; // the store failed, not the limit
      const seconds = Math.ceil(((rejection as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000);
      throw new AppError('RATE_LIMITED', `Too many ${what}; try again in ${seconds} s`, [
        { path: RETRY_AFTER_DETAIL, message: String(seconds) },
      ]);
    }
  }

  private create(name: string, points: number, duration: number): RateLimiterAbstract {
    return this.bus
      ? new RateLimiterRedis({
          storeClient: this.bus.client,
          keyPrefix: this.bus.key('rate', name),
          points,
          duration,
        })
      : new RateLimiterMemory({ points, duration });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import type { AppConfig, RateLimits } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { RateLimitSetting } from '../../config/rate-limit-setting.js';
import { REDIS_BUS } from '../../redis/redis.module.js';
import type { RedisBus } from '../../redis/redis-bus.js';
import { AppError, RETRY_AFTER_DETAIL } from '../errors/app-error.js';

export type RateLimitName = keyof RateLimits;

// How a refusal names what was limited: "Too many <what>; try again in 3 s".
const WHAT: Record<RateLimitName, string> = {
  messages: 'messages',
  receipts: 'read and delivered receipts',
  typing: 'typing events',
  sync: 'sync requests',
  history: 'history and chat list requests',
  search: 'searches',
  uploads: 'uploads',
  api: 'requests',
  auth: 'sign-in attempts',
};

/**
 * Every rate limit of the service, with rate-limiter-flexible: in memory, or in Redis when configured so
 * that all instances share one budget per user (per IP for sign-in). A key over its budget is then
 * refused from memory for the rest of its window, so a flood costs Redis nothing more; if Redis is down,
 * each instance counts in its own memory meanwhile.
 */
@Injectable()
export class RateLimiters {
  private readonly limiters: Record<RateLimitName, RateLimiterAbstract>;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
  ) {
    const rates = config.limits.rates;
    this.limiters = Object.fromEntries(
      (Object.keys(rates) as RateLimitName[]).map((name) => [name, this.create(name, rates[name])]),
    ) as Record<RateLimitName, RateLimiterAbstract>;
  }

  /** Takes one point of `name` for `key`, or throws RATE_LIMITED saying when to try again. */
  async consume(name: RateLimitName, key: string): Promise<void> {
    try {
      await this.limiters[name].consume(key);
    } catch (rejection) {
      if (rejection instanceof Error) throw rejection; // the store failed, not the limit
      const seconds = Math.ceil(((rejection as { msBeforeNext?: number }).msBeforeNext ?? 1000) / 1000);
      throw new AppError('RATE_LIMITED', `Too many ${WHAT[name]}; try again in ${seconds} s`, [
        { path: RETRY_AFTER_DETAIL, message: String(seconds) },
      ]);
    }
  }

  private create(name: RateLimitName, { points, seconds: duration }: RateLimitSetting): RateLimiterAbstract {
    if (!this.bus) return new RateLimiterMemory({ points, duration });
    return new RateLimiterRedis({
      storeClient: this.bus.client,
      keyPrefix: this.bus.key('rate', name),
      points,
      duration,
      inMemoryBlockOnConsumed: points,
      insuranceLimiter: new RateLimiterMemory({ points, duration }),
    });
  }
}

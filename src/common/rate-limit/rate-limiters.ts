import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { RateLimiterMemory, type RateLimiterRes } from 'rate-limiter-flexible';
import type { AppConfig, RateLimits } from '../../config/config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { RateLimitSetting } from '../../config/rate-limit-setting.js';
import { REDIS_BUS } from '../../redis/redis.module.js';
import type { RedisBus } from '../../redis/redis-bus.js';
import { AppError, RETRY_AFTER_DETAIL } from '../errors/app-error.js';
import { OneAtATime } from '../one-at-a-time.js';
import { Clock } from '../time/clock.js';
import { type Refusal, SharedBudget, SYNC_MS } from './shared-budget.js';

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
 * Every rate limit of the service: with rate-limiter-flexible in memory, or, when Redis is configured,
 * as budgets all instances share (one per user, per IP for sign-in) that are decided in memory and
 * summed in Redis in the background (see SharedBudget): a send never waits for Redis, and a flood costs
 * Redis two commands per interval.
 */
@Injectable()
export class RateLimiters implements BeforeApplicationShutdown {
  private readonly memory?: Record<RateLimitName, RateLimiterMemory>;
  private readonly shared?: Record<RateLimitName, SharedBudget>;
  private readonly syncs = new OneAtATime(
    () => this.syncShared(),
    () => {}, // SharedBudget keeps what it could not add, for the next sync
  );
  private readonly timer?: NodeJS.Timeout;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(REDIS_BUS) bus: RedisBus | null,
    private readonly clock: Clock,
  ) {
    const rates = config.limits.rates;
    const each = <T>(make: (name: RateLimitName, setting: RateLimitSetting) => T) =>
      Object.fromEntries(
        (Object.keys(rates) as RateLimitName[]).map((name) => [name, make(name, rates[name])]),
      ) as Record<RateLimitName, T>;
    if (bus) {
      this.shared = each(
        (name, { points, seconds }) =>
          new SharedBudget(bus.client, bus.key('rate', name), points, seconds * 1000),
      );
      this.timer = setInterval(() => void this.syncs.run(), SYNC_MS).unref();
    } else {
      this.memory = each((_, { points, seconds: duration }) => new RateLimiterMemory({ points, duration }));
    }
  }

  /** Takes one point of `name` for `key`, or throws RATE_LIMITED saying when to try again. */
  async consume(name: RateLimitName, key: string): Promise<void> {
    const refusal = this.shared
      ? this.shared[name].consume(key, this.clock.now())
      : await this.memory![name].consume(key).then(
          () => null,
          (rejection: RateLimiterRes | Error) => {
            if (rejection instanceof Error) throw rejection;
            return rejection satisfies Refusal;
          },
        );
    if (refusal === null) return;
    const seconds = Math.ceil((refusal.msBeforeNext || 1000) / 1000);
    throw new AppError('RATE_LIMITED', `Too many ${WHAT[name]}; try again in ${seconds} s`, [
      { path: RETRY_AFTER_DETAIL, message: String(seconds) },
    ]);
  }

  /** Adds everything granted until now to the shared counts (tests call it instead of waiting). */
  async sync(): Promise<void> {
    await this.syncs.settled();
    await this.syncs.run();
  }

  /** While Redis is still there: what this instance granted last counts for the others. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    if (this.shared) await this.sync();
  }

  private async syncShared(): Promise<void> {
    const now = this.clock.now();
    await Promise.all(Object.values(this.shared ?? {}).map((budget) => budget.sync(now)));
  }
}

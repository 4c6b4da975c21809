import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Clock, type Timer } from '../common/time/clock.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import { RealtimeEmitter } from './realtime-emitter.js';

/** Typing ends by itself this long after the last `isTyping: true`. */
export const TYPING_TIMEOUT_MS = 5000;

// Deletes the typing key only if nobody refreshed it since it was read.
const DELETE_IF_UNCHANGED = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/**
 * Typing indicators: relayed to the peer's sockets, never stored, ended by a timer when not refreshed.
 * With Redis, the typing state is a key holding the time of the last refresh, so a refresh that lands on
 * another instance keeps it alive and only one `isTyping: false` is sent.
 */
@Injectable()
export class TypingService implements BeforeApplicationShutdown {
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly emitter: RealtimeEmitter,
    private readonly clock: Clock,
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
  ) {}

  async update(userId: string, chatId: string, peerIds: string[], isTyping: boolean): Promise<void> {
    const key = `${chatId}|${userId}`;
    const timer = this.timers.get(key);
    const announce = (typing: boolean) =>
      this.emitter.toUsers(peerIds, 'chat:typing', { chatId, userId, isTyping: typing });

    if (isTyping) {
      const started = this.bus
        ? // Redis forgets the key a while after it ran out, whichever instance's timer was to end it.
          (await this.bus.client.set(
            this.bus.key('typing', key),
            String(this.clock.now()),
            'PX',
            TYPING_TIMEOUT_MS * 2,
            'GET',
          )) === null
        : !timer;
      if (timer) timer.refresh();
      else
        this.timers.set(
          key,
          this.clock.setTimeout(() => void this.expire(key, announce), TYPING_TIMEOUT_MS),
        );
      if (started) announce(true);
      return;
    }
    timer?.cancel();
    this.timers.delete(key);
    const wasTyping = this.bus
      ? (await this.bus.client.del(this.bus.key('typing', key))) > 0
      : timer !== undefined;
    if (wasTyping) announce(false);
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers.values()) timer.cancel();
    this.timers.clear();
  }

  private async expire(key: string, announce: (typing: boolean) => void): Promise<void> {
    this.timers.delete(key);
    if (this.bus) {
      const redisKey = this.bus.key('typing', key);
      const refreshedAt = await this.bus.client.get(redisKey).catch(() => null);
      // Refreshed through another instance since our last refresh: that instance's timer will end it.
      if (refreshedAt !== null && Number(refreshedAt) + TYPING_TIMEOUT_MS > this.clock.now()) return;
      if (refreshedAt !== null) {
        const deleted = await this.bus.client
          .eval(DELETE_IF_UNCHANGED, 1, redisKey, refreshedAt)
          .catch(() => 0);
        if (deleted !== 1) return;
      }
    }
    announce(false);
  }
}

import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { RateLimiters } from '../common/rate-limit/rate-limiters.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import { RealtimeEmitter } from './realtime-emitter.js';

/** Typing ends by itself this long after the last `isTyping: true`. */
export const TYPING_TIMEOUT_MS = 5000;

/**
 * Typing indicators: relayed to the peer's sockets, never stored, ended by a timer when not refreshed.
 * With Redis, the typing state is a key that expires, so a refresh that lands on another instance keeps
 * it alive and only one `isTyping: false` is sent.
 */
@Injectable()
export class TypingService implements BeforeApplicationShutdown {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly emitter: RealtimeEmitter,
    private readonly limits: RateLimiters,
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
  ) {}

  async update(userId: string, chatId: string, peerIds: string[], isTyping: boolean): Promise<void> {
    await this.limits.consume(this.limits.typing, userId, 'typing events');
    const key = `${chatId}|${userId}`;
    const timer = this.timers.get(key);
    const announce = (typing: boolean) =>
      this.emitter.toUsers(peerIds, 'chat:typing', { chatId, userId, isTyping: typing });

    if (isTyping) {
      const started = this.bus
        ? (await this.bus.client.set(this.bus.key('typing', key), '1', 'PX', TYPING_TIMEOUT_MS, 'GET')) ===
          null
        : !timer;
      if (timer) timer.refresh();
      else
        this.timers.set(
          key,
          setTimeout(() => void this.expire(key, announce), TYPING_TIMEOUT_MS),
        );
      if (started) announce(true);
      return;
    }
    clearTimeout(timer);
    this.timers.delete(key);
    const wasTyping = this.bus
      ? (await this.bus.client.del(this.bus.key('typing', key))) > 0
      : timer !== undefined;
    if (wasTyping) announce(false);
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async expire(key: string, announce: (typing: boolean) => void): Promise<void> {
    this.timers.delete(key);
    // Refreshed through another instance since our last refresh: that instance's timer will end it.
    if (this.bus && (await this.bus.client.exists(this.bus.key('typing', key)).catch(() => 0))) return;
    announce(false);
  }
}

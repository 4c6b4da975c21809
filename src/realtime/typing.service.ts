import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { AppError } from '../common/errors/app-error.js';
import { RealtimeEmitter } from './realtime-emitter.js';

/** Typing ends by itself this long after the last `isTyping: true`. */
export const TYPING_TIMEOUT_MS = 5000;

/** Typing indicators: relayed to the peer's sockets, never stored, ended by a timer when not refreshed. */
@Injectable()
export class TypingService implements BeforeApplicationShutdown {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  // A client refreshes every few seconds while the user types; 10 events per 5 s per user is plenty.
  private readonly limiter = new RateLimiterMemory({ points: 10, duration: 5 });

  constructor(private readonly emitter: RealtimeEmitter) {}

  async update(userId: string, chatId: string, peerIds: string[], isTyping: boolean): Promise<void> {
    await this.limiter.consume(userId).catch(() => {
      throw new AppError('RATE_LIMITED', 'Too many typing events; slow down');
    });
    const key = `${chatId}|${userId}`;
    const timer = this.timers.get(key);
    if (isTyping) {
      if (timer) {
        timer.refresh();
        return;
      }
      this.timers.set(
        key,
        setTimeout(() => this.stop(key, chatId, userId, peerIds), TYPING_TIMEOUT_MS),
      );
      this.emitter.toUsers(peerIds, 'chat:typing', { chatId, userId, isTyping: true });
    } else if (timer) {
      clearTimeout(timer);
      this.stop(key, chatId, userId, peerIds);
    }
  }

  beforeApplicationShutdown(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private stop(key: string, chatId: string, userId: string, peerIds: string[]): void {
    this.timers.delete(key);
    this.emitter.toUsers(peerIds, 'chat:typing', { chatId, userId, isTyping: false });
  }
}

import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError } from '../common/errors/app-error.js';
import { toAppError } from '../common/errors/to-app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { Metrics } from '../metrics/metrics.service.js';
import { causeCode } from '../users/users.repository.js';
import { ChatRepository, type NewMessage, type WrittenMessage } from './chat.repository.js';

const MAX_BATCH = 1000;
const DEADLOCK = '40P01';

type Settle = () => void;

interface Pending {
  message: NewMessage;
  resolve(written: WrittenMessage): void;
  reject(error: unknown): void;
}

/**
 * Group commit. A send made while no write is in flight is written at once, alone; sends that arrive
 * while one is in flight queue up and go together in the next single statement. Each promise settles
 * only after its row is committed, so nothing is acknowledged or delivered before it is durable.
 */
@Injectable()
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly chats: ChatRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  write(message: NewMessage): Promise<WrittenMessage> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, resolve, reject });
      if (!this.flushing) void this.drain();
    });
  }

  /** Resolves once everything queued so far is written and settled (graceful shutdown). */
  idle(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * One batch in flight at a time, so each chat's seqs follow arrival order. While a batch's acks and
   * deliveries are being sent (CPU work), the next batch is already on its way to the database: a batch
   * is settled on `setImmediate`, after the next write has gone out (the pool sends on a later tick), so
   * the database and this process work at the same time instead of taking turns. Batches still settle
   * in order: a batch that comes back before its predecessor was settled settles that one first.
   */
  private async drain(): Promise<void> {
    this.flushing = true;
    let waiting: Settle | undefined;
    const settleWaiting = () => {
      const settle = waiting;
      waiting = undefined;
      settle?.();
    };
    try {
      while (this.queue.length > 0) {
        const writing = this.flush(this.queue.splice(0, MAX_BATCH));
        if (waiting) setImmediate(settleWaiting);
        const settle = await writing;
        settleWaiting();
        waiting = settle;
      }
    } finally {
      this.flushing = false;
      settleWaiting();
      // A settle callback may have queued (and started writing) more: idle is when that is done too.
      if (!this.flushing && this.queue.length === 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const resolve of waiters) resolve();
      }
    }
  }

  /** Writes a batch; the returned function settles its promises. */
  private async flush(batch: Pending[]): Promise<Settle> {
    // A retry may share a batch with its original: write it once, and let the copies share the answer.
    const unique: Pending[] = [];
    const copies = new Map<Pending, Pending[]>();
    const byClientId = new Map<string, Pending>();
    for (const pending of batch) {
      const { senderId, clientMessageId } = pending.message;
      const key = clientMessageId === null ? null : `${senderId}\u0000${clientMessageId}`;
      const first = key === null ? undefined : byClientId.get(key);
      if (first) {
        copies.get(first)!.push(pending);
        continue;
      }
      if (key !== null) byClientId.set(key, pending);
      unique.push(pending);
      copies.set(pending, []);
    }

    let results: (WrittenMessage | undefined)[];
    try {
      results = await this.writeWithRetry(unique.map((p) => p.message));
    } catch (error) {
      if (unique.length > 1 && toAppError(error).appError.code === 'INTERNAL') {
        // Not an outage: find the row at fault by writing one at a time, so the others still land.
        this.logger.warn({ err: error, size: unique.length }, 'batch write failed; retrying one by one');
        const settles: Settle[] = [];
        for (const pending of unique) settles.push(await this.flush([pending, ...copies.get(pending)!]));
        return () => {
          for (const settle of settles) settle();
        };
      }
      return () => {
        for (const pending of batch) pending.reject(error);
      };
    }

    this.record(unique, results);
    return () =>
      unique.forEach((pending, ord) => {
        const written = results[ord];
        const followers = copies.get(pending)!;
        if (!written) {
          const error = new AppError('INTERNAL');
          for (const p of [pending, ...followers]) p.reject(error);
          return;
        }
        pending.resolve(written);
        for (const follower of followers) follower.resolve({ ...written, duplicate: true });
      });
  }

  private record(written: Pending[], results: (WrittenMessage | undefined)[]): void {
    if (!this.metrics) return;
    const now = Date.now();
    let stored = 0;
    written.forEach(({ message }, ord) => {
      if (!results[ord] || results[ord].duplicate) return;
      stored += 1;
      this.metrics!.sendToCommitSeconds.observe((now - message.createdAt.getTime()) / 1000);
    });
    this.metrics.messagesStored.inc(stored);
    this.metrics.writeBatchSize.observe(written.length);
  }

  /** Results in batch order; undefined where a row neither landed nor was found. */
  private async writeWithRetry(messages: NewMessage[]): Promise<(WrittenMessage | undefined)[]> {
    let rows: WrittenMessage[];
    try {
      rows = await this.chats.insertBatch(messages);
    } catch (error) {
      // Two instances locking the same chats in different orders: PostgreSQL picks a victim; go again.
      if (causeCode(error) !== DEADLOCK) throw error;
      rows = await this.chats.insertBatch(messages);
    }
    const byOrd: (WrittenMessage | undefined)[] = new Array(messages.length);
    for (const row of rows) byOrd[row.ord] = row;
    await this.resolveLostRaces(messages, byOrd);
    return byOrd;
  }

  // Another instance stored the same clientMessageId between our snapshot and our insert: fetch its row.
  private async resolveLostRaces(
    messages: NewMessage[],
    byOrd: (WrittenMessage | undefined)[],
  ): Promise<void> {
    for (let ord = 0; ord < messages.length; ord++) {
      const message = messages[ord]!;
      if (byOrd[ord] || message.clientMessageId === null) continue;
      const [original] = await this.chats.findByClientIds(message.senderId, [message.clientMessageId]);
      if (original) byOrd[ord] = { ...original, ord, duplicate: true, firstWords: false };
    }
  }
}

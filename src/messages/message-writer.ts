import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError } from '../common/errors/app-error.js';
import { toAppError } from '../common/errors/to-app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';
import { Metrics } from '../metrics/metrics.service.js';
import { type AppliedChange, ChatLogRepository, type NewChange } from './chat-log.repository.js';
import type { NewMessage, WrittenMessage } from './message.types.js';
import { MessagesRepository } from './messages.repository.js';

const MAX_BATCH = 1000;

type Settle = () => void;

interface Send {
  kind: 'send';
  message: NewMessage;
  resolve(written: WrittenMessage): void;
  reject(error: unknown): void;
}

interface Change {
  kind: 'change';
  change: NewChange;
  resolve(applied: AppliedChange): void;
  reject(error: unknown): void;
}

type Pending = Send | Change;

/**
 * Group commit of the chat log. A write made while no write is in flight goes at once, alone; writes that
 * arrive while one is in flight queue up and go together in the next single statement: new messages in
 * one, changes to messages (edits, deletes, reactions) in another, taken in arrival order. Each promise
 * settles only after its row is committed, so nothing is acknowledged or delivered before it is durable.
 */
@Injectable()
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly log: ChatLogRepository,
    private readonly messages: MessagesRepository,
    @Inject(LOGGER) private readonly logger: Logger,
    @Optional() private readonly metrics?: Metrics,
  ) {}

  write(message: NewMessage): Promise<WrittenMessage> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'send', message, resolve, reject }));
  }

  /** A change to a message, judged and applied in its batch's statement (see CHANGES_SQL). */
  change(change: NewChange): Promise<AppliedChange> {
    return new Promise((resolve, reject) => this.enqueue({ kind: 'change', change, resolve, reject }));
  }

  /** Resolves once everything queued so far is written and settled (graceful shutdown). */
  idle(): Promise<void> {
    if (!this.flushing && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private enqueue(pending: Pending): void {
    this.queue.push(pending);
    if (!this.flushing) void this.drain();
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
        const batch = this.takeBatch();
        const writing =
          batch[0]!.kind === 'send' ? this.flushSends(batch as Send[]) : this.flushChanges(batch as Change[]);
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

  /**
   * The longest run at the head of the queue that one statement can write: sends only, or changes only,
   * each change to a message no other change of the run touches (in one statement, two changes to one row
   * would not see each other).
   */
  private takeBatch(): Pending[] {
    const kind = this.queue[0]!.kind;
    let end = 0;
    if (kind === 'send') {
      while (end < this.queue.length && end < MAX_BATCH && this.queue[end]!.kind === 'send') end++;
    } else {
      const touched = new Set<string>();
      for (; end < this.queue.length && end < MAX_BATCH; end++) {
        const pending = this.queue[end]!;
        if (pending.kind !== 'change' || touched.has(pending.change.messageId)) break;
        touched.add(pending.change.messageId);
      }
    }
    return this.queue.splice(0, end);
  }

  /** Writes a batch of new messages; the returned function settles its promises. */
  private async flushSends(batch: Send[]): Promise<Settle> {
    // A retry may share a batch with its original: write it once, and let the copies share the answer.
    const unique: Send[] = [];
    const copies = new Map<Send, Send[]>();
    const byClientId = new Map<string, Send>();
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
      results = await this.writeSends(unique.map((p) => p.message));
    } catch (error) {
      if (unique.length > 1 && toAppError(error).appError.code === 'INTERNAL') {
        // Not an outage: find the row at fault by writing one at a time, so the others still land.
        this.logger.warn({ err: error, size: unique.length }, 'batch write failed; retrying one by one');
        const settles: Settle[] = [];
        for (const pending of unique) settles.push(await this.flushSends([pending, ...copies.get(pending)!]));
        return () => {
          for (const settle of settles) settle();
        };
      }
      return () => {
        for (const pending of batch) pending.reject(error);
      };
    }

    this.recordSends(unique, results);
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

  /** Applies a batch of changes; the returned function settles their promises. */
  private async flushChanges(batch: Change[]): Promise<Settle> {
    let results: AppliedChange[];
    try {
      results = await this.retryDeadlock(() => this.log.applyChanges(batch.map((p) => p.change)));
    } catch (error) {
      // A reaction limit passed by a concurrent writer elsewhere (the trigger's refusal), or a row at
      // fault: one at a time, so the others still land and only that one is refused.
      if (batch.length > 1 && toAppError(error).appError.code === 'INTERNAL') {
        const settles: Settle[] = [];
        for (const pending of batch) settles.push(await this.flushChanges([pending]));
        return () => {
          for (const settle of settles) settle();
        };
      }
      return () => {
        for (const pending of batch) pending.reject(error);
      };
    }
    this.metrics?.changesStored.inc(results.filter((r) => r.outcome === 'ok').length);
    return () =>
      batch.forEach((pending, ord) => {
        pending.resolve(results[ord]!);
      });
  }

  private recordSends(written: Send[], results: (WrittenMessage | undefined)[]): void {
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
  private async writeSends(messages: NewMessage[]): Promise<(WrittenMessage | undefined)[]> {
    const rows = await this.retryDeadlock(() => this.log.insertBatch(messages));
    const byOrd: (WrittenMessage | undefined)[] = new Array(messages.length);
    for (const row of rows) byOrd[row.ord] = row;
    await this.resolveLostRaces(messages, byOrd);
    return byOrd;
  }

  // Two instances locking the same chats in different orders: PostgreSQL picks a victim; go again.
  private async retryDeadlock<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (sqlState(error) !== SQLSTATE.DEADLOCK) throw error;
      return write();
    }
  }

  // Another instance stored the same clientMessageId between our snapshot and our insert: fetch its row.
  private async resolveLostRaces(
    messages: NewMessage[],
    byOrd: (WrittenMessage | undefined)[],
  ): Promise<void> {
    for (let ord = 0; ord < messages.length; ord++) {
      const message = messages[ord]!;
      if (byOrd[ord] || message.clientMessageId === null) continue;
      const [original] = await this.messages.findByClientIds(message.senderId, [message.clientMessageId]);
      if (original) byOrd[ord] = { ...original, ord, duplicate: true, firstWords: false };
    }
  }
}

import { Inject, Injectable, Optional } from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError } from '../common/errors/app-error.js';
import { toAppError } from '../common/errors/to-app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { SQLSTATE, sqlState } from '../database/sqlstate.js';
import { Metrics } from '../metrics/metrics.service.js';
import { type AppliedChange, ChatLogRepository, type NewChange } from './chat-log.repository.js';
import type { NewMessage, WrittenMessage } from './message.types.js';

const MAX_BATCH = 1000;
// Tries of one batch that keeps losing races: each lost race means another writer committed meanwhile.
const MAX_ATTEMPTS = 3;

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
 * arrive while one is in flight queue up and go together in the next commit: the batch's new messages in
 * one statement and its changes to messages (edits, deletes, reactions) in another, one transaction. Each
 * promise settles only after its row is committed, so nothing is acknowledged or delivered before it is
 * durable.
 */
@Injectable()
export class MessageWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private idleWaiters: (() => void)[] = [];

  constructor(
    private readonly log: ChatLogRepository,
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
        const { sends, changes } = this.takeBatch();
        const writing = this.flush(sends, changes);
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
   * The head of the queue, as one batch: its sends and its changes, up to the first change to a message
   * the batch changes already (in one statement, two changes to one row would not see each other; it
   * waits for the next batch, and so does everything after it).
   */
  private takeBatch(): { sends: Send[]; changes: Change[] } {
    const sends: Send[] = [];
    const changes: Change[] = [];
    const touched = new Set<string>();
    let end = 0;
    for (; end < this.queue.length && end < MAX_BATCH; end++) {
      const pending = this.queue[end]!;
      if (pending.kind === 'send') {
        sends.push(pending);
        continue;
      }
      if (touched.has(pending.change.messageId)) break;
      touched.add(pending.change.messageId);
      changes.push(pending);
    }
    this.queue.splice(0, end);
    return { sends, changes };
  }

  /** Writes a batch of new messages and changes in one commit; the returned function settles its promises. */
  private async flush(sends: Send[], changes: Change[]): Promise<Settle> {
    // A retry may share a batch with its original: write it once, and let the copies share the answer.
    const unique: Send[] = [];
    const copies = new Map<Send, Send[]>();
    const byClientId = new Map<string, Send>();
    for (const pending of sends) {
      const { chatId, senderId, clientMessageId } = pending.message;
      const key = clientMessageId === null ? null : `${chatId}\u0000${senderId}\u0000${clientMessageId}`;
      const first = key === null ? undefined : byClientId.get(key);
      if (first) {
        copies.get(first)!.push(pending);
        continue;
      }
      if (key !== null) byClientId.set(key, pending);
      unique.push(pending);
      copies.set(pending, []);
    }

    let written: (WrittenMessage | undefined)[];
    let applied: AppliedChange[];
    try {
      ({ written, applied } = await this.commit(
        unique.map((p) => p.message),
        changes.map((p) => p.change),
      ));
    } catch (error) {
      if (unique.length + changes.length > 1 && toAppError(error).appError.code === 'INTERNAL') {
        // Not an outage: find the item at fault by writing one at a time, so the others still land (a
        // reaction refused by the database's own limit check, say, after a writer elsewhere got in first).
        this.logger.warn(
          { err: error, size: unique.length + changes.length },
          'batch write failed; one by one',
        );
        const settles: Settle[] = [];
        for (const pending of unique) settles.push(await this.flush([pending, ...copies.get(pending)!], []));
        for (const pending of changes) settles.push(await this.flush([], [pending]));
        return () => {
          for (const settle of settles) settle();
        };
      }
      return () => {
        for (const pending of [...sends, ...changes]) pending.reject(error);
      };
    }

    this.recordSends(unique, written);
    this.metrics?.changesStored.inc(applied.filter((r) => r.outcome === 'ok').length);
    return () => {
      unique.forEach((pending, ord) => {
        const message = written[ord];
        const followers = copies.get(pending)!;
        if (!message) {
          const error = new AppError('INTERNAL');
          for (const p of [pending, ...followers]) p.reject(error);
          return;
        }
        pending.resolve(message);
        for (const follower of followers) follower.resolve({ ...message, duplicate: true });
      });
      changes.forEach((pending, ord) => {
        pending.resolve(applied[ord]!);
      });
    };
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

  /** Sends' results in batch order (undefined where a row came back neither new nor found), changes' too. */
  private async commit(
    messages: NewMessage[],
    changes: NewChange[],
  ): Promise<{ written: (WrittenMessage | undefined)[]; applied: AppliedChange[] }> {
    const { written: rows, applied } = await this.retryLostRaces(() => this.log.write(messages, changes));
    const written: (WrittenMessage | undefined)[] = new Array(messages.length);
    for (const row of rows) written[row.ord] = row;
    return { written, applied };
  }

  /**
   * A batch that lost a race to another instance wrote nothing, and goes again: PostgreSQL chose it as a
   * deadlock's victim (two writers locking the same chats in different orders), or the other committed,
   * after this batch's snapshot, a row under a key the batch writes too: one of its clientMessageIds (the
   * retry finds the original). Changes are judged once their chats are locked, so they see such rows.
   */
  private async retryLostRaces<T>(write: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await write();
      } catch (error) {
        if (attempt >= MAX_ATTEMPTS || !lostRace(error)) throw error;
      }
    }
  }
}

// Every other key the writer's statements fill is a new id, or a seq numbered under the chat row's lock.
function lostRace(error: unknown): boolean {
  const state = sqlState(error);
  return state === SQLSTATE.DEADLOCK || state === SQLSTATE.UNIQUE_VIOLATION;
}

import { backoffDelay, wait } from './backoff.js';
import type { MessageSendPayload, MessageView, WsError } from './contract.js';
import { Emitter } from './emitter.js';
import { ChatError, isTransient } from './errors.js';
import type { KeyValueStorage } from './storage.js';

/** A message this device sends, from the moment send() returns until the service stored it or refused it. */
export interface OutgoingMessage {
  clientMessageId: string;
  /** The send as it goes on the wire (chatId or receiverId, content, media, reply). */
  payload: MessageSendPayload & { clientMessageId: string };
  status: 'sending' | 'sent' | 'failed';
  /** The stored message, once sent. */
  message: MessageView | null;
  /** Why the service refused it, when failed. */
  error: WsError | null;
  createdAt: string;
  /** Send order: many sends share a millisecond, and their order is what the chat will show. */
  order: number;
}

export type OutboxEvents = {
  update: (message: OutgoingMessage) => void;
};

export type Transport = (payload: OutgoingMessage['payload']) => Promise<{ message: MessageView }>;

/**
 * Messages waiting for the service's ack. Each is written to storage before anything is sent, so it is
 * retried after a reconnect and after a restart of this program; the clientMessageId it keeps makes the
 * retries safe, since the service stores one message per id and acks the original.
 */
export class Outbox extends Emitter<OutboxEvents> {
  private readonly waiting = new Map<string, OutgoingMessage>();
  private readonly saved = new Map<string, Promise<void>>();
  private running: Promise<void> | null = null;
  private online = false;
  private readonly stop = new AbortController();
  private nextOrder = 0;

  constructor(
    private readonly storage: KeyValueStorage,
    private readonly userId: string,
    private readonly transport: Transport,
  ) {
    super();
  }

  private key(clientMessageId: string): string {
    return `outbox:${this.userId}:${clientMessageId}`;
  }

  /** Takes back what an earlier run of this program left unsent. */
  async restore(): Promise<void> {
    const entries = await this.storage.list<OutgoingMessage>(`outbox:${this.userId}:`);
    for (const entry of entries.sort((a, b) => a.order - b.order)) {
      this.waiting.set(entry.clientMessageId, entry);
      this.nextOrder = Math.max(this.nextOrder, entry.order + 1);
    }
  }

  pending(): OutgoingMessage[] {
    return [...this.waiting.values()];
  }

  add(payload: MessageSendPayload): OutgoingMessage {
    const clientMessageId = payload.clientMessageId ?? crypto.randomUUID();
    const entry: OutgoingMessage = {
      clientMessageId,
      payload: { ...payload, clientMessageId },
      status: 'sending',
      message: null,
      error: null,
      createdAt: new Date().toISOString(),
      order: this.nextOrder++,
    };
    this.waiting.set(clientMessageId, entry);
    this.saved.set(clientMessageId, this.storage.set(this.key(clientMessageId), entry));
    queueMicrotask(() => this.emit('update', entry));
    void this.flush();
    return entry;
  }

  /** The service stored one of ours (seen in an ack, live, or in a sync after a lost ack). */
  settle(message: MessageView): void {
    const entry = message.clientMessageId ? this.waiting.get(message.clientMessageId) : undefined;
    if (!entry || message.sender.id !== this.userId) return;
    this.finish(entry, { status: 'sent', message });
  }

  /** Sends whatever waits while the connection is up; called again on each (re)connect. */
  setOnline(online: boolean): void {
    this.online = online;
    if (online) void this.flush();
  }

  close(): void {
    this.stop.abort();
  }

  flush(): Promise<void> {
    this.running ??= this.drain().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    for (let attempt = 0; this.online && this.waiting.size > 0 && !this.stop.signal.aborted; ) {
      const batch = [...this.waiting.values()];
      await Promise.all(batch.map((entry) => this.saved.get(entry.clientMessageId)));
      // All in flight at once: one socket keeps their order, and the service commits them together.
      const results = await Promise.all(batch.map((entry) => this.attempt(entry)));
      if (results.every(Boolean)) {
        attempt = 0;
        continue;
      }
      await wait(backoffDelay(attempt++), this.stop.signal);
    }
  }

  /** One try; false when it should be tried again. */
  private async attempt(entry: OutgoingMessage): Promise<boolean> {
    if (!this.waiting.has(entry.clientMessageId)) return true;
    try {
      const { message } = await this.transport(entry.payload);
      this.finish(entry, { status: 'sent', message });
      return true;
    } catch (error) {
      if (isTransient(error)) return false;
      const { code, message, details } = error as ChatError;
      this.finish(entry, {
        status: 'failed',
        error: { code: code as WsError['code'], message, ...(details ? { details } : {}) },
      });
      return true;
    }
  }

  private finish(entry: OutgoingMessage, outcome: Partial<OutgoingMessage>): void {
    if (!this.waiting.delete(entry.clientMessageId)) return;
    Object.assign(entry, outcome);
    // Delete only after the write of add() landed, or that write would bring the entry back.
    const saved = this.saved.get(entry.clientMessageId) ?? Promise.resolve();
    this.saved.delete(entry.clientMessageId);
    void saved.then(() => this.storage.delete(this.key(entry.clientMessageId)));
    this.emit('update', entry);
  }
}

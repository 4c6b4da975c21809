import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ServerToClientEvents } from '../contract/events.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import { userRoom } from './rooms.js';
import type { ChatNamespace } from './socket.types.js';
import { UserLocator } from './user-locator.js';

type Events = keyof ServerToClientEvents;
type Payload<E extends Events> = Parameters<ServerToClientEvents[E]>[0];
type Delivery = [userIds: string[], event: Events, payload: unknown];

/** Sends server events to every socket of some users. The one place that knows how users are reached. */
@Injectable()
export class RealtimeEmitter {
  private namespace?: ChatNamespace;
  private readonly outbox = new Map<string, Delivery[]>();
  private flushScheduled = false;

  constructor(
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly locator: UserLocator,
  ) {}

  async attach(namespace: ChatNamespace): Promise<void> {
    this.namespace = namespace;
    await this.bus?.subscribe(`deliver:${this.config.instanceId}`, (batch) => {
      for (const [userIds, event, payload] of batch as Delivery[]) this.emitLocal(userIds, event, payload);
    });
  }

  /**
   * Generic events (receipts, typing, presence) go through the Socket.IO adapter, which reaches every
   * instance (through Redis when configured).
   */
  toUsers<E extends Events>(
    userIds: readonly string[],
    event: E,
    payload: Payload<E>,
    exceptSocketId?: string,
  ): void {
    if (!this.namespace || userIds.length === 0) return;
    const target = this.namespace.to(userIds.map(userRoom));
    const operator = exceptSocketId ? target.except(exceptSocketId) : target;
    // biome-ignore lint/suspicious/noExplicitAny: the event/payload pair is checked by this method's signature
    (operator.emit as any)(event, payload);
  }

  /**
   * The hot path (chat messages). Without Redis, one room emit. With Redis, sockets on this instance get
   * it directly, and each other instance holding a recipient gets one publish per flush carrying every
   * delivery for it, rather than every message crossing Redis to every instance.
   */
  deliver<E extends Events>(userIds: readonly string[], event: E, payload: Payload<E>): void {
    if (!this.namespace) return;
    if (!this.locator.enabled) {
      this.toUsers(userIds, event, payload);
      return;
    }
    this.emitLocal(userIds, event, payload);
    for (const [instance, users] of this.locator.remoteInstances(userIds)) {
      const queue = this.outbox.get(instance);
      if (queue) queue.push([users, event, payload]);
      else this.outbox.set(instance, [[users, event, payload]]);
      this.scheduleFlush();
    }
  }

  private emitLocal(userIds: readonly string[], event: Events, payload: unknown): void {
    if (!this.namespace) return;
    // biome-ignore lint/suspicious/noExplicitAny: a payload of the named event
    (this.namespace.local.to(userIds.map(userRoom)).emit as any)(event, payload);
  }

  // Every message of a write batch is acknowledged in the same turn of the event loop: publish them together.
  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      for (const [instance, deliveries] of this.outbox) this.bus!.publish(`deliver:${instance}`, deliveries);
      this.outbox.clear();
    });
  }
}

import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { ServerToClientEvents } from '../contract/events.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import { ProfileEvents } from '../users/profile-events.js';
import type { PublicUser } from '../users/user.types.js';
import { ConnectedUsers } from './connected-users.js';
import { userRoom } from './rooms.js';
import type { ChatNamespace } from './socket.types.js';
import { UserLocator } from './user-locator.js';

type Events = keyof ServerToClientEvents;
type Payload<E extends Events> = Parameters<ServerToClientEvents[E]>[0];
type Delivery = [userIds: string[], event: Events, payload: unknown];
/** What one instance sends another, in order: deliveries, and profile changes of users it holds. */
type InboxItem = Delivery | ['profile', PublicUser];

/** Sends server events to every socket of some users. The one place that knows how users are reached. */
@Injectable()
export class RealtimeEmitter {
  private namespace?: ChatNamespace;
  private readonly outbox = new Map<string, InboxItem[]>();
  private flushScheduled = false;

  constructor(
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly locator: UserLocator,
    private readonly connected: ConnectedUsers,
    profileEvents: ProfileEvents,
  ) {
    // Sockets elsewhere cache the profile too: the instances holding the user's sockets get the change
    // on the channel that carries their deliveries, so a message sent after it never shows the old one.
    profileEvents.onChanged((profile) => {
      for (const instance of this.locator.remoteInstances([profile.id]).keys())
        this.enqueue(instance, ['profile', profile]);
    });
  }

  async attach(namespace: ChatNamespace): Promise<void> {
    this.namespace = namespace;
    await this.bus?.subscribe(this.inbox(this.config.instanceId), (batch) => {
      for (const item of batch as InboxItem[]) {
        if (item[0] === 'profile') this.connected.updateProfile(item[1]);
        else this.emitLocal(item[0], item[1], item[2]);
      }
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
    for (const [instance, users] of this.locator.remoteInstances(userIds))
      this.enqueue(instance, [users, event, payload]);
  }

  // One channel per instance, each in a hash slot of its own: on a cluster, instances' traffic spreads
  // over the masters.
  private inbox(instanceId: string): string {
    return this.bus!.key('deliver', instanceId);
  }

  private enqueue(instance: string, item: InboxItem): void {
    const queue = this.outbox.get(instance);
    if (queue) queue.push(item);
    else this.outbox.set(instance, [item]);
    this.scheduleFlush();
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
      for (const [instance, items] of this.outbox) this.bus!.publish(this.inbox(instance), items);
      this.outbox.clear();
    });
  }
}

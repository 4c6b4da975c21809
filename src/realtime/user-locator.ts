import { type BeforeApplicationShutdown, Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '../common/logging/logger.module.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import { ConnectedUsers } from './connected-users.js';

const HEARTBEAT_MS = 5000;
const ALIVE_TTL_MS = 15_000;
const REAP_EVERY_MS = 10_000;

interface LocatorMessage {
  u: string;
  i: string;
  on: boolean;
}

/**
 * Where each user's sockets are, across instances (Redis mode only). Redis holds, per user, the set of
 * instances with their sockets; every instance mirrors the other instances' part in memory through a
 * pub/sub channel, so routing a message costs no Redis round trip. Instances send heartbeats; the
 * entries of one that stops without cleaning up (kill -9) are reaped by the others.
 *
 * Its keys and its channel share one hash tag: on a Redis Cluster they live on one master, so the sets of
 * a user and of an instance change together (MULTI) and a reload reads one consistent place.
 */
@Injectable()
export class UserLocator implements OnModuleInit, BeforeApplicationShutdown {
  private readonly remote = new Map<string, Set<string>>();
  private timers: NodeJS.Timeout[] = [];
  private goneListener: (userIds: string[]) => void = () => {};
  // A heartbeat failed since the last one that went through: announcements may have been lost meanwhile.
  private beatFailed = false;

  constructor(
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly connected: ConnectedUsers,
  ) {}

  get enabled(): boolean {
    return this.bus !== null;
  }

  private get me(): string {
    return this.config.instanceId;
  }

  async onModuleInit(): Promise<void> {
    if (!this.bus) return;
    await this.bus.subscribe(this.key('events'), (m) => this.apply(m as LocatorMessage));
    await this.forgetOwnEntries();
    await this.beat();
    await this.load();
    // After Redis comes back, what changed while it was away was lost: state ours again and reload theirs.
    // Both connections: another instance's announcement made before our subscriber was back is only in
    // Redis, so the reload must also follow the subscriber's return, whichever connection comes back last.
    this.bus.client.on('ready', () => void this.resync());
    this.bus.onSubscriberReady(() => void this.resync());
    this.timers = [
      setInterval(() => void this.heartbeat(), HEARTBEAT_MS).unref(),
      setInterval(() => void this.reap(), REAP_EVERY_MS).unref(),
    ];
  }

  async beforeApplicationShutdown(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
  }

  /** Called with users left on no instance at all after a dead instance's entries were reaped. */
  onUsersGone(listener: (userIds: string[]) => void): void {
    this.goneListener = listener;
  }

  register(userId: string): void {
    this.change(userId, true);
  }

  unregister(userId: string): void {
    this.change(userId, false);
  }

  /** The other instances holding sockets of these users, with the users each one holds. */
  remoteInstances(userIds: readonly string[]): Map<string, string[]> {
    const byInstance = new Map<string, string[]>();
    for (const userId of userIds) {
      for (const instance of this.remote.get(userId) ?? []) {
        const list = byInstance.get(instance);
        if (list) list.push(userId);
        else byInstance.set(instance, [userId]);
      }
    }
    return byInstance;
  }

  async onlineAnywhere(userId: string): Promise<boolean> {
    if (!this.bus) return false;
    return (await this.bus.client.scard(this.key('user', userId, 'instances'))) > 0;
  }

  private change(userId: string, on: boolean): void {
    if (!this.bus) return;
    const { client } = this.bus;
    const userKey = this.key('user', userId, 'instances');
    const instanceKey = this.key('instance', this.me, 'users');
    const multi = client.multi();
    if (on) multi.sadd(userKey, this.me).sadd(instanceKey, userId);
    else multi.srem(userKey, this.me).srem(instanceKey, userId);
    multi.exec().catch((err: unknown) => this.logger.warn({ err, userId }, 'locator update failed'));
    this.bus.publish(this.key('events'), { u: userId, i: this.me, on } satisfies LocatorMessage);
  }

  private async resync(): Promise<void> {
    try {
      for (const userId of this.connected.userIds()) this.register(userId);
      this.remote.clear();
      await this.beat();
      await this.load();
      this.logger.info('locator state restored after a Redis reconnect');
    } catch (err) {
      // What other instances hold is unknown until a load succeeds: the next heartbeat tries again.
      this.beatFailed = true;
      this.logger.warn({ err }, 'locator resync failed');
    }
  }

  private apply(message: LocatorMessage): void {
    if (message.i === this.me) return;
    const instances = this.remote.get(message.u) ?? new Set<string>();
    if (message.on) instances.add(message.i);
    else instances.delete(message.i);
    if (instances.size > 0) this.remote.set(message.u, instances);
    else this.remote.delete(message.u);
  }

  // A restart under the same instance id: the previous run's sockets are gone.
  private async forgetOwnEntries(): Promise<void> {
    const bus = this.bus!;
    const instanceKey = this.key('instance', this.me, 'users');
    const users = await bus.client.smembers(instanceKey);
    for (const userId of users) await bus.client.srem(this.key('user', userId, 'instances'), this.me);
    await bus.client.del(instanceKey);
  }

  /**
   * Whether Redis still had this instance's liveness: `lost` when it had forgotten it (restarted without
   * persistence, or a cluster master that came back empty), `failed` when it did not answer.
   */
  private async beat(): Promise<'ok' | 'lost' | 'failed'> {
    try {
      const results = await this.bus!.client.multi()
        .sadd(this.key('instances'), this.me)
        .set(this.key('instance', this.me, 'alive'), '1', 'PX', ALIVE_TTL_MS, 'GET')
        .exec();
      const failure = results?.find(([err]) => err)?.[0];
      if (!results || failure) throw failure ?? new Error('transaction discarded');
      return results[1]![1] === null ? 'lost' : 'ok';
    } catch (err) {
      this.logger.warn({ err }, 'heartbeat failed');
      return 'failed';
    }
  }

  // On a cluster, one master can be away while the connections stay up: no reconnect says that our
  // entries, or announcements made meanwhile, were lost. The heartbeat notices instead.
  private async heartbeat(): Promise<void> {
    const result = await this.beat();
    if (result === 'failed') {
      this.beatFailed = true;
    } else if (result === 'lost' || this.beatFailed) {
      this.beatFailed = false;
      await this.resync();
    }
  }

  private key(...parts: string[]): string {
    return this.bus!.taggedKey('locator', ...parts);
  }

  private async load(): Promise<void> {
    const bus = this.bus!;
    for (const instance of await bus.client.smembers(this.key('instances'))) {
      if (instance === this.me) continue;
      for (const userId of await bus.client.smembers(this.key('instance', instance, 'users'))) {
        this.apply({ u: userId, i: instance, on: true });
      }
    }
  }

  private async reap(): Promise<void> {
    const bus = this.bus!;
    try {
      for (const instance of await bus.client.smembers(this.key('instances'))) {
        if (instance === this.me || (await bus.client.exists(this.key('instance', instance, 'alive'))))
          continue;
        // One reaper per dead instance.
        const claimed = await bus.client.set(this.key('reap', instance), this.me, 'PX', 30_000, 'NX');
        if (!claimed) continue;
        const instanceKey = this.key('instance', instance, 'users');
        const gone: string[] = [];
        for (const userId of await bus.client.smembers(instanceKey)) {
          const userKey = this.key('user', userId, 'instances');
          await bus.client.srem(userKey, instance);
          bus.publish(this.key('events'), { u: userId, i: instance, on: false } satisfies LocatorMessage);
          if ((await bus.client.scard(userKey)) === 0) gone.push(userId);
        }
        await bus.client.multi().del(instanceKey).srem(this.key('instances'), instance).exec();
        this.logger.warn({ instance, users: gone.length }, 'reaped a dead instance');
        if (gone.length > 0) this.goneListener(gone);
      }
    } catch (err) {
      this.logger.warn({ err }, 'reaping failed');
    }
  }
}

import {
  type BeforeApplicationShutdown,
  Inject,
  Injectable,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Logger } from 'pino';
import { AppError } from '../common/errors/app-error.js';
import { LOGGER } from '../common/logging/logger.module.js';
import { Clock, type Timer } from '../common/time/clock.js';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import type { PresenceEvent } from '../contract/events.js';
import { LEASE_SECONDS } from '../instance/instance-lease.js';
import { ConnectedUsers } from './connected-users.js';
import { PresenceRepository } from './presence.repository.js';
import { RealtimeEmitter } from './realtime-emitter.js';
import { UserLocator } from './user-locator.js';

/**
 * Online when a user's first socket connects; offline when the last one has been gone for the grace
 * period (a reconnect within it changes nothing for peers). Presence is recorded per instance in the
 * database, so after a restart the users who come back within the grace period never look offline, and
 * those who do not are swept offline once it has passed; so are the users of instances that stopped
 * and did not come back. Only people a user has written to see their presence.
 */
@Injectable()
export class PresenceService implements OnApplicationBootstrap, OnModuleDestroy, BeforeApplicationShutdown {
  private readonly offlineTimers = new Map<string, Timer>();
  // Presence changes of one user run one after another, so a quick connect/disconnect cannot cross.
  private readonly queues = new Map<string, Promise<void>>();
  private sweepTimer?: Timer;
  private stopping = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly presence: PresenceRepository,
    private readonly connected: ConnectedUsers,
    private readonly emitter: RealtimeEmitter,
    private readonly locator: UserLocator,
    private readonly clock: Clock,
  ) {
    locator.onUsersGone((userIds) => {
      for (const userId of userIds)
        this.enqueue(userId, () => this.goOffline(userId, new Date(this.clock.now())));
    });
  }

  onApplicationBootstrap(): void {
    // The first sweep waits out the grace period: users of this instance's previous run may still come back.
    // The next sweep is set once this one is done: sweeps never pile up, however far time jumps.
    const sweep = (first: boolean) =>
      this.enqueue('(sweep)', async () => {
        try {
          await this.sweep(first);
        } finally {
          if (!this.stopping)
            this.sweepTimer = this.clock.setTimeout(() => sweep(false), LEASE_SECONDS * 1000);
        }
      });
    this.sweepTimer = this.clock.setTimeout(() => sweep(true), this.config.presenceGraceMs);
  }

  // Whichever shutdown hook runs first (the socket server may close before or after this module).
  onModuleDestroy(): void {
    this.beforeApplicationShutdown();
  }

  beforeApplicationShutdown(): void {
    // Sockets are about to drop because we are leaving, not their users: announce nothing.
    this.stopping = true;
    this.sweepTimer?.cancel();
    for (const timer of this.offlineTimers.values()) timer.cancel();
    this.offlineTimers.clear();
  }

  /** The user's first socket on this instance connected. */
  firstSocketConnected(userId: string): void {
    this.locator.register(userId);
    const pending = this.offlineTimers.get(userId);
    if (pending) {
      pending.cancel();
      this.offlineTimers.delete(userId);
      return;
    }
    this.enqueue(userId, async () => {
      if (await this.presence.markOnline(userId, this.config.instanceId))
        await this.announce(userId, true, new Date(this.clock.now()));
    });
  }

  /** The user's last socket on this instance disconnected. */
  lastSocketDisconnected(userId: string): void {
    this.locator.unregister(userId);
    if (this.stopping) return;
    const lastSeenAt = new Date(this.clock.now());
    const timer = this.clock.setTimeout(() => {
      this.offlineTimers.delete(userId);
      if (this.connected.socketCount(userId) > 0) return;
      this.enqueue(userId, () => this.goOffline(userId, lastSeenAt));
    }, this.config.presenceGraceMs);
    this.offlineTimers.set(userId, timer);
  }

  /**
   * The user has just written to these people for the first time in a chat: from now on they may see
   * the user's presence, so they are told where it stands.
   */
  reveal(userId: string, toUserIds: string[]): void {
    if (toUserIds.length === 0) return;
    this.enqueue(userId, async () => {
      const row = await this.presence.visibleTo(userId, userId);
      if (!row || this.stopping) return;
      // Online means seen now, as in the announcement of a connect.
      const lastSeenAt = row.online ? new Date(this.clock.now()) : row.lastSeenAt;
      this.emitter.toUsers(toUserIds, 'presence:update', {
        userId,
        online: row.online,
        lastSeenAt: lastSeenAt?.toISOString() ?? null,
      });
    });
  }

  async get(viewerId: string, userId: string): Promise<PresenceEvent> {
    const row = await this.presence.visibleTo(viewerId, userId);
    // Not a peer and not yourself: indistinguishable from a user that does not exist.
    if (!row) throw new AppError('USER_NOT_FOUND');
    return { userId, online: row.online, lastSeenAt: row.lastSeenAt?.toISOString() ?? null };
  }

  /**
   * Offline only when no instance holds a socket of theirs (in Redis mode, others may). `recordedBy` is
   * the instance expected to have recorded them online: without Redis, this one, unless a sweep says
   * otherwise; with Redis, whichever did (Redis has just said no instance holds them).
   */
  private async goOffline(userId: string, lastSeenAt: Date, recordedBy?: string): Promise<void> {
    if (this.connected.socketCount(userId) > 0 || (await this.locator.onlineAnywhere(userId))) return;
    const owner = this.locator.enabled ? null : (recordedBy ?? this.config.instanceId);
    if (await this.presence.markOffline(userId, owner, lastSeenAt))
      await this.announce(userId, false, lastSeenAt);
  }

  /**
   * Users recorded online by instances that stopped and did not come back within the grace period,
   * and, on the first sweep after boot, by this instance's previous run: those who are not back.
   */
  private async sweep(first: boolean): Promise<void> {
    const graceSeconds = this.config.presenceGraceMs / 1000;
    const stale = await this.presence.onlineOnStoppedInstances(LEASE_SECONDS, graceSeconds);
    if (first) {
      const mine = await this.presence.onlineOn(this.config.instanceId);
      stale.push(...mine.map((userId) => ({ userId, instanceId: this.config.instanceId })));
    }
    const now = new Date(this.clock.now());
    for (const { userId, instanceId } of stale) {
      this.enqueue(userId, () => this.goOffline(userId, now, instanceId));
    }
  }

  private async announce(userId: string, online: boolean, at: Date): Promise<void> {
    if (this.stopping) return;
    const peers = await this.presence.watcherIds(userId);
    this.emitter.toUsers(peers, 'presence:update', { userId, online, lastSeenAt: at.toISOString() });
  }

  private enqueue(key: string, task: () => Promise<void>): void {
    const previous = this.queues.get(key) ?? Promise.resolve();
    const next = previous
      .then(task)
      .catch((err: unknown) => this.logger.warn({ err, userId: key }, 'presence update failed'))
      .finally(() => {
        if (this.queues.get(key) === next) this.queues.delete(key);
      });
    this.queues.set(key, next);
  }
}

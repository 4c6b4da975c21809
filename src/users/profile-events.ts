import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import type { AppConfig } from '../config/config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { REDIS_BUS } from '../redis/redis.module.js';
import type { RedisBus } from '../redis/redis-bus.js';
import type { PublicUser } from './user.types.js';

type Listener = (profile: PublicUser) => void;

/**
 * Tells holders of cached profiles (sockets) that a user's public profile changed, on this instance
 * and, through Redis when configured, on every other.
 */
@Injectable()
export class ProfileEvents implements OnModuleInit {
  private readonly listeners = new Set<Listener>();

  constructor(
    @Inject(REDIS_BUS) private readonly bus: RedisBus | null,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    await this.bus?.subscribe('profile', (message) => {
      const { from, profile } = message as { from: string; profile: PublicUser };
      if (from !== this.config.instanceId) this.notify(profile);
    });
  }

  onChanged(listener: Listener): void {
    this.listeners.add(listener);
  }

  emitChanged(profile: PublicUser): void {
    this.notify(profile);
    this.bus?.publish('profile', { from: this.config.instanceId, profile });
  }

  private notify(profile: PublicUser): void {
    for (const listener of this.listeners) listener(profile);
  }
}

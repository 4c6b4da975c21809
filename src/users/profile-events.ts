import { Injectable } from '@nestjs/common';
import type { PublicUser } from './user.types.js';

type Listener = (profile: PublicUser) => void;

/**
 * Tells holders of cached profiles (sockets) that a user's public profile changed through this instance.
 * The realtime module passes the change on to the other instances holding sockets of that user.
 */
@Injectable()
export class ProfileEvents {
  private readonly listeners = new Set<Listener>();

  onChanged(listener: Listener): void {
    this.listeners.add(listener);
  }

  emitChanged(profile: PublicUser): void {
    for (const listener of this.listeners) listener(profile);
  }
}

import { Injectable } from '@nestjs/common';
import { ProfileEvents } from '../users/profile-events.js';
import type { PublicUser } from '../users/user.types.js';

interface Entry {
  profile: PublicUser;
  sockets: number;
}

/**
 * The users with sockets on this instance, each with one shared profile object. Sockets hold that
 * object, so a send needs no user lookup, and a profile change updates every socket of the user at once.
 */
@Injectable()
export class ConnectedUsers {
  private readonly users = new Map<string, Entry>();

  constructor(profileEvents: ProfileEvents) {
    profileEvents.onChanged((profile) => this.updateProfile(profile));
  }

  /** A changed profile, from this instance or another: every socket of the user here sees it. */
  updateProfile(profile: PublicUser): void {
    const entry = this.users.get(profile.id);
    if (entry) Object.assign(entry.profile, profile);
  }

  /** Registers one more socket of the user; returns the shared profile and whether it is the first. */
  attach(profile: PublicUser): { profile: PublicUser; first: boolean } {
    const entry = this.users.get(profile.id);
    if (entry) {
      entry.sockets += 1;
      return { profile: entry.profile, first: false };
    }
    const created = { profile: { ...profile }, sockets: 1 };
    this.users.set(profile.id, created);
    return { profile: created.profile, first: true };
  }

  /** Drops one socket of the user; returns true when it was their last on this instance. */
  detach(userId: string): boolean {
    const entry = this.users.get(userId);
    if (!entry) return false;
    entry.sockets -= 1;
    if (entry.sockets > 0) return false;
    this.users.delete(userId);
    return true;
  }

  userIds(): string[] {
    return [...this.users.keys()];
  }

  socketCount(userId: string): number {
    return this.users.get(userId)?.sockets ?? 0;
  }
}

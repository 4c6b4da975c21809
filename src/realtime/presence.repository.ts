import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';

export interface PresenceRow {
  online: boolean;
  lastSeenAt: Date | null;
}

@Injectable()
export class PresenceRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** Records the user online on this instance; true when they were offline before. */
  async markOnline(userId: string, instanceId: string): Promise<boolean> {
    const [row] = await this.database.query<{ was: string | null }>(
      `UPDATE users u SET online_instance = $2
       FROM (SELECT id, online_instance AS was FROM users WHERE id = $1 FOR UPDATE) old
       WHERE u.id = old.id
       RETURNING old.was`,
      [userId, instanceId],
    );
    return row !== undefined && row.was === null;
  }

  /**
   * Records the user offline; true when they were online. With an instance id, only if that instance is
   * the one that recorded them (single-instance mode); with null, whoever did (Redis mode, where the
   * caller has checked that no instance holds a socket of theirs).
   */
  async markOffline(userId: string, instanceId: string | null, lastSeenAt: Date): Promise<boolean> {
    const rows = await this.database.query(
      `UPDATE users SET online_instance = NULL, last_seen_at = $3
       WHERE id = $1 AND online_instance IS NOT NULL AND ($2::text IS NULL OR online_instance = $2)
       RETURNING id`,
      [userId, instanceId, lastSeenAt.toISOString()],
    );
    return rows.length > 0;
  }

  /** Users this instance recorded online. */
  async onlineOn(instanceId: string): Promise<string[]> {
    const rows = await this.database.query<{ id: string }>(
      `SELECT id FROM users WHERE online_instance = $1`,
      [instanceId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Users recorded online by instances that stopped (let go of their id, or stopped heartbeating for
   * `leaseSeconds`) more than `graceSeconds` ago: nobody will announce them offline otherwise.
   */
  async onlineOnStoppedInstances(
    leaseSeconds: number,
    graceSeconds: number,
  ): Promise<{ userId: string; instanceId: string }[]> {
    return this.database.query<{ userId: string; instanceId: string }>(
      `SELECT u.id AS "userId", u.online_instance AS "instanceId" FROM users u
       WHERE u.online_instance IN (
         SELECT i.id FROM instances i
         WHERE (i.holder IS NULL OR i.heartbeat_at < now() - make_interval(secs => $1))
           AND i.heartbeat_at < now() - make_interval(secs => $2))`,
      [leaseSeconds, graceSeconds],
    );
  }

  /**
   * Who may see the user's presence: everyone they have written to in a direct chat, unless either of
   * the two blocks the other.
   */
  async watcherIds(userId: string): Promise<string[]> {
    const rows = await this.database.query<{ id: string }>(
      `SELECT DISTINCT other.user_id AS id FROM chat_members mine
       JOIN chats c ON c.id = mine.chat_id AND c.type = 'DIRECT'
       JOIN chat_members other ON other.chat_id = mine.chat_id AND other.user_id <> mine.user_id
       WHERE mine.user_id = $1 AND mine.has_sent
         AND NOT EXISTS (SELECT FROM user_blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = other.user_id)
                                                     OR (b.blocker_id = other.user_id AND b.blocked_id = $1))`,
      [userId],
    );
    return rows.map((r) => r.id);
  }

  /**
   * The presence of `userId` as `viewerId` may see it: their own, or that of someone who has written to
   * them in a direct chat, unless either blocks the other. Opening a chat with someone, or writing to
   * them, shows nothing of them until they answer; a group shows no presence.
   */
  async visibleTo(viewerId: string, userId: string): Promise<PresenceRow | undefined> {
    const [row] = await this.database.query<{ online: boolean; lastSeenAt: Date | null }>(
      `SELECT u.online_instance IS NOT NULL AS online, u.last_seen_at AS "lastSeenAt" FROM users u
       WHERE u.id = $2 AND ($1 = $2 OR (EXISTS (
         SELECT 1 FROM chat_members viewer
         JOIN chats c ON c.id = viewer.chat_id AND c.type = 'DIRECT'
         JOIN chat_members target ON target.chat_id = viewer.chat_id
         WHERE viewer.user_id = $1 AND target.user_id = $2 AND target.has_sent)
       AND NOT EXISTS (SELECT FROM user_blocks b WHERE (b.blocker_id = $1 AND b.blocked_id = $2)
                                                   OR (b.blocker_id = $2 AND b.blocked_id = $1))))`,
      [viewerId, userId],
    );
    return row && { online: row.online, lastSeenAt: row.lastSeenAt ? new Date(row.lastSeenAt) : null };
  }
}

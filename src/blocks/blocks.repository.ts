import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';

export interface BlockRow {
  id: string;
  name: string;
  avatar: string | null;
  blockedAt: Date | string;
  /** created_at in PostgreSQL's own text form, for the page cursor. */
  cursorTime: string;
}

/** Who blocks whom. */
@Injectable()
export class BlocksRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /**
   * Blocks `blockedId` (again: the block as it stands). Under the blocker's row lock, so that concurrent
   * calls cannot pass the limit together. `unknown`: no such user; `limit`: `max` blocks already.
   */
  block(blockerId: string, blockedId: string, max: number): Promise<BlockRow | 'unknown' | 'limit'> {
    return this.database.transaction(async (query) => {
      await query(`SELECT FROM users WHERE id = $1 FOR UPDATE`, [blockerId]);
      const [row] = await query<BlockRow & { count: number }>(
        `SELECT u.id, u.name, u.avatar_url AS avatar, b.created_at AS "blockedAt", b.created_at::text AS "cursorTime",
                (SELECT count(*)::int FROM user_blocks WHERE blocker_id = $1) AS count
         FROM users u LEFT JOIN user_blocks b ON b.blocker_id = $1 AND b.blocked_id = u.id
         WHERE u.id = $2`,
        [blockerId, blockedId],
      );
      if (!row) return 'unknown';
      if (row.blockedAt) return row;
      if (row.count >= max) return 'limit';
      const [created] = await query<{ blockedAt: string; cursorTime: string }>(
        `INSERT INTO user_blocks (blocker_id, blocked_id) VALUES ($1, $2)
         RETURNING created_at AS "blockedAt", created_at::text AS "cursorTime"`,
        [blockerId, blockedId],
      );
      return { ...row, ...created! };
    });
  }

  async unblock(blockerId: string, blockedId: string): Promise<void> {
    await this.database.query(`DELETE FROM user_blocks WHERE blocker_id = $1 AND blocked_id = $2`, [
      blockerId,
      blockedId,
    ]);
  }

  /** The people `blockerId` blocks, most recent first, keyset-paged on (created_at, id). */
  list(blockerId: string, limit: number, before?: [time: string, id: string]): Promise<BlockRow[]> {
    return this.database.query<BlockRow>(
      `SELECT u.id, u.name, u.avatar_url AS avatar, b.created_at AS "blockedAt", b.created_at::text AS "cursorTime"
       FROM user_blocks b JOIN users u ON u.id = b.blocked_id
       WHERE b.blocker_id = $1 ${before ? 'AND (b.created_at, b.blocked_id) < ($3::timestamptz, $4::uuid)' : ''}
       ORDER BY b.created_at DESC, b.blocked_id DESC
       LIMIT $2`,
      before ? [blockerId, limit, ...before] : [blockerId, limit],
    );
  }

  /** Those of `others` whom `userId` blocks or who block `userId`. */
  async blockedEitherWay(userId: string, others: readonly string[]): Promise<Set<string>> {
    if (others.length === 0) return new Set();
    const rows = await this.database.query<{ id: string }>(
      `SELECT blocked_id AS id FROM user_blocks WHERE blocker_id = $1 AND blocked_id = ANY($2::uuid[])
       UNION
       SELECT blocker_id FROM user_blocks WHERE blocked_id = $1 AND blocker_id = ANY($2::uuid[])`,
      [userId, others],
    );
    return new Set(rows.map((r) => r.id));
  }
}

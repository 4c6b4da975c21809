import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { MESSAGE_COLUMNS, type MessageRow, type MessageWithSender, withSender } from './chat.repository.js';

@Injectable()
export class SyncRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async currentSnapshot(): Promise<string> {
    const [row] = await this.database.query<{ snapshot: string }>(
      `SELECT pg_current_snapshot()::text AS snapshot`,
    );
    return row!.snapshot;
  }

  /**
   * Messages of the user's chats written by transactions that are visible in `to` but were not in
   * `from` (committed between the two snapshots), ordered by (chat, seq), after `after`.
   */
  async committedBetween(
    userId: string,
    from: string,
    to: string,
    after: { chatId: string; seq: number },
    limit: number,
  ): Promise<MessageWithSender[]> {
    const rows = await this.database.query<MessageRow>(
      `SELECT ${MESSAGE_COLUMNS}
       FROM chat_members cm
       JOIN messages m ON m.chat_id = cm.chat_id
       JOIN users s ON s.id = m.sender_id
       WHERE cm.user_id = $1
         AND m.txid >= pg_snapshot_xmin($2::pg_snapshot)
         AND NOT pg_visible_in_snapshot(m.txid, $2::pg_snapshot)
         AND pg_visible_in_snapshot(m.txid, $3::pg_snapshot)
         AND (m.chat_id, m.seq) > ($4::uuid, $5::int)
       ORDER BY m.chat_id, m.seq
       LIMIT $6`,
      [userId, from, to, after.chatId, after.seq, limit],
    );
    return rows.map(withSender);
  }
}

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
   *
   * Within a chat, seq order is commit order: the batch insert numbers a chat's messages under the chat
   * row's lock, held until it commits. So what `from` saw of a chat is a prefix of its seqs, and the
   * newest row visible in `from` (found walking the (chat_id, seq) index backwards, past only the rows
   * that are new) is where the chat's new rows start. No index on txid is needed, and every insert
   * saves maintaining one.
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
       CROSS JOIN LATERAL (
         SELECT coalesce(max(v.seq), 0) AS seq FROM (
           SELECT seen.seq FROM messages seen
           WHERE seen.chat_id = cm.chat_id AND pg_visible_in_snapshot(seen.txid, $2::pg_snapshot)
           ORDER BY seen.seq DESC
           LIMIT 1
         ) v
       ) handed
       JOIN messages m ON m.chat_id = cm.chat_id AND m.seq > handed.seq
       JOIN users s ON s.id = m.sender_id
       WHERE cm.user_id = $1
         AND pg_visible_in_snapshot(m.txid, $3::pg_snapshot)
         AND (m.chat_id, m.seq) > ($4::uuid, $5::int)
       ORDER BY m.chat_id, m.seq
       LIMIT $6`,
      [userId, from, to, after.chatId, after.seq, limit],
    );
    return rows.map(withSender);
  }
}

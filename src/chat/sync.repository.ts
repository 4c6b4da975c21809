import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { MESSAGE_COLUMNS, type MessageRow, type MessageWithSender, withSender } from './chat.repository.js';
import { EMPTY_SNAPSHOT } from './sync-token.js';

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
   * Within a chat, seq order is commit order: every writer of messages numbers a chat's messages under
   * the chat row's lock, held until it commits (INSERT_BATCH_SQL is the only writer). So what `from` saw
   * of a chat is a prefix of its seqs: the newest row visible in `from`, found by walking the chat's
   * (chat_id, seq) index backwards past the rows that are new, bounds the index scan of the chat's new
   * rows. No index on txid is needed, and every insert saves maintaining one. The empty snapshot sees
   * nothing, so there is no walk for it; chats before `after` are done, so no walk for them either.
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
       JOIN messages m ON m.chat_id = cm.chat_id AND m.seq > CASE WHEN $2::text = $7::text THEN 0 ELSE coalesce((
         SELECT seen.seq FROM messages seen
         WHERE seen.chat_id = cm.chat_id AND pg_visible_in_snapshot(seen.txid, $2::pg_snapshot)
         ORDER BY seen.seq DESC
         LIMIT 1
       ), 0) END
       JOIN users s ON s.id = m.sender_id
       WHERE cm.user_id = $1
         AND cm.chat_id >= $4::uuid
         AND pg_visible_in_snapshot(m.txid, $3::pg_snapshot)
         AND (m.chat_id, m.seq) > ($4::uuid, $5::int)
       ORDER BY m.chat_id, m.seq
       LIMIT $6`,
      [userId, from, to, after.chatId, after.seq, limit, EMPTY_SNAPSHOT],
    );
    return rows.map(withSender);
  }
}

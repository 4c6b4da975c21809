import { Inject, Injectable } from '@nestjs/common';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import { EMPTY_SNAPSHOT } from './sync-token.js';

/**
 * Per chat of the user, the seq after which a sync looks for new rows, and what the user may see of the
 * chat: from `floors` (a since_join group: the system message that added them) to `ceilings` (the one
 * that removed them, after which they get nothing more), and whether it is a direct chat (where changes
 * by someone the user blocks are not theirs to hear of).
 */
export interface SeenBounds {
  chatIds: string[];
  seqs: number[];
  floors: number[];
  ceilings: number[];
  direct: boolean[];
}

/** SeenBounds as a relation b(chat_id, seen, floor, ceiling, direct), from parameters $2 to $6. */
export const BOUNDS_RELATION =
  'unnest($2::uuid[], $3::int[], $4::int[], $5::int[], $6::bool[]) AS b(chat_id, seen, floor, ceiling, direct)';

export function boundsParams(bounds: SeenBounds): unknown[] {
  return [bounds.chatIds, bounds.seqs, bounds.floors, bounds.ceilings, bounds.direct];
}

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
   * For each chat of the user from `fromChatId` on, the newest seq that `from` saw: everything after it
   * is new to a sync from `from`. Within a chat seq order is commit order (every writer of the chat's log,
   * messages and chat_events alike, numbers under the chat row's lock, held until it commits), so what
   * `from` saw of a chat is a prefix of its seqs. Walking each table's (chat_id, seq) index backwards past
   * the rows that are new finds its end; the empty snapshot saw nothing, so there is no walk for it.
   * Chats the user left are included: their sync still owes them the system message of their removal.
   */
  async seenBounds(userId: string, from: string, fromChatId: string): Promise<SeenBounds> {
    const rows = await this.database.query<{
      chatId: string;
      seen: number;
      floor: number;
      ceiling: number;
      direct: boolean;
    }>(
      `SELECT cm.chat_id AS "chatId",
              CASE WHEN c.type = 'GROUP' AND c.history_visibility = 'since_join' THEN cm.joined_seq ELSE 0 END AS floor,
              COALESCE(cm.left_seq, 2147483647) AS ceiling, c.type = 'DIRECT' AS direct, CASE WHEN $2::text = $4::text THEN 0 ELSE GREATEST(
         coalesce((SELECT seen.seq FROM messages seen
                   WHERE seen.chat_id = cm.chat_id AND pg_visible_in_snapshot(seen.txid, $2::pg_snapshot)
                   ORDER BY seen.seq DESC LIMIT 1), 0),
         coalesce((SELECT seen.seq FROM chat_events seen
                   WHERE seen.chat_id = cm.chat_id AND pg_visible_in_snapshot(seen.txid, $2::pg_snapshot)
                   ORDER BY seen.seq DESC LIMIT 1), 0)) END AS seen
       FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
       WHERE cm.user_id = $1 AND cm.chat_id >= $3::uuid
       ORDER BY cm.chat_id`,
      [userId, from, fromChatId, EMPTY_SNAPSHOT],
    );
    return {
      chatIds: rows.map((r) => r.chatId),
      seqs: rows.map((r) => r.seen),
      floors: rows.map((r) => r.floor),
      ceilings: rows.map((r) => r.ceiling),
      direct: rows.map((r) => r.direct),
    };
  }
}

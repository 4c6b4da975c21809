import { Inject, Injectable } from '@nestjs/common';
import type { MediaType } from '../contract/views.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { MediaRecord } from './media.types.js';

const MEDIA_COLUMNS = `m.id, m.owner_id AS "ownerId", m.storage_key AS "storageKey", m.content_type AS "contentType",
  m.media_type::text AS "mediaType", m.size::float8 AS size, m.created_at AS "createdAt"`;

type MediaRow = Omit<MediaRecord, 'createdAt'> & { createdAt: Date | string };

@Injectable()
export class MediaRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  /** The bytes the owner's uploads take up, as charged to them. */
  async usageOf(ownerId: string): Promise<number> {
    const [row] = await this.database.query<{ bytes: number }>(
      'SELECT media_bytes::float8 AS bytes FROM users WHERE id = $1',
      [ownerId],
    );
    return row?.bytes ?? 0;
  }

  /**
   * Records an upload and charges its size to its owner, in one statement and only if the owner's usage
   * stays within `quotaBytes`; false when it would not. Uploads of one owner queue on the owner's row and
   * each sees the usage the one before it left, so together they never pass the quota.
   */
  async insertWithinQuota(media: Omit<MediaRecord, 'createdAt'>, quotaBytes: number): Promise<boolean> {
    const rows = await this.database.query(
      `WITH charged AS (
         UPDATE users SET media_bytes = media_bytes + $6 WHERE id = $2 AND media_bytes + $6 <= $7 RETURNING id
       )
       INSERT INTO media (id, owner_id, storage_key, content_type, media_type, size)
       SELECT $1, charged.id, $3, $4, $5::media_type, $6 FROM charged
       RETURNING id`,
      [media.id, media.ownerId, media.storageKey, media.contentType, media.mediaType, media.size, quotaBytes],
    );
    return rows.length === 1;
  }

  async find(id: string): Promise<MediaRecord | undefined> {
    const [row] = await this.database.query<MediaRow>(
      `SELECT ${MEDIA_COLUMNS} FROM media m WHERE m.id = $1`,
      [id],
    );
    return row && toRecord(row);
  }

  /**
   * The upload if `userId` may fetch it: its owner, or a current member of a chat where a message that
   * is not deleted carries it (and, in a since_join group, was written after they joined).
   */
  async findReadable(id: string, userId: string): Promise<MediaRecord | undefined> {
    const [row] = await this.database.query<MediaRow>(
      `SELECT ${MEDIA_COLUMNS} FROM media m
       WHERE m.id = $1 AND (m.owner_id = $2 OR EXISTS (
         SELECT 1 FROM messages msg
         JOIN chat_members cm ON cm.chat_id = msg.chat_id AND cm.user_id = $2 AND cm.left_seq IS NULL
         JOIN chats c ON c.id = msg.chat_id
         WHERE msg.media_id = m.id AND msg.deleted_at IS NULL
           AND (c.history_visibility = 'all' OR msg.seq >= cm.joined_seq)))`,
      [id, userId],
    );
    return row && toRecord(row);
  }

  /**
   * The upload's media type if `senderId` may send it to `chatId`: it is theirs, or a message of that chat
   * (not deleted) carries it already. `chatId` null is a chat that does not exist yet. Writes nothing.
   */
  async sendableType(id: string, senderId: string, chatId: string | null): Promise<MediaType | undefined> {
    const [row] = await this.database.query<{ mediaType: MediaType }>(
      `SELECT m.media_type::text AS "mediaType" FROM media m
       WHERE m.id = $1 AND (m.owner_id = $2 OR EXISTS (
         SELECT 1 FROM messages msg WHERE msg.media_id = m.id AND msg.chat_id = $3 AND msg.deleted_at IS NULL))`,
      [id, senderId, chatId],
    );
    return row?.mediaType;
  }

  /**
   * Forgets an upload that no message carries any more (its last one was deleted for everyone) and gives
   * its size back to its owner's quota; returns its storage key, or undefined when it is still carried.
   */
  async removeIfUnused(id: string): Promise<string | undefined> {
    const [row] = await this.database.query<{ storageKey: string }>(
      `WITH gone AS (
         DELETE FROM media m WHERE m.id = $1 AND NOT EXISTS (SELECT FROM messages WHERE media_id = $1)
         RETURNING m.owner_id, m.size, m.storage_key
       ), credited AS (
         UPDATE users u SET media_bytes = GREATEST(0, u.media_bytes - gone.size) FROM gone WHERE u.id = gone.owner_id
       )
       SELECT storage_key AS "storageKey" FROM gone`,
      [id],
    );
    return row?.storageKey;
  }
}

function toRecord(row: MediaRow): MediaRecord {
  return { ...row, size: Number(row.size), createdAt: new Date(row.createdAt) };
}

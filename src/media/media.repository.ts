import { Inject, Injectable } from '@nestjs/common';
import type { MediaType } from '../chat/message.types.js';
import type { DatabaseHandle } from '../database/database.js';
import { DATABASE } from '../database/database.module.js';
import type { MediaRecord } from './media.types.js';

const MEDIA_COLUMNS = `m.id, m.owner_id AS "ownerId", m.storage_key AS "storageKey", m.content_type AS "contentType",
  m.media_type::text AS "mediaType", m.size::float8 AS size, m.created_at AS "createdAt"`;

type MediaRow = Omit<MediaRecord, 'createdAt'> & { createdAt: Date | string };

@Injectable()
export class MediaRepository {
  constructor(@Inject(DATABASE) private readonly database: DatabaseHandle) {}

  async insert(media: Omit<MediaRecord, 'createdAt'>): Promise<void> {
    await this.database.query(
      `INSERT INTO media (id, owner_id, storage_key, content_type, media_type, size)
       VALUES ($1, $2, $3, $4, $5::media_type, $6)`,
      [media.id, media.ownerId, media.storageKey, media.contentType, media.mediaType, media.size],
    );
  }

  async find(id: string): Promise<MediaRecord | undefined> {
    const [row] = await this.database.query<MediaRow>(
      `SELECT ${MEDIA_COLUMNS} FROM media m WHERE m.id = $1`,
      [id],
    );
    return row && toRecord(row);
  }

  /**
   * The upload if `userId` may fetch it: its owner, or a member of a chat where a message that is not
   * deleted carries it.
   */
  async findReadable(id: string, userId: string): Promise<MediaRecord | undefined> {
    const [row] = await this.database.query<MediaRow>(
      `SELECT ${MEDIA_COLUMNS} FROM media m
       WHERE m.id = $1 AND (m.owner_id = $2 OR EXISTS (
         SELECT 1 FROM messages msg JOIN chat_members cm ON cm.chat_id = msg.chat_id AND cm.user_id = $2
         WHERE msg.media_id = m.id AND msg.deleted_at IS NULL))`,
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
}

function toRecord(row: MediaRow): MediaRecord {
  return { ...row, size: Number(row.size), createdAt: new Date(row.createdAt) };
}

import { AppError } from '../common/errors/app-error.js';
import { decodeBase64urlText } from '../common/validation/base64url-text.js';
import { uuidField } from '../common/validation/fields.js';
import { parseTimestamptzText } from '../common/validation/timestamptz-text.js';
import type { ChatRow } from './chats.repository.js';

const chatIdSchema = uuidField('chat');

/** The chat list's `before` cursor: the last chat of a page, by (updated_at, id). */
export function encodeChatCursor(row: Pick<ChatRow, 'cursorTime' | 'id'>): string {
  return Buffer.from(`${row.cursorTime}|${row.id}`).toString('base64url');
}

/**
 * The (time, id) a cursor holds: exactly the base64url of two parts, the time as PostgreSQL wrote it, to the
 * microsecond, checked as a real instant and handed back in UTC, and the id as a uuid. Anything else is a
 * 400 before any SQL runs.
 */
export function decodeChatCursor(cursor: string): { time: string; id: string } {
  const parts = decodeBase64urlText(cursor)?.split('|');
  const time = parts?.length === 2 ? parseTimestamptzText(parts[0]!) : null;
  const id = parts?.length === 2 ? chatIdSchema.safeParse(parts[1]) : null;
  if (!time || !id?.success) {
    throw new AppError('VALIDATION_FAILED', 'before: is not a cursor this API gave out');
  }
  return { time, id: id.data };
}

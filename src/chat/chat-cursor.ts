import { AppError } from '../common/errors/app-error.js';
import type { ChatRow } from './chat.repository.js';

/** The chat list's `before` cursor: the last chat of a page, by (updated_at, id). */
export function encodeChatCursor(row: Pick<ChatRow, 'cursorTime' | 'id'>): string {
  return Buffer.from(`${row.cursorTime}|${row.id}`).toString('base64url');
}

export function decodeChatCursor(cursor: string): { time: string; id: string } {
  const [time, id] = Buffer.from(cursor, 'base64url').toString().split('|');
  if (
    !time ||
    !/^\d{4}-\d\d-\d\d [\d:.]+[+-]\d\d(:\d\d)?$/.test(time) ||
    !id ||
    !/^[0-9a-f-]{36}$/i.test(id)
  ) {
    throw new AppError('VALIDATION_FAILED', 'before: is not a cursor this API gave out');
  }
  return { time, id };
}

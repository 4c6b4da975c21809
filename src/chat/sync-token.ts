import { AppError } from '../common/errors/app-error.js';

/**
 * A sync position. `from` is a PostgreSQL snapshot (`xmin:xmax:xip,…`): everything visible in it was
 * already handed out. While a backlog is being paged, `to` fixes the snapshot that bounds this round and
 * `after` the last (chat, seq) given, so every page belongs to one consistent set.
 */
export interface SyncPosition {
  from: string;
  to?: string;
  after?: { chatId: string; seq: number };
}

// Nothing is visible in it: a sync from here returns every message.
export const EMPTY_SNAPSHOT = '1:1:';

const SNAPSHOT = /^\d{1,20}:\d{1,20}:(\d{1,20}(,\d{1,20})*)?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function encodeSyncToken(position: SyncPosition): string {
  const parts = [position.from, position.to ?? '', position.after?.chatId ?? '', position.after?.seq ?? ''];
  return Buffer.from(parts.join('|')).toString('base64url');
}

export function decodeSyncToken(token: string): SyncPosition {
  const [from, to, chatId, seq, ...rest] = Buffer.from(token, 'base64url').toString().split('|');
  const valid =
    rest.length === 0 &&
    from !== undefined &&
    SNAPSHOT.test(from) &&
    (to === '' || (to !== undefined && SNAPSHOT.test(to))) &&
    (chatId === '' ? seq === '' : chatId !== undefined && UUID.test(chatId) && /^\d{1,10}$/.test(seq ?? ''));
  if (!valid) throw new AppError('VALIDATION_FAILED', 'since: is not a token this API gave out');
  return {
    from: from!,
    to: to || undefined,
    after: chatId ? { chatId, seq: Number(seq) } : undefined,
  };
}

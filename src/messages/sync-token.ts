import { AppError } from '../common/errors/app-error.js';
import { decodeBase64urlText } from '../common/validation/base64url-text.js';
import { parseDecimal } from '../common/validation/decimal.js';
import { INT4_MAX, uuidField } from '../common/validation/fields.js';
import { formatPgSnapshot, parsePgSnapshot, seesAllOf } from './pg-snapshot.js';

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

const chatIdSchema = uuidField('chat');

export function encodeSyncToken(position: SyncPosition): string {
  const parts = [position.from, position.to ?? '', position.after?.chatId ?? '', position.after?.seq ?? ''];
  return Buffer.from(parts.join('|')).toString('base64url');
}

/**
 * The position a token holds, checked as a whole: snapshots PostgreSQL will accept, an upper snapshot that
 * sees all the lower one saw, a chat id and a seq the database can compare. Anything else is a token this
 * API did not give out, and a 400, before any SQL runs.
 */
export function decodeSyncToken(token: string): SyncPosition {
  const position = parseToken(token);
  if (!position) throw new AppError('VALIDATION_FAILED', 'since: is not a token this API gave out');
  return position;
}

function parseToken(token: string): SyncPosition | null {
  const parts = decodeBase64urlText(token)?.split('|');
  if (parts?.length !== 4) return null;
  const [fromText, toText, chatIdText, seqText] = parts as [string, string, string, string];
  const from = parsePgSnapshot(fromText);
  if (!from) return null;
  // The end of a round: where the next one starts.
  if (toText === '' && chatIdText === '' && seqText === '') return { from: formatPgSnapshot(from) };
  // Within a round: its upper snapshot and the last (chat, seq) given, always together.
  const to = parsePgSnapshot(toText);
  const chatId = chatIdSchema.safeParse(chatIdText);
  const seq = parseDecimal(seqText, BigInt(INT4_MAX));
  if (!to || !seesAllOf(to, from) || !chatId.success || seq === null || seq === 0n) return null;
  return {
    from: formatPgSnapshot(from),
    to: formatPgSnapshot(to),
    after: { chatId: chatId.data, seq: Number(seq) },
  };
}

import { AppError } from '../errors/app-error.js';
import { decodeBase64urlText } from './base64url-text.js';
import { INT4_MAX, uuidField } from './fields.js';
import { parseTimestamptzText } from './timestamptz-text.js';

const uuid = uuidField('row');

/** An opaque page cursor: the sort key of a page's last row, in base64url. */
export function encodeCursor(...parts: (string | number)[]): string {
  return Buffer.from(parts.join('|')).toString('base64url');
}

/**
 * The parts of a cursor this API gave out, each checked by its reader (null: not valid); anything else
 * is a 400 before any SQL runs.
 */
export function decodeCursor<T extends unknown[]>(
  cursor: string,
  readers: { [K in keyof T]: (part: string) => T[K] | null },
): T {
  const parts = decodeBase64urlText(cursor)?.split('|');
  const values = parts?.length === readers.length ? parts.map((part, i) => readers[i]!(part)) : null;
  if (!values || values.some((v) => v === null)) {
    throw new AppError('VALIDATION_FAILED', 'cursor: is not a cursor this API gave out');
  }
  return values as T;
}

export const cursorParts = {
  uuid: (part: string): string | null => {
    const parsed = uuid.safeParse(part);
    return parsed.success ? parsed.data : null;
  },
  int: (part: string): number | null => {
    const n = /^\d{1,10}$/.test(part) ? Number(part) : Number.NaN;
    return n <= INT4_MAX ? n : null;
  },
  time: (part: string): string | null => parseTimestamptzText(part),
};

/**
 * The first `limit` of `rows`, read with one more than asked (the extra row says a next page exists),
 * and the cursor of the next page: its last row's key.
 */
export function pageOfRows<R>(
  rows: R[],
  limit: number,
  keyOf: (last: R) => string,
): { rows: R[]; nextCursor: string | null } {
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { rows: page, nextCursor: rows.length > limit && last !== undefined ? keyOf(last) : null };
}

import { parseDecimal } from '../common/validation/decimal.js';

/** A PostgreSQL `pg_snapshot` (`xmin:xmax:xip,…`): transactions below xmax and not in xip are visible. */
export interface PgSnapshot {
  xmin: bigint;
  xmax: bigint;
  /** Ascending, without repeats. */
  xip: bigint[];
}

const XID8_MAX = 2n ** 64n - 1n;

// PostgreSQL refuses an xmin or xmax whose 32-bit transaction id (the low half; the high half counts
// wraparounds) is its invalid id, zero.
function parseBound(text: string): bigint | null {
  const xid = parseDecimal(text, XID8_MAX);
  return xid === null || (xid & 0xffff_ffffn) === 0n ? null : xid;
}

/**
 * Parses the text form, with the rules of PostgreSQL's own input function (valid xmin <= valid xmax, every
 * xip in [xmin, xmax), ascending; a repeated xip is dropped as PostgreSQL drops it), so that whatever this
 * accepts the database accepts too. Numbers past 64 bits are refused, where PostgreSQL would silently clamp them.
 */
export function parsePgSnapshot(text: string): PgSnapshot | null {
  const parts = text.split(':');
  if (parts.length !== 3) return null;
  const [xminText, xmaxText, xipText] = parts as [string, string, string];
  const xmin = parseBound(xminText);
  const xmax = parseBound(xmaxText);
  if (xmin === null || xmax === null || xmax < xmin) return null;
  const xip: bigint[] = [];
  for (const item of xipText === '' ? [] : xipText.split(',')) {
    const xid = parseDecimal(item, XID8_MAX);
    const last = xip.at(-1);
    if (xid === null || xid < xmin || xid >= xmax || (last !== undefined && xid < last)) return null;
    if (xid !== last) xip.push(xid);
  }
  return { xmin, xmax, xip };
}

export function formatPgSnapshot(snapshot: PgSnapshot): string {
  return `${snapshot.xmin}:${snapshot.xmax}:${snapshot.xip.join(',')}`;
}

/**
 * Whether `later` sees everything `earlier` sees. A snapshot's xmax never moves back, so a `later` with a
 * lower one is refused; with xmax in order, `later` sees all of `earlier` unless it still counts as in
 * progress a transaction that `earlier` already saw committed.
 */
export function seesAllOf(later: PgSnapshot, earlier: PgSnapshot): boolean {
  if (later.xmax < earlier.xmax) return false;
  const inProgressEarlier = new Set(earlier.xip);
  return later.xip.every((xid) => xid >= earlier.xmax || inProgressEarlier.has(xid));
}

/**
 * PostgreSQL's text form of a `timestamptz` (DateStyle ISO): `2026-12-01 17:30:33.123456+00`, the offset
 * being the session's (`+05:30`, or `+00:53:28` for old local mean times). Matches the shape only; the
 * numbers are checked below.
 */
const TIMESTAMPTZ_TEXT =
  /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?([+-])(\d{2})(?::(\d{2})(?::(\d{2}))?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/**
 * The instant a timestamptz text names, as an ISO 8601 UTC string with all six fraction digits
 * (`2026-12-01T17:30:33.123456Z`), which PostgreSQL reads back to the same microsecond whatever the
 * session's time zone; null for text that names no real instant (month 13, February 30, hour 25…).
 * A Date would keep only milliseconds, and a cursor that lost its microseconds could skip or repeat a row.
 */
export function parseTimestamptzText(text: string): string | null {
  const m = TIMESTAMPTZ_TEXT.exec(text);
  if (!m) return null;
  const field = (i: number) => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [
    field(1),
    field(2),
    field(3),
    field(4),
    field(5),
    field(6),
  ];
  const fraction = (m[7] ?? '').padEnd(6, '0');
  const sign = m[8] === '-' ? -1 : 1;
  const [offsetHours, offsetMinutes, offsetSeconds] = [field(9), field(10), field(11)];
  if (
    year < 1 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour > 23 ||
    minute > 59 ||
    second > 59 ||
    // PostgreSQL's own bound on a UTC offset.
    offsetHours > 15 ||
    offsetMinutes > 59 ||
    offsetSeconds > 59
  ) {
    return null;
  }
  const local = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  local.setUTCFullYear(year, month - 1, day);
  local.setUTCHours(hour, minute, second, 0);
  const offsetMs = sign * (offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1000;
  const utc = new Date(local.getTime() - offsetMs);
  const utcYear = utc.getUTCFullYear();
  // toISOString() writes years outside 0000–9999 with a sign and six digits, which PostgreSQL reads otherwise.
  if (utcYear < 1 || utcYear > 9999) return null;
  return `${utc.toISOString().slice(0, 19)}.${fraction}Z`;
}

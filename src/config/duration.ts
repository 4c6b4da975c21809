const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;

/** Parses "900", "15m", "12h", "30d" into seconds; returns null when the text is not such a duration. */
export function parseDurationSeconds(text: string): number | null {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  if (!match) return null;
  const unit = (match[2] || 's') as keyof typeof UNIT_SECONDS;
  const seconds = Number(match[1]) * UNIT_SECONDS[unit];
  return seconds > 0 ? seconds : null;
}

/** Parses "0s,5s,5m" into seconds, zero allowed; null when any item is not a duration. */
export function parseDurationList(text: string): number[] | null {
  const seconds: number[] = [];
  for (const item of text.split(',')) {
    if (/^\s*0+\s*[smhd]?\s*$/.test(item)) seconds.push(0);
    else {
      const value = parseDurationSeconds(item);
      if (value === null) return null;
      seconds.push(value);
    }
  }
  return seconds;
}

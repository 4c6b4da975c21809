import { parseDurationSeconds } from './duration.js';

/** A budget of `points` events per `seconds`, counted in fixed windows of that length. */
export interface RateLimitSetting {
  points: number;
  seconds: number;
}

/**
 * Parses a rate-limit variable: `N/window` (`600/1m`, `10/1h`), or a bare `N` meaning N per the limit's
 * own unit. A bare per-second limit is counted in windows of two seconds (bursts of twice the rate), so a
 * client that sends in rhythm is not cut at a window's edge.
 */
export function parseRateLimit(text: string, unitSeconds: number): RateLimitSetting | null {
  const match = /^(\d{1,7})(?:\s*\/\s*(.+))?$/.exec(text.trim());
  if (!match) return null;
  const points = Number(match[1]);
  if (points < 1) return null;
  if (match[2] === undefined) {
    return unitSeconds === 1 ? { points: points * 2, seconds: 2 } : { points, seconds: unitSeconds };
  }
  const seconds = parseDurationSeconds(match[2]);
  return seconds === null ? null : { points, seconds };
}

/** The way SECURITY.md and the logs write a limit. */
export function describeRateLimit(limit: RateLimitSetting): string {
  return `${limit.points} per ${limit.seconds} s`;
}

/**
 * When a notification's next attempt is due, after `attemptsMade` attempts: `schedule[n]` is the wait
 * before attempt n+1 (the first is usually immediate). Null when the schedule is spent: a dead letter.
 */
export function nextAttemptAt(
  scheduleMs: readonly number[],
  attemptsMade: number,
  now: number,
): number | null {
  const wait = scheduleMs[attemptsMade];
  return wait === undefined ? null : now + wait;
}

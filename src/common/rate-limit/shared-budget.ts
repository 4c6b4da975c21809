import type { RedisClient } from '../../redis/redis.js';

/** How often an instance adds what it granted to the shared count and reads the others' back. */
export const SYNC_MS = 100;

/** One key's count in the current window: what Redis last said, what is on its way there, what is not yet. */
interface Count {
  window: number;
  known: number;
  sending: number;
  unsent: number;
}

/** Refused: how long until the window ends and the budget is whole again. */
export interface Refusal {
  msBeforeNext: number;
}

/**
 * A fixed-window budget per key shared by every instance through Redis, decided in memory: a grant is
 * counted locally at once, and every SYNC_MS the counts of the keys used meanwhile are added to Redis
 * (INCRBY, one key per window) and the totals read back. A send therefore never waits for Redis, and
 * Redis sees two commands per active key per interval instead of a script per request. The price: instances
 * learn of each other's grants one interval late, so a key used on several instances at once can get at
 * most what each grants within an interval beyond its budget. While Redis does not answer, each instance
 * goes on counting in its own memory and adds it all once Redis is back.
 */
export class SharedBudget {
  private readonly counts = new Map<string, Count>();
  private readonly dirty = new Set<string>();
  private lastSweep = 0;

  constructor(
    private readonly redis: RedisClient,
    private readonly keyPrefix: string,
    private readonly points: number,
    private readonly durationMs: number,
  ) {}

  /** Takes one point of `key` at `now`, or says when the window ends. */
  consume(key: string, now: number): Refusal | null {
    const window = Math.floor(now / this.durationMs);
    let count = this.counts.get(key);
    if (count?.window !== window) {
      count = { window, known: 0, sending: 0, unsent: 0 };
      this.counts.set(key, count);
    }
    if (count.known + count.sending + count.unsent >= this.points) {
      return { msBeforeNext: (window + 1) * this.durationMs - now };
    }
    count.unsent += 1;
    this.dirty.add(key);
    return null;
  }

  /** Adds the unsent grants to Redis and reads the totals back; forgets the windows that have ended. */
  async sync(now: number): Promise<void> {
    const keys = [...this.dirty];
    this.dirty.clear();
    await Promise.all(keys.map((key) => this.send(key)));
    if (now - this.lastSweep >= this.durationMs) {
      this.lastSweep = now;
      const current = Math.floor(now / this.durationMs);
      for (const [key, count] of this.counts) {
        if (count.window < current && count.sending === 0) this.counts.delete(key);
      }
    }
  }

  private async send(key: string): Promise<void> {
    const count = this.counts.get(key);
    if (!count || count.unsent === 0) return;
    const n = count.unsent;
    count.unsent = 0;
    count.sending += n;
    const redisKey = `${this.keyPrefix}:${key}:${count.window}`;
    try {
      const [total] = await Promise.all([
        this.redis.incrby(redisKey, n),
        // Past the window's end, by a window's length of slack for clocks that differ between instances.
        this.redis.pexpireat(redisKey, (count.window + 2) * this.durationMs),
      ]);
      count.known = Math.max(count.known, total - count.sending + n);
    } catch {
      // Counted again at the next sync; a grant Redis did apply is then counted twice, which only errs
      // on the strict side.
      count.unsent += n;
      this.dirty.add(key);
    } finally {
      count.sending -= n;
    }
  }
}

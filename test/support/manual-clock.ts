import { Clock, type Timer } from '../../src/common/time/clock.js';

interface Scheduled {
  due: number;
  ms: number;
  callback: () => void;
  live: boolean;
}

/** A clock that moves only when a test says so: timers fire, in order, as `advance` passes them. */
export class ManualClock extends Clock {
  private current = Date.now();
  private readonly timers = new Set<Scheduled>();
  private waiters: { ms: number; resolve: () => void }[] = [];

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const entry: Scheduled = { due: this.current + ms, ms, callback, live: true };
    this.timers.add(entry);
    const due = this.waiters.filter((w) => w.ms === ms);
    this.waiters = this.waiters.filter((w) => w.ms !== ms);
    for (const waiter of due) waiter.resolve();
    return {
      refresh: () => {
        if (!entry.live) this.timers.add(entry);
        entry.live = true;
        entry.due = this.current + entry.ms;
      },
      cancel: () => {
        entry.live = false;
        this.timers.delete(entry);
      },
    };
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (callbacks may add more). */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.timers].filter((t) => t.due <= target).sort((a, b) => a.due - b.due)[0];
      if (!next) break;
      this.current = Math.max(this.current, next.due);
      next.live = false;
      this.timers.delete(next);
      next.callback();
    }
    this.current = target;
  }

  /**
   * Resolves when the app next schedules a timer of `ms`: proof that it has reacted to something it hears
   * of asynchronously (a socket's close, say) before the test moves time past it.
   */
  nextTimer(ms: number): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ ms, resolve }));
  }

  /** Timers waiting to fire. */
  get pending(): number {
    return this.timers.size;
  }
}

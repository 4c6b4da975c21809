export interface BackoffOptions {
  /** The first wait, ms. */
  initialMs?: number;
  /** The longest wait, ms. */
  maxMs?: number;
}

/**
 * Exponential backoff with full jitter: after a server restart every client picks its own moment to come
 * back, instead of all of them arriving in the same instant and knocking it over again.
 */
export function backoffDelay(
  attempt: number,
  { initialMs = 250, maxMs = 10_000 }: BackoffOptions = {},
): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20));
  return Math.random() * ceiling;
}

/** Waits, unless `signal` aborts first (a close should not wait out a backoff). */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

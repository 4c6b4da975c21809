const WAIT_MS = 20_000;

/**
 * Waiting for a condition on what a stand-in server has received: `until` resolves when `done()` holds,
 * checked at once and again whenever the server calls `notify()`, and rejects after a safety timeout with
 * `who`, `what` and `describe()` in its message, so a broken test fails instead of hanging.
 */
export function conditions(who: string, describe: () => string) {
  const listeners = new Set<() => void>();
  return {
    notify(): void {
      for (const listener of [...listeners]) listener();
    },
    until(done: () => boolean, what: string): Promise<void> {
      return new Promise((resolve, reject) => {
        if (done()) return resolve();
        const listener = () => {
          if (!done()) return;
          finish();
          resolve();
        };
        const timer = setTimeout(() => {
          finish();
          reject(new Error(`${who}: timed out after ${WAIT_MS} ms waiting for ${what}; ${describe()}`));
        }, WAIT_MS);
        const finish = () => {
          clearTimeout(timer);
          listeners.delete(listener);
        };
        listeners.add(listener);
      });
    },
  };
}

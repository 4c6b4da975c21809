/** A scheduled callback that can be pushed back (typing refreshes) or called off. */
export interface Timer {
  refresh(): void;
  cancel(): void;
}

/**
 * Time as the service's rules see it (grace periods, expiries). Injected, so tests move it forward
 * instead of waiting for it; production uses the system clock.
 */
export abstract class Clock {
  abstract now(): number;
  abstract setTimeout(callback: () => void, ms: number): Timer;
}

export class SystemClock extends Clock {
  now(): number {
    return Date.now();
  }

  setTimeout(callback: () => void, ms: number): Timer {
    const handle = setTimeout(callback, ms);
    return { refresh: () => void handle.refresh(), cancel: () => clearTimeout(handle) };
  }
}

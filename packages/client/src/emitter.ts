import { getOrCreate } from './maps.js';

// biome-ignore lint/suspicious/noExplicitAny: listener signatures come from each emitter's own event map
type EventMap = Record<string, (...args: any[]) => void>;

/** A typed event emitter small enough to run anywhere (browsers have no node:events). */
export class Emitter<Events extends EventMap> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  /** Adds a listener; the function it returns removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    const set = getOrCreate(this.listeners, event, () => new Set());
    set.add(listener);
    return () => set.delete(listener);
  }

  /** Resolves with the arguments of the first `event` for which `test` holds (a wait, not a poll). */
  when<K extends keyof Events>(
    event: K,
    test: (...args: Parameters<Events[K]>) => boolean = () => true,
  ): Promise<Parameters<Events[K]>> {
    return new Promise((resolve) => {
      const off = this.on(event, ((...args: Parameters<Events[K]>) => {
        if (!test(...args)) return;
        off();
        resolve(args);
      }) as Events[K]);
    });
  }

  protected emit<K extends keyof Events>(event: K, ...args: Parameters<Events[K]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      // One failing subscriber must not keep the others (or the SDK itself) from their update.
      try {
        listener(...args);
      } catch (error) {
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

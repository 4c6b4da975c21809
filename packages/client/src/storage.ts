/**
 * Where the SDK keeps what must outlive the process (the outbox): a small async key-value store, so a
 * browser can put it in IndexedDB and a Node program in memory, a file or a database of its own.
 */
export interface KeyValueStorage {
  get<T>(key: string): Promise<T | undefined>;
  set<T>(key: string, value: T): Promise<void>;
  delete(key: string): Promise<void>;
  /** Every value whose key starts with `prefix`, in key order. */
  list<T>(prefix: string): Promise<T[]>;
}

/** Keeps values for as long as this object lives: hand the same one to a new client to survive its restart. */
export class MemoryStorage implements KeyValueStorage {
  private readonly values = new Map<string, unknown>();

  async get<T>(key: string): Promise<T | undefined> {
    return structuredClone(this.values.get(key)) as T | undefined;
  }

  async set<T>(key: string, value: T): Promise<void> {
    this.values.set(key, structuredClone(value));
  }

  async delete(key: string): Promise<void> {
    this.values.delete(key);
  }

  async list<T>(prefix: string): Promise<T[]> {
    return [...this.values.keys()]
      .filter((key) => key.startsWith(prefix))
      .sort()
      .map((key) => structuredClone(this.values.get(key)) as T);
  }
}

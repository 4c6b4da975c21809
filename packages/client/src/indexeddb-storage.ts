import type { KeyValueStorage } from './storage.js';

// The few IndexedDB shapes this file uses, declared here so the SDK type-checks under Node's libraries too.
interface Request<T> {
  result: T;
  error: unknown;
  onsuccess: (() => void) | null;
  onerror: (() => void) | null;
}
interface Store {
  get(key: string): Request<unknown>;
  put(value: unknown, key: string): Request<unknown>;
  delete(key: string): Request<unknown>;
  getAll(range: unknown): Request<unknown[]>;
}
interface Database {
  createObjectStore(name: string): Store;
  transaction(name: string, mode: 'readonly' | 'readwrite'): { objectStore(name: string): Store };
}
interface OpenRequest extends Request<Database> {
  onupgradeneeded: (() => void) | null;
}
interface IndexedDbGlobals {
  indexedDB: { open(name: string, version: number): OpenRequest };
  IDBKeyRange: { bound(lower: string, upper: string): unknown };
}

const STORE = 'kv';

function settle<T>(request: Request<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The browser's durable storage: an outbox kept here survives a closed tab and a reboot. */
export class IndexedDbStorage implements KeyValueStorage {
  private readonly globals = globalThis as unknown as IndexedDbGlobals;
  private database?: Promise<Database>;

  constructor(private readonly name = 'live-chat-client') {}

  static available(): boolean {
    return typeof (globalThis as Partial<IndexedDbGlobals>).indexedDB !== 'undefined';
  }

  private open(): Promise<Database> {
    this.database ??= (() => {
      const request = this.globals.indexedDB.open(this.name, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      return settle(request);
    })();
    return this.database;
  }

  private async store(mode: 'readonly' | 'readwrite'): Promise<Store> {
    return (await this.open()).transaction(STORE, mode).objectStore(STORE);
  }

  async get<T>(key: string): Promise<T | undefined> {
    return (await settle((await this.store('readonly')).get(key))) as T | undefined;
  }

  async set<T>(key: string, value: T): Promise<void> {
    await settle((await this.store('readwrite')).put(value, key));
  }

  async delete(key: string): Promise<void> {
    await settle((await this.store('readwrite')).delete(key));
  }

  async list<T>(prefix: string): Promise<T[]> {
    // Keys sort as strings, so every key with the prefix lies between it and the prefix plus the top code unit.
    const range = this.globals.IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    return (await settle((await this.store('readonly')).getAll(range))) as T[];
  }
}

/** IndexedDB where there is one, memory elsewhere. */
export async function defaultStorage(): Promise<KeyValueStorage> {
  if (IndexedDbStorage.available()) return new IndexedDbStorage();
  const { MemoryStorage } = await import('./storage.js');
  return new MemoryStorage();
}

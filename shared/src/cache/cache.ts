// The cache port. Adapters: memory-cache.ts (in-process LRU), redis-cache.ts (ioredis).
// Writes are version-guarded: an entry is only replaced by one with a higher version (the stream revision),
// so a late or replayed write can never put an older state back.

export interface CachedEntry<T = unknown> {
  version: number;
  value: T;
}

/** An entry with its value as the JSON text the cache holds. */
export interface CachedJson {
  version: number;
  json: string;
}

export interface Cache {
  get<T = unknown>(key: string): Promise<CachedEntry<T> | undefined>;
  /** The entry as stored, for an answer that sends the value as it is: no parsing and serialising it again. */
  getJson(key: string): Promise<CachedJson | undefined>;
  /** Stores the entry unless the cache holds the same key at an equal or higher version; true when written. */
  set<T = unknown>(key: string, entry: CachedEntry<T>): Promise<boolean>;
  delete(key: string): Promise<void>;
  close(): Promise<void>;
}

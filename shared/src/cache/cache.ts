import type { GlobalPosition } from '../event-store/event-store.js';

// The cache port. Adapters: memory-cache.ts (in-process LRU), redis-cache.ts (ioredis).
// Writes are version-guarded: an entry is only replaced by one with a higher version (the stream revision),
// so a late or replayed write can never put an older state back. An equal version may only add the position an entry
// lacked: it is the same view, now known to be as of that position.

export interface CachedEntry<T = unknown> {
  version: number;
  value: T;
  /**
   * Global position of the last event the view reflects, where the writer knows it (a projection does): the view
   * holds every event of its stream up to there, so a reader waiting for its own write at or before it may use it.
   */
  position?: GlobalPosition;
}

/** An entry with its value as the JSON text the cache holds. */
export interface CachedJson {
  version: number;
  json: string;
  position?: GlobalPosition;
}

export interface Cache {
  get<T = unknown>(key: string): Promise<CachedEntry<T> | undefined>;
  /** The entry as stored, for an answer that sends the value as it is: no parsing and serialising it again. */
  getJson(key: string): Promise<CachedJson | undefined>;
  /**
   * Stores the entry unless the cache holds the key at a higher version, or at an equal one that has a position or
   * is not given one; true when written.
   */
  set<T = unknown>(key: string, entry: CachedEntry<T>): Promise<boolean>;
  delete(key: string): Promise<void>;
  /** Deletes every entry whose key starts with prefix (a retired projection version's); answers how many went. */
  deleteWithPrefix(prefix: string): Promise<number>;
  close(): Promise<void>;
}

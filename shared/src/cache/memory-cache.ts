import { LRUCache } from 'lru-cache';
import type { Cache, CachedEntry, CachedJson } from './cache.js';

// In-process LRU for the embedded mode. Entries are stored as JSON text, like Redis stores them: a caller that
// mutates a value it got or gave cannot change what the cache holds, and the value semantics match the Redis adapter.

export interface MemoryCacheOptions {
  maxEntries: number;
}

export function memoryCache(options: MemoryCacheOptions): Cache {
  const entries = new LRUCache<string, CachedJson>({ max: options.maxEntries });
  let closed = false;
  const open = () => {
    if (closed) throw new Error('memory cache is closed');
  };

  return {
    async get<T>(key: string): Promise<CachedEntry<T> | undefined> {
      open();
      const stored = entries.get(key);
      return stored && { version: stored.version, value: JSON.parse(stored.json) as T };
    },
    async getJson(key: string): Promise<CachedJson | undefined> {
      open();
      const stored = entries.get(key);
      return stored && { version: stored.version, json: stored.json };
    },
    async set<T>(key: string, entry: CachedEntry<T>): Promise<boolean> {
      open();
      // peek, not get: checking the version must not count as a use of the entry.
      const current = entries.peek(key);
      if (current && current.version >= entry.version) return false;
      entries.set(key, { version: entry.version, json: JSON.stringify(entry.value) });
      return true;
    },
    async delete(key: string): Promise<void> {
      open();
      entries.delete(key);
    },
    async close(): Promise<void> {
      closed = true;
      entries.clear();
    },
  };
}

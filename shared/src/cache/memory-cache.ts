import { LRUCache } from 'lru-cache';
import type { Cache, CachedEntry, CachedJson } from './cache.js';

// In-process LRU for the embedded mode. Entries are stored as JSON text, like Redis stores them: a caller that
// mutates a value it got or gave cannot change what the cache holds, and the value semantics match the Redis adapter.

export interface MemoryCacheOptions {
  maxEntries: number;
}

const replaces = (current: CachedJson, entry: CachedEntry): boolean =>
  current.version < entry.version ||
  (current.version === entry.version && current.position === undefined && entry.position !== undefined);

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
      if (!stored) return undefined;
      const entry: CachedEntry<T> = { version: stored.version, value: JSON.parse(stored.json) as T };
      return stored.position === undefined ? entry : { ...entry, position: stored.position };
    },
    async getJson(key: string): Promise<CachedJson | undefined> {
      open();
      const stored = entries.get(key);
      return stored && { ...stored };
    },
    async set<T>(key: string, entry: CachedEntry<T>): Promise<boolean> {
      open();
      // peek, not get: checking the version must not count as a use of the entry.
      const current = entries.peek(key);
      if (current && !replaces(current, entry)) return false;
      const json = JSON.stringify(entry.value);
      entries.set(
        key,
        entry.position === undefined
          ? { version: entry.version, json }
          : { version: entry.version, json, position: entry.position },
      );
      return true;
    },
    async delete(key: string): Promise<void> {
      open();
      entries.delete(key);
    },
    async deleteWithPrefix(prefix: string): Promise<number> {
      open();
      const doomed = [...entries.keys()].filter((key) => key.startsWith(prefix));
      for (const key of doomed) entries.delete(key);
      return doomed.length;
    },
    async close(): Promise<void> {
      closed = true;
      entries.clear();
    },
  };
}

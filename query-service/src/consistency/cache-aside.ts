import type { Cache, Logger } from '@order-engine/shared';

// Cache-aside reads of single views. The cache is an optimisation only: when it fails or hangs, the read goes to
// PostgreSQL and the request still succeeds. Writes back are version-guarded by the cache (version = stream
// revision), so filling it from a read can never replace a newer entry written by the projection.

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

export interface CacheCounters {
  hits: number;
  misses: number;
}

export interface CachedRead<T> {
  value: T | undefined;
  cache: CacheOutcome;
}

export interface CacheAside {
  /** bypass: skip the lookup (read-your-writes) but still refresh the cache with what PostgreSQL holds. */
  read<T extends { revision: number }>(key: string, load: () => Promise<T | undefined>, options?: { bypass?: boolean }): Promise<CachedRead<T>>;
  counters(): CacheCounters;
}

export interface CacheAsideOptions {
  cache: Cache;
  logger: Logger;
  /** A cache slower than this counts as down for that call. */
  timeoutMs?: number;
}

class CacheTimeout extends Error {
  constructor(operation: string, timeoutMs: number) {
    super(`cache ${operation} took longer than ${timeoutMs} ms`);
    this.name = 'CacheTimeout';
  }
}

export function cacheAside({ cache, logger, timeoutMs = 250 }: CacheAsideOptions): CacheAside {
  const counters: CacheCounters = { hits: 0, misses: 0 };

  const bounded = async <R>(operation: string, call: () => Promise<R>): Promise<R> => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new CacheTimeout(operation, timeoutMs)), timeoutMs);
    });
    try {
      // call() inside the race: a cache that throws synchronously is as down as one that rejects.
      return await Promise.race([Promise.resolve().then(call), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  const lookup = async <T>(key: string): Promise<T | undefined> => {
    try {
      return (await bounded('get', () => cache.get<T>(key)))?.value;
    } catch (error) {
      logger.warn('cache read failed; reading PostgreSQL', { key, error: String(error) });
      return undefined;
    }
  };

  const refresh = async <T extends { revision: number }>(key: string, value: T) => {
    try {
      await bounded('set', () => cache.set(key, { version: value.revision, value }));
    } catch (error) {
      logger.warn('cache write failed; answering from PostgreSQL', { key, error: String(error) });
    }
  };

  return {
    async read<T extends { revision: number }>(key: string, load: () => Promise<T | undefined>, { bypass = false } = {}): Promise<CachedRead<T>> {
      if (!bypass) {
        const cached = await lookup<T>(key);
        if (cached !== undefined) {
          counters.hits += 1;
          return { value: cached, cache: 'hit' };
        }
        counters.misses += 1;
      }
      const value = await load();
      if (value !== undefined) await refresh(key, value);
      return { value, cache: bypass ? 'bypass' : 'miss' };
    },
    counters: () => ({ ...counters }),
  };
}

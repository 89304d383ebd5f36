import type { Cache, CachedJson, GlobalPosition, Logger } from '@order-engine/shared';

// Cache-aside reads of single views. The cache is an optimisation only: when it fails or hangs, the read goes to
// PostgreSQL and the request still succeeds. Writes back are version-guarded by the cache (version = stream
// revision), so filling it from a read can never replace a newer entry written by the projection. A read gives the
// view as JSON text, ready to send: a hit is sent as the cache holds it, not parsed and serialised again.

export type CacheOutcome = 'hit' | 'miss' | 'bypass';

/** The Content-Type res.json gives: a read's JSON text sent with it answers exactly as res.json(view) would. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

export interface CacheCounters {
  hits: number;
  misses: number;
}

export interface CachedRead {
  /** The view as JSON; undefined when it does not exist. */
  json: string | undefined;
  cache: CacheOutcome;
}

export interface CacheAside {
  /** bypass: skip the lookup (read-your-writes) but still refresh the cache with what PostgreSQL holds. */
  read<T extends { revision: number }>(
    key: string,
    load: () => Promise<T | undefined>,
    options?: { bypass?: boolean },
  ): Promise<CachedRead>;
  /**
   * The cached entry if it carries a position at or past minPosition (a hit); undefined otherwise, counting nothing.
   */
  readAt(key: string, minPosition: GlobalPosition): Promise<(CachedRead & { position: GlobalPosition }) | undefined>;
  counters(): CacheCounters;
  /** The same, by entity kind (`product`, `order`, ...: the middle part of `<schema>:<kind>:<id>`). */
  countersByKind(): Record<string, CacheCounters>;
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

interface InFlight {
  deadline: number;
  operation: string;
  reject(error: unknown): void;
}

export function cacheAside({ cache, logger, timeoutMs = 250 }: CacheAsideOptions): CacheAside {
  const byKind = new Map<string, CacheCounters>();
  const count = (key: string, outcome: keyof CacheCounters) => {
    const kind = key.split(':', 2)[1] ?? 'unknown';
    let counters = byKind.get(kind);
    if (!counters) byKind.set(kind, (counters = { hits: 0, misses: 0 }));
    counters[outcome] += 1;
  };

  // One timer watches every call in flight, instead of one timer set and cleared per call: that costs more than the
  // in-memory lookup it guards. A call is given up at the first tick past its deadline (at most timeoutMs / 4 late).
  const inFlight = new Set<InFlight>();
  let ticker: NodeJS.Timeout | undefined;
  const tick = () => {
    const now = Date.now();
    for (const call of inFlight) {
      if (call.deadline > now) continue;
      inFlight.delete(call);
      call.reject(new CacheTimeout(call.operation, timeoutMs));
    }
    if (inFlight.size > 0) return;
    clearInterval(ticker);
    ticker = undefined;
  };

  // No named closures per call: tsx (esbuild's keepNames) gives each one its name as it is created, at a cost.
  const bounded = <R>(operation: string, call: () => Promise<R>): Promise<R> =>
    new Promise<R>((resolve, reject) => {
      const pending: InFlight = { deadline: Date.now() + timeoutMs, operation, reject };
      inFlight.add(pending);
      ticker ??= setInterval(tick, Math.max(1, timeoutMs / 4));
      try {
        call().then(
          (value) => {
            inFlight.delete(pending);
            resolve(value);
          },
          (error: unknown) => {
            inFlight.delete(pending);
            reject(error);
          },
        );
      } catch (error) {
        // A cache that throws synchronously is as down as one that rejects.
        inFlight.delete(pending);
        reject(error);
      }
    });

  const lookup = async (key: string): Promise<CachedJson | undefined> => {
    try {
      return await bounded('get', () => cache.getJson(key));
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
    async read<T extends { revision: number }>(
      key: string,
      load: () => Promise<T | undefined>,
      { bypass = false } = {},
    ): Promise<CachedRead> {
      if (!bypass) {
        const json = (await lookup(key))?.json;
        if (json !== undefined) {
          count(key, 'hits');
          return { json, cache: 'hit' };
        }
        count(key, 'misses');
      }
      const value = await load();
      if (value !== undefined) await refresh(key, value);
      return { json: value === undefined ? undefined : JSON.stringify(value), cache: bypass ? 'bypass' : 'miss' };
    },
    async readAt(key, minPosition) {
      const entry = await lookup(key);
      if (entry?.position === undefined || entry.position < minPosition) return undefined;
      count(key, 'hits');
      return { json: entry.json, cache: 'hit', position: entry.position };
    },
    counters: () => {
      const total: CacheCounters = { hits: 0, misses: 0 };
      for (const counters of byKind.values()) {
        total.hits += counters.hits;
        total.misses += counters.misses;
      }
      return total;
    },
    countersByKind: () => Object.fromEntries([...byKind].map(([kind, counters]) => [kind, { ...counters }])),
  };
}

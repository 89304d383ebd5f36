import type { Cache, CachedEntry, Logger } from '@order-engine/shared';
import type { CacheWrite } from '../projections/projection.js';

// A projection writes the cache after its commit. A write that fails (Redis unreachable, say) is not just a miss for
// readers: the cache still holds the older entry, and serves it for good once it answers again. So failed writes are
// kept, the newest per key, and sent again until they go through (the cache's version guard keeps a newer entry that
// got there meanwhile). Past `maxPending` keys the rest are not kept: once the cache answers again, every entry of the
// version is deleted instead, and readers fill it from the read model.

export interface CacheWriter {
  /** Writes the entries; those that fail are retried in the background. True when all went through; never rejects. */
  write(writes: readonly CacheWrite[]): Promise<boolean>;
  /** Keys waiting for a retry. */
  pending(): number;
  /** Stops retrying (the runner stopped; what is pending is given up). */
  stop(): void;
}

export interface CacheWriterOptions {
  cache: Cache;
  logger: Logger;
  /** Key prefix of every entry this writer may write: what goes when too many writes failed. */
  versionPrefix: string;
  retryMs?: number;
  maxPending?: number;
}

export function cacheWriter({
  cache,
  logger,
  versionPrefix,
  retryMs = 1_000,
  maxPending = 10_000,
}: CacheWriterOptions): CacheWriter {
  const unwritten = new Map<string, CachedEntry>();
  let overflowed = false;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  /** Writes have failed and not all went through since: warned once, told when over. */
  let outage = false;

  /** Sends the writes; keeps those that failed, for a retry. True when all went through. */
  const send = async (writes: readonly CacheWrite[]): Promise<boolean> => {
    const results = await Promise.allSettled(writes.map(({ key, entry }) => cache.set(key, entry)));
    let failure: unknown;
    writes.forEach(({ key, entry }, i) => {
      const result = results[i]!;
      const kept = unwritten.get(key);
      if (result.status === 'fulfilled') {
        if (kept && kept.version <= entry.version) unwritten.delete(key);
        return;
      }
      failure ??= result.reason;
      if (kept && kept.version > entry.version) return;
      if (kept || unwritten.size < maxPending) unwritten.set(key, entry);
      else overflowed = true;
    });
    if (failure === undefined) return true;
    if (!outage)
      logger.warn('cache writes failed; retrying them, readers may get older entries meanwhile', {
        failed: unwritten.size,
        overflowed,
        error: String(failure),
      });
    outage = true;
    schedule();
    return false;
  };

  const retry = async () => {
    timer = undefined;
    const ok = await send([...unwritten].map(([key, entry]) => ({ key, entry })));
    if (!ok) return; // send scheduled the next try
    if (overflowed) {
      try {
        const deleted = await cache.deleteWithPrefix(versionPrefix);
        overflowed = false;
        logger.warn('too many cache writes had failed: deleted the entries of this version instead', { deleted });
      } catch {
        return schedule();
      }
    }
    if (outage && unwritten.size === 0) {
      outage = false;
      logger.info('failed cache writes went through');
    }
  };

  const schedule = () => {
    if (timer || stopped) return;
    timer = setTimeout(() => void retry(), retryMs);
    timer.unref();
  };

  return {
    write: send,
    pending: () => unwritten.size,
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

import type { CacheAside, CachedRead } from './cache-aside.js';
import type { ReadPosition, ReadYourWrites } from './read-your-writes.js';

// Reads of one entity (a product, an order) through the cache. With a minimum position, the entity's cached entry
// answers as soon as it carries a position at or past it: the view then holds every event of its stream up to there,
// which is all a read after the projection's checkpoint passed the position could show of it. Only when it does not
// does the read wait for the checkpoint; the entry is then looked at once more before PostgreSQL is.

export interface EntityRead<T> {
  /** The projection whose checkpoint the read may wait for. */
  projection: string;
  /** Its live schema, resolved per read (and again after waiting: a rebuild's switch is followed). */
  schema: () => Promise<string>;
  key: (schema: string) => string;
  load: (schema: string) => Promise<T | undefined>;
}

/** A cached read, and, when a minimum position was asked for, what the answer reflects. */
export type EntityAnswer = CachedRead & { readPosition?: ReadPosition };

export type ReadEntity = <T extends { revision: number }>(
  minPosition: bigint | undefined,
  read: EntityRead<T>,
) => Promise<EntityAnswer>;

export function entityReads(cached: CacheAside, readYourWrites: ReadYourWrites): ReadEntity {
  return async (minPosition, { projection, schema, key, load }) => {
    const live = await schema();
    if (minPosition === undefined) return cached.read(key(live), () => load(live));
    // What such an answer reflects is the entity's position, whatever the projection's checkpoint says.
    const fromEntry = async (at: string): Promise<EntityAnswer | undefined> => {
      const read = await cached.readAt(key(at), minPosition);
      return read && { json: read.json, cache: read.cache, readPosition: { position: read.position, stale: false } };
    };
    const early = await fromEntry(live);
    if (early) return early;
    const waited = await readYourWrites.waitFor(projection, minPosition);
    const settled = await schema();
    // Projections in this process write an entry before they report its position, so any entry they wrote holds the
    // entity as of the checkpoint waited for; one filled from PostgreSQL (no position) may be older: PostgreSQL
    // answers.
    if (readYourWrites.cacheCovers) {
      const entry = await cached.readAt(key(settled), 0n);
      if (entry) return { json: entry.json, cache: entry.cache, readPosition: waited };
    } else {
      const entry = await fromEntry(settled);
      if (entry) return entry;
    }
    return { ...(await cached.read(key(settled), () => load(settled), { bypass: true })), readPosition: waited };
  };
}

import type { Request, Response } from 'express';
import type { CacheAside, CachedRead } from './cache-aside.js';
import {
  MIN_POSITION_HEADER,
  READ_POSITION_HEADER,
  STALE_HEADER,
  parseMinPosition,
  type ReadYourWrites,
} from './read-your-writes.js';

// Reads of one entity (a product, an order) through the cache. With X-Min-Position, the entity's cached entry answers
// as soon as it carries a position at or past the request's: the view then holds every event of its stream up to
// there, which is all a read after the projection's checkpoint passed the position could show of it. Only when it
// does not (the projection has not got there yet, or the entry came from a fill without a position) does the request
// wait for the checkpoint; the entry is then looked at once more before PostgreSQL is (see below for projections
// running in this process).

export interface EntityRead<T> {
  /** The projection whose checkpoint the request may wait for. */
  projection: string;
  /** Its live schema, resolved per request (and again after waiting: a rebuild's switch is followed). */
  schema: () => Promise<string>;
  key: (schema: string) => string;
  load: (schema: string) => Promise<T | undefined>;
}

export type ReadEntity = <T extends { revision: number }>(
  req: Request,
  res: Response,
  read: EntityRead<T>,
) => Promise<CachedRead>;

export function entityReads(cached: CacheAside, readYourWrites: ReadYourWrites): ReadEntity {
  return async (req, res, { projection, schema, key, load }) => {
    const minPosition = parseMinPosition(req.get(MIN_POSITION_HEADER));
    const live = await schema();
    if (minPosition === undefined) return cached.read(key(live), () => load(live));
    const fromEntry = async (at: string) => {
      const read = await cached.readAt(key(at), minPosition);
      if (!read) return undefined;
      // What the answer reflects is the entity's position, whatever the projection's checkpoint says.
      res.setHeader(READ_POSITION_HEADER, read.position.toString());
      res.removeHeader(STALE_HEADER);
      return read;
    };
    const early = await fromEntry(live);
    if (early) return early;
    const cacheKeepsUp = !(await readYourWrites.settleAt(res, projection, minPosition));
    const settled = await schema();
    // With projections in this process, which write an entry before they report the position of its change, any entry
    // they wrote (it carries a position) holds the entity as of the checkpoint waited for. One filled from PostgreSQL
    // (no position) may be older than that, after an eviction: then, as without them, PostgreSQL answers.
    const cachedRead = cacheKeepsUp ? await cached.readAt(key(settled), 0n) : await fromEntry(settled);
    return cachedRead ?? cached.read(key(settled), () => load(settled), { bypass: true });
  };
}

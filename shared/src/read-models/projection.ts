import type { CachedEntry } from '../cache/cache.js';
import type { RecordedDomainEvent } from '../domain/event-registry.js';
import { assertIdentifier, type SqlExecutor } from '../sql/sql.js';
import type { EntityCacheKey } from './cache-keys.js';
import type { ProjectionName } from './read-models.js';

// Each projection lives in its own versioned schema (catalog_v1, ...), so a rebuild can write v2 beside the live one.
// A prefix keeps tests apart: every test gets its own set of schemas. Here, not in schemas.ts, so that a model's
// module can be imported first without a cycle through the readModels list.
export const projectionSchema = (prefix: string, name: string, version: number): string =>
  assertIdentifier(`${prefix}${name}_v${version}`);

/** A cache entry to write once the transaction that produced it has committed. */
export interface CacheWrite {
  key: string;
  entry: CachedEntry;
}

/** A read-model table and its primary key columns: what a rebuild's verification compares row by row. */
export interface ProjectionTable {
  name: string;
  key: readonly string[];
  /** Column holding the position of the last event applied to the row, where the table has one. */
  position?: string;
}

// A projection is pure functions from (row, event) to row plus one SQL writer; this is the writer's face to the runner.
export interface Projection<Name extends string = ProjectionName, Kind extends string = string> {
  readonly name: Name;
  /** The key of each entity this projection caches (none for one that caches nothing). */
  readonly cacheKey?: EntityCacheKey<Kind>;
  /** The version a fresh deployment starts at. Rebuilds write later ones; the registry says which one is live. */
  readonly version: number;
  /** Only events of streams with this prefix are decoded and applied; the runner skips (but checkpoints) the rest. */
  readonly streamPrefix: string;
  /** The schema of a version of this projection (by default the first). */
  schema(prefix: string, version?: number): string;
  readonly tables: readonly ProjectionTable[];
  /** Creates the schema and tables when missing: safe to run any number of times. */
  migrate(sql: SqlExecutor, schema: string): Promise<void>;
  /** Applies a batch inside the caller's transaction and says what to cache after the commit. */
  apply(tx: SqlExecutor, schema: string, events: readonly RecordedDomainEvent[]): Promise<CacheWrite[]>;
  /**
   * The cache entries of the rows these events feed, as the rows are now: for events applied before and delivered
   * again, whose applier may have died between its commit and its cache writes.
   */
  cached(db: SqlExecutor, schema: string, events: readonly RecordedDomainEvent[]): Promise<CacheWrite[]>;
  /**
   * Removes the rows these events feed, and takes their share out of any totals, so that `apply` can fold those
   * streams again from their first event. Retrying a dead letter does that: the revision guards would skip a lone
   * old event once later events of its stream were applied.
   */
  forget(tx: SqlExecutor, schema: string, events: readonly RecordedDomainEvent[]): Promise<void>;
}

/**
 * Folds a batch into the rows it touches, in event order. Returns only the rows that changed: a pure function
 * returns the very row it was given when an event does not concern it (or was applied already).
 */
export function foldRows<R, E>(
  loaded: ReadonlyMap<string, R>,
  events: readonly E[],
  keyOf: (event: E) => string | undefined,
  project: (row: R | undefined, event: E) => R | undefined,
): Map<string, R> {
  const current = new Map(loaded);
  const changed = new Map<string, R>();
  for (const event of events) {
    const key = keyOf(event);
    if (key === undefined) continue;
    const before = current.get(key);
    const after = project(before, event);
    if (after === undefined || after === before) continue;
    current.set(key, after);
    changed.set(key, after);
  }
  return changed;
}

/** The distinct keys a batch touches, for the one query that loads them. */
export const keysOf = <E>(events: readonly E[], keyOf: (event: E) => string | undefined): string[] => [
  ...new Set(events.map(keyOf).filter((key): key is string => key !== undefined)),
];

/** Selects a timestamptz as the ISO text Date.toISOString() gives, the same on pg and PGlite. */
export const isoText = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A jsonb column's value: parsed by both drivers, but accepted as text too, in case an adapter leaves it raw. */
export const jsonColumn = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

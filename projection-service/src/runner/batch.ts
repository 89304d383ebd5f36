import {
  decodeEvent,
  type Applied,
  type GlobalPosition,
  type Logger,
  type RecordedDomainEvent,
  type RecordedEvent,
  type SourceBatch,
  type Sql,
  type SqlExecutor,
} from '@order-engine/shared';
import type { CacheWrite, Projection } from '../projections/projection.js';
import {
  advanceCheckpoints,
  lockCheckpoint,
  recordDeadLetters,
  saveCheckpoint,
  type DeadLetter,
} from './checkpoints.js';
import { isInfrastructureFailure } from './failures.js';

// A projector's apply: one round's rows, dead letters and the checkpoints of its sources (the global feed, or the
// Kafka partitions of one fetch) in one transaction. When it fails for a reason other than the infrastructure, each
// source's batch is applied on its own, split in halves until the failing events stand alone and are set aside: k
// poison events in a batch of n cost about k·log n transactions, not n, which matters for a rebuild's pages of
// thousands of events.

export interface BatchTarget {
  projection: Projection;
  sql: Sql;
  schema: string;
  admin: string;
  /** Dead-letter key and checkpoint name: the projection's schema name (a partition's row adds `#p<n>`). */
  key: string;
  logger: Logger;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

// Events a replay decoded while the previous page's transaction ran (decodeAhead), so the next transaction does
// not wait for it; weakly held, so a page's events go with the page.
type Decoded = { event: RecordedDomainEvent } | { error: string };
const decodedAhead = new WeakMap<RecordedEvent, Decoded>();

const decoded = (event: RecordedEvent): Decoded => {
  try {
    return { event: decodeEvent(event) };
  } catch (error) {
    return { error: message(error) };
  }
};

/** Decodes a page's events now, for the transaction that applies them later. */
export function decodeAhead(projection: Projection, batch: readonly RecordedEvent[]): void {
  // An event another replay decoded (a page they share) is decoded already.
  for (const event of batch)
    if (event.streamId.startsWith(projection.streamPrefix) && !decodedAhead.has(event))
      decodedAhead.set(event, decoded(event));
}

/** Decodes the events the projection reads; those that cannot be decoded become dead letters. */
function decodeRelevant(
  projection: Projection,
  batch: readonly RecordedEvent[],
): { events: RecordedDomainEvent[]; poison: DeadLetter[] } {
  const events: RecordedDomainEvent[] = [];
  const poison: DeadLetter[] = [];
  for (const event of batch) {
    if (!event.streamId.startsWith(projection.streamPrefix)) continue;
    const outcome = decodedAhead.get(event) ?? decoded(event);
    if ('error' in outcome) poison.push({ event, error: outcome.error });
    else events.push(outcome.event);
  }
  return { events, poison };
}

/**
 * The cache entries of the rows these events feed, as the rows are now (the writes are version-guarded): for events
 * applied before, whose cache writes may have died with the process that committed them.
 */
export async function cachedRows(
  db: SqlExecutor,
  target: BatchTarget,
  applied: readonly RecordedEvent[],
): Promise<CacheWrite[]> {
  const { events } = decodeRelevant(target.projection, applied);
  return events.length > 0 ? target.projection.cached(db, target.schema, events) : [];
}

/**
 * Applies events of some sources inside the caller's transaction, after locking the sources' checkpoint rows: events
 * at or below a source's checkpoint were applied already (a worker of the same source meanwhile, a Kafka group
 * starting over after a switch) and are skipped, so nothing is applied twice even before the rows' revision guards
 * are asked; the projector caches their rows again. Different sources hold different streams, so their events go to
 * the projection together.
 */
export async function applyInTransaction(
  tx: SqlExecutor,
  target: BatchTarget,
  batches: readonly SourceBatch[],
): Promise<Applied<CacheWrite>> {
  const { projection, schema, admin, key, logger } = target;
  const applied = await advanceCheckpoints(
    tx,
    admin,
    batches.map(({ source, through }) => ({ key: source, through })),
  );
  const fresh: RecordedEvent[] = [];
  const appliedBefore: RecordedEvent[] = [];
  for (const { source, events } of batches)
    for (const event of events) (event.position > (applied.get(source) ?? 0n) ? fresh : appliedBefore).push(event);
  const { events, poison } = decodeRelevant(projection, fresh);
  const writes = events.length > 0 ? await projection.apply(tx, schema, events) : [];
  await recordDeadLetters(tx, admin, key, poison);
  for (const { event, error } of poison)
    logger.error('event cannot be decoded; dead-lettered', {
      eventId: event.eventId,
      position: event.position,
      type: event.type,
      error,
    });
  return { writes, appliedBefore, deadLettered: poison.length };
}

const merged = (parts: readonly Applied<CacheWrite>[]): Applied<CacheWrite> => ({
  writes: parts.flatMap(({ writes }) => writes),
  appliedBefore: parts.flatMap(({ appliedBefore }) => appliedBefore),
  deadLettered: parts.reduce((sum, { deadLettered }) => sum + deadLettered, 0),
});

/** Applies the sources' events in one transaction, setting poison events aside (see the top of this file). */
export function batchApplier(target: BatchTarget): (sources: readonly SourceBatch[]) => Promise<Applied<CacheWrite>> {
  const { sql, admin, key, logger } = target;

  const setAside = async (
    source: string,
    event: RecordedEvent,
    through: GlobalPosition,
    error: unknown,
  ): Promise<Applied<CacheWrite>> => {
    logger.error('event cannot be applied; dead-lettered', {
      eventId: event.eventId,
      position: event.position,
      type: event.type,
      error: message(error),
    });
    await sql.transaction(async (tx) => {
      await lockCheckpoint(tx, admin, source);
      await recordDeadLetters(tx, admin, key, [{ event, error: message(error) }]);
      await saveCheckpoint(tx, admin, source, through);
    });
    return { writes: [], appliedBefore: [], deadLettered: 1 };
  };

  // The source's checkpoint row is locked first: two workers of one source (a restart overlapping the old process,
  // a rebalance) apply one after the other. Different partitions hold different streams and run side by side.
  const applySplitting = async (
    source: string,
    events: readonly RecordedEvent[],
    through: GlobalPosition,
  ): Promise<Applied<CacheWrite>> => {
    try {
      return await sql.transaction((tx) => applyInTransaction(tx, target, [{ source, events, through }]));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      const [only] = events;
      if (events.length === 1 && only) return setAside(source, only, through, error);
      if (events.length === 0) throw error;
      const half = Math.ceil(events.length / 2);
      const first = events.slice(0, half);
      const second = events.slice(half);
      logger.debug('batch failed; splitting it to set the failing events aside', {
        size: events.length,
        error: message(error),
      });
      const applied = await applySplitting(source, first, first.at(-1)!.position);
      // The second half carries the batch's `through`: a watermark may put it past the last event.
      return merged([applied, await applySplitting(source, second, through)]);
    }
  };

  return async (batches) => {
    const [only] = batches;
    if (batches.length === 1 && only) return applySplitting(only.source, only.events, only.through);
    try {
      return await sql.transaction((tx) => applyInTransaction(tx, target, batches));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      logger.debug('round failed; applying its sources one by one', { sources: batches.length, error: message(error) });
      const parts: Applied<CacheWrite>[] = [];
      for (const batch of batches) parts.push(await applySplitting(batch.source, batch.events, batch.through));
      return merged(parts);
    }
  };
}

import {
  checkpointKey,
  decodeEvent,
  type FeedBatch,
  type GlobalPosition,
  type Logger,
  type RecordedDomainEvent,
  type RecordedEvent,
  type Sql,
  type SqlExecutor,
} from '@order-engine/shared';
import type { CacheWrite, Projection } from '../projections/projection.js';
import { advanceCheckpoint, lockCheckpoint, recordDeadLetters, saveCheckpoint, type DeadLetter } from './checkpoints.js';
import { isInfrastructureFailure } from './failures.js';

// Applies one batch of a feed: rows, dead letters and the checkpoint of the batch's source (the global feed, or one
// Kafka partition) in one transaction. When the batch fails for a reason other than the infrastructure, it is split in
// halves until the failing events stand alone and are set aside: k poison events in a batch of n cost about k·log n
// transactions, not n, which matters for a rebuild's pages of thousands of events.

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

/** Decodes the events the projection reads; those that cannot be decoded become dead letters. */
function decodeRelevant(projection: Projection, batch: readonly RecordedEvent[]): { events: RecordedDomainEvent[]; poison: DeadLetter[] } {
  const events: RecordedDomainEvent[] = [];
  const poison: DeadLetter[] = [];
  for (const event of batch) {
    if (!event.streamId.startsWith(projection.streamPrefix)) continue;
    try {
      events.push(decodeEvent(event));
    } catch (error) {
      poison.push({ event, error: message(error) });
    }
  }
  return { events, poison };
}

/**
 * Applies events of one source inside the caller's transaction, after locking the source's checkpoint row: events at
 * or below that checkpoint were applied already (a redelivery, a Kafka group starting over after a switch) and are
 * skipped, so nothing is applied twice even before the rows' revision guards are asked.
 */
export async function applyInTransaction(tx: SqlExecutor, target: BatchTarget, source: string, batch: readonly RecordedEvent[], through: GlobalPosition): Promise<CacheWrite[]> {
  const { projection, schema, admin, key, logger } = target;
  const applied = await advanceCheckpoint(tx, admin, source, through);
  const { events, poison } = decodeRelevant(projection, batch.filter((event) => event.position > applied));
  const writes = events.length > 0 ? await projection.apply(tx, schema, events) : [];
  await recordDeadLetters(tx, admin, key, poison);
  for (const { event, error } of poison) logger.error('event cannot be decoded; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error });
  return writes;
}

export function batchApplier(target: BatchTarget): (batch: FeedBatch) => Promise<CacheWrite[]> {
  const { sql, admin, key, logger } = target;

  const setAside = async (source: string, event: RecordedEvent, through: GlobalPosition, error: unknown): Promise<CacheWrite[]> => {
    logger.error('event cannot be applied; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error: message(error) });
    await sql.transaction(async (tx) => {
      await lockCheckpoint(tx, admin, source);
      await recordDeadLetters(tx, admin, key, [{ event, error: message(error) }]);
      await saveCheckpoint(tx, admin, source, through);
    });
    return [];
  };

  // The source's checkpoint row is locked first: two workers of one source (a restart overlapping the old process,
  // a rebalance) apply one after the other. Different partitions hold different streams and run side by side.
  const applySplitting = async (source: string, events: readonly RecordedEvent[], through: GlobalPosition): Promise<CacheWrite[]> => {
    try {
      return await sql.transaction((tx) => applyInTransaction(tx, target, source, events, through));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      const [only] = events;
      if (events.length === 1 && only) return setAside(source, only, through, error);
      if (events.length === 0) throw error;
      const half = Math.ceil(events.length / 2);
      const first = events.slice(0, half);
      const second = events.slice(half);
      logger.debug('batch failed; splitting it to set the failing events aside', { size: events.length, error: message(error) });
      const writes = await applySplitting(source, first, first.at(-1)!.position);
      // The second half carries the batch's `through`: a watermark may put it past the last event.
      return [...writes, ...(await applySplitting(source, second, through))];
    }
  };

  return ({ events, partition, through }) => applySplitting(checkpointKey(key, partition), events, through);
}

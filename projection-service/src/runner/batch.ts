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
import { lockCheckpoint, recordDeadLetters, saveCheckpoint, type DeadLetter } from './checkpoints.js';
import { isInfrastructureFailure } from './failures.js';

// Applies one batch of a feed: rows, dead letters and the checkpoint of the batch's source (the global feed, or one
// Kafka partition) in one transaction. When the batch fails for a reason other than the infrastructure, its events
// are applied one by one so only the poison one is set aside.

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

export function batchApplier(target: BatchTarget): (batch: FeedBatch) => Promise<CacheWrite[]> {
  const { projection, sql, schema, admin, key, logger } = target;

  // The source's checkpoint row is locked first: two workers of one source (a restart overlapping the old process,
  // a rebalance) apply one after the other. Different partitions hold different streams and run side by side.
  const applyIn = async (tx: SqlExecutor, source: string, batch: readonly RecordedEvent[], through: GlobalPosition): Promise<CacheWrite[]> => {
    await lockCheckpoint(tx, admin, source);
    const { events, poison } = decodeRelevant(projection, batch);
    const writes = events.length > 0 ? await projection.apply(tx, schema, events) : [];
    await recordDeadLetters(tx, admin, key, poison);
    for (const { event, error } of poison) logger.error('event cannot be decoded; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error });
    await saveCheckpoint(tx, admin, source, through);
    return writes;
  };

  const applyAlone = async (source: string, event: RecordedEvent): Promise<CacheWrite[]> => {
    try {
      return await sql.transaction((tx) => applyIn(tx, source, [event], event.position));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      logger.error('event cannot be applied; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error: message(error) });
      await sql.transaction(async (tx) => {
        await lockCheckpoint(tx, admin, source);
        await recordDeadLetters(tx, admin, key, [{ event, error: message(error) }]);
        await saveCheckpoint(tx, admin, source, event.position);
      });
      return [];
    }
  };

  return async ({ events, partition, through }) => {
    const source = checkpointKey(key, partition);
    try {
      return await sql.transaction((tx) => applyIn(tx, source, events, through));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      logger.warn('batch failed; applying its events one by one to set the failing one aside', { size: events.length, error: message(error) });
      const writes: CacheWrite[] = [];
      for (const event of events) writes.push(...(await applyAlone(source, event)));
      // A watermark in the batch may carry `through` past its last event.
      await sql.transaction((tx) => applyIn(tx, source, [], through));
      return writes;
    }
  };
}

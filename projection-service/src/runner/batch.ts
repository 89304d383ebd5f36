import { decodeEvent, type GlobalPosition, type Logger, type RecordedDomainEvent, type RecordedEvent, type Sql, type SqlExecutor } from '@order-engine/shared';
import type { CacheWrite, Projection } from '../projections/projection.js';
import { lockCheckpoint, recordDeadLetters, saveCheckpoint, type DeadLetter } from './checkpoints.js';
import { isInfrastructureFailure } from './failures.js';

// Applies one batch of `$all`: rows, dead letters and checkpoint in one transaction. When the batch fails for a
// reason other than the infrastructure, its events are applied one by one so only the poison one is set aside.

export interface BatchTarget {
  projection: Projection;
  sql: Sql;
  schema: string;
  admin: string;
  /** Checkpoint and dead-letter key: the projection's schema name. */
  key: string;
  logger: Logger;
}

export const lastPosition = (batch: readonly RecordedEvent[]): GlobalPosition =>
  batch.reduce((max, event) => (event.position > max ? event.position : max), 0n);

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

export function batchApplier(target: BatchTarget): (batch: readonly RecordedEvent[]) => Promise<CacheWrite[]> {
  const { projection, sql, schema, admin, key, logger } = target;

  const applyIn = async (tx: SqlExecutor, batch: readonly RecordedEvent[]): Promise<CacheWrite[]> => {
    await lockCheckpoint(tx, admin, key);
    const { events, poison } = decodeRelevant(projection, batch);
    const writes = events.length > 0 ? await projection.apply(tx, schema, events) : [];
    await recordDeadLetters(tx, admin, key, poison);
    for (const { event, error } of poison) logger.error('event cannot be decoded; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error });
    await saveCheckpoint(tx, admin, key, lastPosition(batch));
    return writes;
  };

  const applyAlone = async (event: RecordedEvent): Promise<CacheWrite[]> => {
    try {
      return await sql.transaction((tx) => applyIn(tx, [event]));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      logger.error('event cannot be applied; dead-lettered', { eventId: event.eventId, position: event.position, type: event.type, error: message(error) });
      await sql.transaction(async (tx) => {
        await lockCheckpoint(tx, admin, key);
        await recordDeadLetters(tx, admin, key, [{ event, error: message(error) }]);
        await saveCheckpoint(tx, admin, key, event.position);
      });
      return [];
    }
  };

  return async (batch) => {
    try {
      return await sql.transaction((tx) => applyIn(tx, batch));
    } catch (error) {
      if (await isInfrastructureFailure(sql, error)) throw error;
      logger.warn('batch failed; applying its events one by one to set the failing one aside', { size: batch.length, error: message(error) });
      const writes: CacheWrite[] = [];
      for (const event of batch) writes.push(...(await applyAlone(event)));
      return writes;
    }
  };
}

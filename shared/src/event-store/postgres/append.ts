import { randomUUID } from 'node:crypto';
import type { SqlExecutor } from '../../sql/sql.js';
import type { AppendResult, ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.js';
import { toEventStoreError } from './errors.js';

// One round trip: append_events (schema.ts) checks the expected revision, assigns positions under the append lock
// and inserts. The statement runs on its own (autocommit), which the global-order guard requires.

export async function appendEvents(
  sql: SqlExecutor,
  schema: string,
  streamId: string,
  events: readonly NewEvent[],
  expectedRevision: ExpectedRevision = 'any',
): Promise<AppendResult> {
  if (events.length === 0) throw new RangeError(`append to ${streamId}: no events (an empty append is refused in every adapter)`);
  const toWrite = events.map((event) => ({
    eventId: (event.eventId ?? randomUUID()).toLowerCase(),
    type: event.type,
    version: event.version,
    data: event.data ?? null,
    metadata: event.metadata ?? {},
  }));
  const [kind, revision] = typeof expectedRevision === 'number' ? ['exact', expectedRevision] : [expectedRevision, null];

  const rows = await sql
    .query<{ event_position: string; event_revision: number; event_recorded_at: Date }>(
      `select * from ${schema}.append_events($1, $2, $3, $4::jsonb)`,
      [streamId, kind, revision, JSON.stringify(toWrite)],
    )
    .catch((error: unknown) => {
      throw toEventStoreError(error, streamId, expectedRevision);
    });

  const recorded = rows.map((row, i): RecordedEvent => {
    const event = toWrite[i]!;
    return {
      eventId: event.eventId,
      type: event.type,
      version: event.version,
      streamId,
      revision: row.event_revision,
      position: BigInt(row.event_position),
      recordedAt: row.event_recorded_at,
      // Read back the way jsonb stores it, so the result equals what a later read returns.
      data: JSON.parse(JSON.stringify(event.data)) as unknown,
      metadata: JSON.parse(JSON.stringify(event.metadata)) as RecordedEvent['metadata'],
    };
  });
  const last = recorded[recorded.length - 1]!;
  return { nextExpectedRevision: last.revision, position: last.position, events: recorded };
}

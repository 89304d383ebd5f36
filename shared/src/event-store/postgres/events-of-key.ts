import type { SqlExecutor } from '../../sql/sql.js';
import type { RecordedEvent } from '../event-store.js';
import { eventColumns, toRecordedEvent, type EventRow } from './event-row.js';

// Like a stream read, no visibility guard: only committed events are found, and a key's events are one append's.
export async function eventsOfIdempotencyKey(
  sql: SqlExecutor,
  schema: string,
  key: string,
  since: Date,
): Promise<RecordedEvent[]> {
  const rows = await sql.query<EventRow>(
    `select ${eventColumns} from ${schema}.events
     where metadata ? 'idempotencyKey' and metadata->>'idempotencyKey' = $1 and recorded_at >= $2
     order by position`,
    [key, since.toISOString()],
  );
  return rows.map(toRecordedEvent);
}

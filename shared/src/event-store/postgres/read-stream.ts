import type { SqlExecutor } from '../../sql/sql.js';
import type { ReadStreamOptions, RecordedEvent } from '../event-store.js';
import { eventColumns, toRecordedEvent, type EventRow } from './event-row.js';

// No visibility guard here: the unique (stream_id, revision) key makes a writer wait for the writer of the previous
// revision, so a stream's revisions commit in order and a committed event is safe to return (read-your-writes).

export async function readStream(sql: SqlExecutor, schema: string, streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
  const rows = await sql.query<EventRow>(
    `select ${eventColumns} from ${schema}.events
     where stream_id = $1 and revision >= $2
     order by revision
     limit $3`,
    [streamId, options.fromRevision ?? 0, options.limit ?? null],
  );
  return rows.map(toRecordedEvent);
}

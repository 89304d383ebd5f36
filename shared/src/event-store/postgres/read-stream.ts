import type { SqlExecutor } from '../../sql/sql.js';
import type { ReadStreamOptions, RecordedEvent } from '../event-store.js';
import { eventColumns, toRecordedEvent, type EventRow } from './event-row.js';

// No visibility guard here: the unique (stream_id, revision) key makes a writer wait for the writer of the previous
// revision, so a stream's revisions commit in order and a committed event is safe to return (read-your-writes).

export async function readStream(
  sql: SqlExecutor,
  schema: string,
  streamId: string,
  options: ReadStreamOptions = {},
): Promise<RecordedEvent[]> {
  const rows = await sql.query<EventRow>(
    `select ${eventColumns} from ${schema}.events
     where stream_id = $1 and revision >= $2
     order by revision
     limit $3`,
    [streamId, options.fromRevision ?? 0, options.limit ?? null],
    { prepare: true },
  );
  return rows.map(toRecordedEvent);
}

/** One stream read of several sent together (readStreams). */
export interface StreamRead extends ReadStreamOptions {
  streamId: string;
}

/**
 * Several stream reads in one statement, one answer per read in order, each as readStream would give it. The statement
 * starts after every one of them was asked for, so each still sees every append that finished before it was asked.
 */
export async function readStreams(
  sql: SqlExecutor,
  schema: string,
  reads: readonly StreamRead[],
): Promise<RecordedEvent[][]> {
  const [only] = reads;
  if (reads.length === 1 && only) return [await readStream(sql, schema, only.streamId, only)];
  const rows = await sql.query<EventRow & { read: number }>(
    `select r.read, e.* from jsonb_to_recordset($1::jsonb) as r(read int, stream_id text, from_revision int,
      max_events bigint)
     cross join lateral (
       select ${eventColumns} from ${schema}.events
       where stream_id = r.stream_id and revision >= r.from_revision
       order by revision
       limit r.max_events
     ) e
     order by r.read, e.revision`,
    [
      JSON.stringify(
        reads.map(({ streamId, fromRevision, limit }, read) => ({
          read,
          stream_id: streamId,
          from_revision: fromRevision ?? 0,
          max_events: limit ?? null,
        })),
      ),
    ],
    { prepare: true },
  );
  const answers = reads.map((): RecordedEvent[] => []);
  for (const row of rows) answers[row.read]!.push(toRecordedEvent(row));
  return answers;
}

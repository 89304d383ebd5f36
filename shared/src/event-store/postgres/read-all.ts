import type { SqlExecutor } from '../../sql/sql.js';
import type { ReadAllOptions, RecordedEvent } from '../event-store.js';
import { eventColumns, toRecordedEvent, type EventRow } from './event-row.js';

/**
 * Only events of transactions older than the oldest one still running: schema.ts explains why that set is a gap-free
 * prefix of $all, so a reader that continues from the last position it saw never skips an event that commits late.
 */
export const settled = 'tx_id < pg_snapshot_xmin(pg_current_snapshot())';

export async function readAll(
  sql: SqlExecutor,
  schema: string,
  options: ReadAllOptions = {},
): Promise<RecordedEvent[]> {
  const params: unknown[] = [(options.after ?? 0n).toString()];
  const where = [`position > $1::bigint`, settled];
  // No `position <= to` in SQL: a range bounded on both sides is estimated at a fixed 0.5% of the table when the
  // statistics are missing or stale (a bulk import, a store younger than autovacuum's next pass), and the planner
  // then reads the whole range and sorts it for every page, instead of walking the primary key and stopping after
  // `limit` rows. Rows come in position order, so dropping those past `to` here leaves exactly the ones up to it.
  const to = options.to;
  if (options.filter?.types) {
    params.push([...options.filter.types]);
    where.push(`type = any($${params.length}::text[])`);
  }
  // Filtered in the server, on the scan in position order (no index on recorded_at: its order is not position
  // order, and every append would pay for it). A bound at whole milliseconds gives the same answer as comparing the
  // millisecond recordedAt a reader gets back, since both drivers truncate the stored microseconds.
  if (options.recordedFrom !== undefined) {
    params.push(options.recordedFrom.toISOString());
    where.push(`recorded_at >= $${params.length}::timestamptz`);
  }
  if (options.recordedBefore !== undefined) {
    params.push(options.recordedBefore.toISOString());
    where.push(`recorded_at < $${params.length}::timestamptz`);
  }
  if (options.filter?.streamPrefix !== undefined) {
    params.push(`${escapeLike(options.filter.streamPrefix)}%`);
    where.push(`stream_id like $${params.length} escape '\\'`);
  }
  params.push(options.limit ?? null);
  const rows = await sql.query<EventRow>(
    `select ${eventColumns} from ${schema}.events
     where ${where.join(' and ')}
     order by position
     limit $${params.length}::bigint`,
    params,
    { prepare: true },
  );
  const events = rows.map(toRecordedEvent);
  return to === undefined ? events : events.filter((event) => event.position <= to);
}

/** A prefix is literal text: `_` and `%` in stream ids must not act as wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

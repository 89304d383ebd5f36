import type { SqlExecutor } from '../../sql/sql.js';
import type { ReadAllOptions, RecordedEvent } from '../event-store.js';
import { eventColumns, toRecordedEvent, type EventRow } from './event-row.js';

/**
 * Only events of transactions older than the oldest one still running: schema.ts explains why that set is a gap-free
 * prefix of $all, so a reader that continues from the last position it saw never skips an event that commits late.
 */
export const settled = 'tx_id < pg_snapshot_xmin(pg_current_snapshot())';

export async function readAll(sql: SqlExecutor, schema: string, options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
  const params: unknown[] = [(options.after ?? 0n).toString()];
  const where = [`position > $1::bigint`, settled];
  if (options.to !== undefined) {
    params.push(options.to.toString());
    where.push(`position <= $${params.length}::bigint`);
  }
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
  );
  return rows.map(toRecordedEvent);
}

/** A prefix is literal text: `_` and `%` in stream ids must not act as wildcards. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

import { encodeEvent, migrateEventStore, type GlobalPosition, type Sql } from '@order-engine/shared';
import { eventsOf } from './generated-history.js';
import type { HistoryStep } from './sample-history.js';

// Loads a history straight into an empty PostgreSQL event store's table, thousands of rows per statement: a
// benchmark's or a test's set-up in seconds instead of one append per stream. Revisions follow each stream and
// positions come from the table's sequence in the order given; each chunk commits on its own, so readers of $all see
// a gap-free prefix throughout. `recorded_at` steps through time, so sales fall on many days.

export interface BulkLoadOptions {
  start?: Date;
  /** Time between two events. */
  stepMs?: number;
  rowsPerStatement?: number;
  onProgress?: (loaded: number) => void;
}

const insertRows = (schema: string) => `
  insert into ${schema}.events (event_id, stream_id, revision, type, version, data, recorded_at)
  select gen_random_uuid(), s, r, t, v, d, ts
  from unnest($1::text[], $2::int[], $3::text[], $4::int[], $5::jsonb[], $6::timestamptz[]) with ordinality as u(s,
    r, t, v, d, ts, n)
  order by n`;

export async function bulkLoad(
  sql: Sql,
  schema: string,
  steps: Iterable<HistoryStep>,
  options: BulkLoadOptions = {},
): Promise<{ events: number; head: GlobalPosition }> {
  const { start = new Date('2026-01-01T00:00:00.000Z'), stepMs = 1_000, rowsPerStatement = 5_000 } = options;
  await migrateEventStore(sql, schema);
  const [existing] = await sql.query<{ n: string }>(`select count(*)::text as n from ${schema}.events`);
  if (existing?.n !== '0')
    throw new Error(`bulkLoad needs an empty event store; ${schema} holds ${existing?.n} events`);
  const revisions = new Map<string, number>();
  let rows: {
    streams: string[];
    revisions: number[];
    types: string[];
    versions: number[];
    data: string[];
    times: string[];
  } = fresh();
  let loaded = 0;
  const flush = async () => {
    if (rows.streams.length === 0) return;
    await sql.query(insertRows(schema), [
      rows.streams,
      rows.revisions,
      rows.types,
      rows.versions,
      rows.data,
      rows.times,
    ]);
    loaded += rows.streams.length;
    options.onProgress?.(loaded);
    rows = fresh();
  };
  let n = 0;
  for (const { streamId, event } of eventsOf(steps)) {
    const encoded = encodeEvent(event);
    const revision = (revisions.get(streamId) ?? -1) + 1;
    revisions.set(streamId, revision);
    rows.streams.push(streamId);
    rows.revisions.push(revision);
    rows.types.push(encoded.type);
    rows.versions.push(encoded.version);
    rows.data.push(JSON.stringify(encoded.data));
    rows.times.push(new Date(start.getTime() + n++ * stepMs).toISOString());
    if (rows.streams.length >= rowsPerStatement) await flush();
  }
  await flush();
  const [head] = await sql.query<{ head: string }>(
    `select coalesce(max(position), 0)::text as head from ${schema}.events`,
  );
  return { events: loaded, head: BigInt(head?.head ?? '0') };
}

function fresh() {
  return {
    streams: [] as string[],
    revisions: [] as number[],
    types: [] as string[],
    versions: [] as number[],
    data: [] as string[],
    times: [] as string[],
  };
}

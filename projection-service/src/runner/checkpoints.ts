import type { GlobalPosition, ProjectorCheckpointRow, RecordedEvent, SqlExecutor } from '@order-engine/shared';

// The admin tables: checkpoint rows (one per projection and source: `catalog_v1` for the global feed,
// `catalog_v1#p3` for Kafka partition 3, see shared's read-models/checkpoints.ts) and the events a projection could
// not decode or apply. Both are written in the transaction that applies the batch.

export interface DeadLetter {
  event: RecordedEvent;
  error: string;
}

/** Where one source of the projection stands; 0n before its first batch. */
export async function readCheckpoint(sql: SqlExecutor, admin: string, key: string): Promise<GlobalPosition> {
  const rows = await sql.query<{ position: string }>(
    `select position::text as position from ${admin}.checkpoints where projection = $1`,
    [key],
  );
  return rows[0] ? BigInt(rows[0].position) : 0n;
}

/**
 * Locks a source's checkpoint row for the rest of the transaction. Two workers of one source (a restart overlapping
 * the old process, a rebalance) then apply batches one after the other: the sales deltas are only counted once if no
 * other transaction reads the same sales_orders rows meanwhile. Workers of different partitions never touch the same
 * order or product (a stream lives in one partition), so they need not wait for each other.
 */
export async function lockCheckpoint(tx: SqlExecutor, admin: string, key: string): Promise<GlobalPosition> {
  await tx.query(
    `insert into ${admin}.checkpoints (projection, position) values ($1, 0) on conflict (projection) do nothing`,
    [key],
  );
  const [row] = await tx.query<{ position: string }>(
    `select position::text as position from ${admin}.checkpoints where projection = $1 for update`,
    [key],
  );
  return BigInt(row?.position ?? '0');
}

/**
 * The checkpoint rows of a projection version's sources (global, or `#p<n>` per Kafka partition), each with the
 * position after which its rows may lack their cache writes (the `previous` column).
 */
export async function readSourceRows(
  sql: SqlExecutor,
  admin: string,
  key: string,
): Promise<Map<string, ProjectorCheckpointRow>> {
  const rows = await sql.query<{ key: string; position: string; previous: string }>(
    `select projection as key, position::text as position, coalesce(least(previous, position),
      position)::text as previous
     from ${admin}.checkpoints where split_part(projection, '#', 1) = $1`,
    [key],
    { prepare: true },
  );
  return new Map(rows.map((row) => [row.key, { position: BigInt(row.position), uncachedAfter: BigInt(row.previous) }]));
}

/** A source's checkpoint row, and the position a transaction is about to apply its events up to. */
export interface CheckpointTarget {
  key: string;
  through: GlobalPosition;
}

/**
 * lockCheckpoint and saveCheckpoint for several sources in one round trip, for a transaction that will apply their
 * events up to `through`: locks the sources' rows (in key order, so two workers taking the same rows cannot deadlock),
 * moves each forward to its `through` and answers where each stood before. The transaction then applies only the
 * events after that; if it fails, the moves roll back with everything else.
 */
export async function advanceCheckpoints(
  tx: SqlExecutor,
  admin: string,
  targets: readonly CheckpointTarget[],
): Promise<Map<string, GlobalPosition>> {
  const advance = async (wanted: readonly CheckpointTarget[]) =>
    tx.query<{ key: string; position: string }>(
      `update ${admin}.checkpoints c set position = greatest(c.position, w.position), updated_at = now(),
         previous = case when w.position > c.position then c.position else c.previous end
       from jsonb_to_recordset($1::jsonb) as w(projection text, position bigint),
            (select projection, position from ${admin}.checkpoints
             where projection in (select r.projection from jsonb_to_recordset($1::jsonb) as r(projection text))
             order by projection for update) before
       where c.projection = w.projection and before.projection = w.projection
       returning c.projection as key, before.position::text as position`,
      [JSON.stringify(wanted.map(({ key, through }) => ({ projection: key, position: through.toString() })))],
      { prepare: true },
    );
  const before = new Map((await advance(targets)).map((row) => [row.key, BigInt(row.position)]));
  const missing = targets.filter(({ key }) => !before.has(key));
  if (missing.length > 0) {
    // The sources' first batches: create their rows, then take them as above (the others have moved already).
    await tx.query(
      `insert into ${admin}.checkpoints (projection, position)
       select projection, 0 from jsonb_array_elements_text($1::jsonb) as projection order by projection
       on conflict (projection) do nothing`,
      [JSON.stringify(missing.map(({ key }) => key))],
    );
    for (const row of await advance(missing)) before.set(row.key, BigInt(row.position));
  }
  return before;
}

/** Moves the checkpoint forward only: a redelivered older batch must not move it back. */
export async function saveCheckpoint(
  tx: SqlExecutor,
  admin: string,
  key: string,
  position: GlobalPosition,
): Promise<void> {
  await tx.query(
    `update ${admin}.checkpoints set position = greatest(position, $2::bigint), updated_at = now() where projection ` +
      `= $1`,
    [key, position.toString()],
  );
}

const MAX_ERROR_LENGTH = 2_000;

/** Records events that cannot be projected; a redelivered one is recorded once. */
export async function recordDeadLetters(
  tx: SqlExecutor,
  admin: string,
  key: string,
  letters: readonly DeadLetter[],
): Promise<void> {
  if (letters.length === 0) return;
  const records = letters.map(({ event, error }) => ({
    projection: key,
    event_id: event.eventId,
    position: event.position.toString(),
    event_type: event.type,
    error: error.slice(0, MAX_ERROR_LENGTH),
  }));
  await tx.query(
    `insert into ${admin}.dead_letters (projection, event_id, position, event_type, error)
     select * from jsonb_to_recordset($1::jsonb) as r(projection text, event_id uuid, position bigint,
       event_type text, error text)
     on conflict (projection, event_id) do nothing`,
    [JSON.stringify(records)],
  );
}

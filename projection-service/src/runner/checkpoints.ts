import type { GlobalPosition, RecordedEvent, SqlExecutor } from '@order-engine/shared';

// The admin tables: checkpoint rows (one per projection and source: `catalog_v1` for the global feed,
// `catalog_v1#p3` for Kafka partition 3, see shared's read-models/checkpoints.ts) and the events a projection could
// not decode or apply. Both are written in the transaction that applies the batch.

export interface DeadLetter {
  event: RecordedEvent;
  error: string;
}

/** Where one source of the projection stands; 0n before its first batch. */
export async function readCheckpoint(sql: SqlExecutor, admin: string, key: string): Promise<GlobalPosition> {
  const rows = await sql.query<{ position: string }>(`select position::text as position from ${admin}.checkpoints where projection = $1`, [key]);
  return rows[0] ? BigInt(rows[0].position) : 0n;
}

/**
 * Locks a source's checkpoint row for the rest of the transaction. Two workers of one source (a restart overlapping
 * the old process, a rebalance) then apply batches one after the other: the sales deltas are only counted once if no
 * other transaction reads the same sales_orders rows meanwhile. Workers of different partitions never touch the same
 * order or product (a stream lives in one partition), so they need not wait for each other.
 */
export async function lockCheckpoint(tx: SqlExecutor, admin: string, key: string): Promise<GlobalPosition> {
  await tx.query(`insert into ${admin}.checkpoints (projection, position) values ($1, 0) on conflict (projection) do nothing`, [key]);
  const [row] = await tx.query<{ position: string }>(`select position::text as position from ${admin}.checkpoints where projection = $1 for update`, [key]);
  return BigInt(row?.position ?? '0');
}

/**
 * lockCheckpoint and saveCheckpoint in one round trip, for a transaction that will apply events up to `through`:
 * locks the source's row, moves it forward to `through` and answers where it stood before. The transaction then
 * applies only the events after that; if it fails, the move rolls back with everything else.
 */
export async function advanceCheckpoint(tx: SqlExecutor, admin: string, key: string, through: GlobalPosition): Promise<GlobalPosition> {
  const advance = () =>
    tx.query<{ position: string }>(
      `update ${admin}.checkpoints c set position = greatest(c.position, $2::bigint), updated_at = now()
       from (select position from ${admin}.checkpoints where projection = $1 for update) before
       where c.projection = $1
       returning before.position::text as position`,
      [key, through.toString()],
    );
  let [row] = await advance();
  if (!row) {
    // The source's first batch: create its row, then take it as above.
    await tx.query(`insert into ${admin}.checkpoints (projection, position) values ($1, 0) on conflict (projection) do nothing`, [key]);
    [row] = await advance();
  }
  return BigInt(row?.position ?? '0');
}

/** Moves the checkpoint forward only: a redelivered older batch must not move it back. */
export async function saveCheckpoint(tx: SqlExecutor, admin: string, key: string, position: GlobalPosition): Promise<void> {
  await tx.query(
    `update ${admin}.checkpoints set position = greatest(position, $2::bigint), updated_at = now() where projection = $1`,
    [key, position.toString()],
  );
}

const MAX_ERROR_LENGTH = 2_000;

/** Records events that cannot be projected; a redelivered one is recorded once. */
export async function recordDeadLetters(tx: SqlExecutor, admin: string, key: string, letters: readonly DeadLetter[]): Promise<void> {
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
     select * from jsonb_to_recordset($1::jsonb) as r(projection text, event_id uuid, position bigint, event_type text, error text)
     on conflict (projection, event_id) do nothing`,
    [JSON.stringify(records)],
  );
}

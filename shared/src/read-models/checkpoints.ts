import type { GlobalPosition } from '../event-store/event-store.js';
import type { SqlExecutor } from '../sql/sql.js';

// A consumer (projection, saga) keeps one checkpoint row per source it reads: `<name>` for the event store's global
// feed, `<name>#p<partition>` for each Kafka partition. Each row says "every event of this source up to here is
// applied"; what the consumer has applied as a whole is derived from them by effectiveCheckpoint.

export const checkpointKey = (name: string, partition?: number): string =>
  partition === undefined ? name : `${name}#p${partition}`;

const partitionOf = (name: string, key: string): number | undefined => {
  const match = key.startsWith(`${name}#p`) ? /^\d+$/.exec(key.slice(name.length + 2)) : null;
  return match ? Number(match[0]) : undefined;
};

/**
 * The position up to which `name` has applied every event: on the global feed (`partitions` undefined) its global
 * row; on Kafka the lowest of its partition rows, a missing partition counting as 0 (it applied nothing yet).
 * `partitions` is the topic's partition count (KAFKA_PARTITIONS); rows of partitions beyond it still count, so a
 * configured count lower than the topic's own can make the answer low but never too high.
 */
export function effectiveCheckpoint(
  name: string,
  rows: ReadonlyMap<string, GlobalPosition>,
  partitions?: number,
): GlobalPosition {
  if (partitions === undefined) return rows.get(name) ?? 0n;
  let lowest: GlobalPosition | undefined;
  const consider = (position: GlobalPosition) => {
    if (lowest === undefined || position < lowest) lowest = position;
  };
  for (let partition = 0; partition < partitions; partition++) consider(rows.get(checkpointKey(name, partition)) ?? 0n);
  for (const [key, position] of rows) if (partitionOf(name, key) !== undefined) consider(position);
  return lowest ?? 0n;
}

/** Every checkpoint row of these names, global and per partition, from a table keyed by `keyColumn`. */
export async function readCheckpointRows(
  sql: SqlExecutor,
  table: string,
  names: readonly string[],
  keyColumn = 'projection',
): Promise<Map<string, GlobalPosition>> {
  const rows = await sql.query<{ key: string; position: string }>(
    `select ${keyColumn} as key, position::text as position from ${table}
     where split_part(${keyColumn}, '#', 1) in (select jsonb_array_elements_text($1::jsonb))`,
    [JSON.stringify(names)],
    { prepare: true },
  );
  return new Map(rows.map((row) => [row.key, BigInt(row.position)]));
}

/** The effective checkpoint of each projection in the admin schema's checkpoints table. */
export async function readEffectiveCheckpoints(
  sql: SqlExecutor,
  adminSchema: string,
  names: readonly string[],
  partitions?: number,
): Promise<Map<string, GlobalPosition>> {
  const rows = await readCheckpointRows(sql, `${adminSchema}.checkpoints`, names);
  return new Map(names.map((name) => [name, effectiveCheckpoint(name, rows, partitions)]));
}

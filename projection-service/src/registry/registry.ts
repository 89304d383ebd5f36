import {
  readLiveVersions,
  type GlobalPosition,
  type LiveVersions,
  type ProjectionName,
  type SqlExecutor,
} from '@order-engine/shared';

// Writes to the registry of live versions (admin.projection_versions and admin.retired_schemas). Reading it is
// shared's readLiveVersions: query services read the same table.

/** Gives every projection a registry row at its first version; rows already there (a later version) stay. */
export async function seedRegistry(
  tx: SqlExecutor,
  admin: string,
  first: Partial<LiveVersions>,
): Promise<LiveVersions> {
  const entries = Object.entries(first);
  if (entries.length > 0) {
    await tx.query(
      `insert into ${admin}.projection_versions (projection, live_version)
       select * from jsonb_to_recordset($1::jsonb) as r(projection text, live_version integer)
       on conflict (projection) do nothing`,
      [JSON.stringify(entries.map(([projection, live_version]) => ({ projection, live_version })))],
    );
  }
  return readLiveVersions(tx, admin);
}

/**
 * Flips a projection's live version, only if it still is `from`: true when flipped. The old version's schema is
 * retired, not dropped: query services follow the registry within their cache time, and may read it until then.
 */
export async function switchLiveVersion(
  tx: SqlExecutor,
  admin: string,
  name: ProjectionName,
  from: { version: number; schema: string },
  to: number,
): Promise<boolean> {
  const rows = await tx.query(
    `update ${admin}.projection_versions set live_version = $3, switched_at = now() where projection = $1 and ` +
      `live_version = $2 returning projection`,
    [name, from.version, to],
  );
  if (rows.length === 0) return false;
  await retireSchema(tx, admin, name, from.schema);
  return true;
}

/** Marks a schema for dropping once the retirement grace has passed (see janitor.ts). */
export async function retireSchema(
  tx: SqlExecutor,
  admin: string,
  name: ProjectionName,
  schema: string,
): Promise<void> {
  await tx.query(
    `insert into ${admin}.retired_schemas (schema_name, projection) values ($1, $2) on conflict (schema_name) do ` +
      `update set retired_at = now()`,
    [schema, name],
  );
}

/** A retired schema comes back into use (a rebuild targets its version again): it must not be dropped under it. */
export async function unretireSchema(tx: SqlExecutor, admin: string, schema: string): Promise<void> {
  await tx.query(`delete from ${admin}.retired_schemas where schema_name = $1`, [schema]);
}

/**
 * A projection's live version, its registry row locked for the rest of the transaction. A switch updates that row, so
 * whoever holds it knows the live version cannot change under them, and after a switch commits it reads the new one.
 */
export async function lockLiveVersion(
  tx: SqlExecutor,
  admin: string,
  name: ProjectionName,
  first: number,
): Promise<number> {
  await tx.query(
    `insert into ${admin}.projection_versions (projection, live_version) values ($1, $2) on conflict (projection) ` +
      `do nothing`,
    [name, first],
  );
  const [row] = await tx.query<{ live_version: number }>(
    `select live_version from ${admin}.projection_versions where projection = $1 for update`,
    [name],
  );
  return row?.live_version ?? first;
}

/** Every checkpoint row of a schema (global and per partition), locked for the rest of the transaction. */
export async function lockCheckpointRows(
  tx: SqlExecutor,
  admin: string,
  key: string,
): Promise<Map<string, GlobalPosition>> {
  const rows = await tx.query<{ projection: string; position: string }>(
    `select projection, position::text as position from ${admin}.checkpoints where split_part(projection, '#', 1) = ` +
      `$1 order by projection for update`,
    [key],
  );
  return new Map(rows.map((row) => [row.projection, BigInt(row.position)]));
}

import {
  auditSchema,
  projectionNames,
  readLiveVersions,
  readModels,
  readModelSchemas,
  type LiveVersions,
  type SqlExecutor,
} from '@order-engine/shared';

// Every read-model row as text, in a stable order and without the prefix, so two runs over the same history can be
// compared whole: "delivered twice" or "restarted" must give exactly the rows of a clean run.

export const readModelTables = readModels.flatMap((model) => model.tables.map((table) => table.name));

const tables = (prefix: string, versions: LiveVersions): [string, string][] => {
  const s = readModelSchemas(prefix, versions);
  return readModels.flatMap((model) =>
    model.tables.map(({ name }): [string, string] => [name, `${s[model.name]}.${name}`]),
  );
};

/** The rows of the live versions (as the registry says; v1 without one), every checkpoint row and every dead letter. */
export async function dumpReadModels(
  sql: SqlExecutor,
  prefix: string,
  versions?: LiveVersions,
): Promise<Record<string, string[]>> {
  const admin = readModelSchemas(prefix).admin;
  const live = versions ?? (await readLiveVersions(sql, admin));
  const dump: Record<string, string[]> = {};
  for (const [name, table] of tables(prefix, live)) {
    const rows = await sql.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t order by 1`);
    dump[name] = rows.map((r) => r.row);
  }
  const checkpoints = await sql.query<{ row: string }>(
    `select substr(projection, $1::int) || '@' || position::text as row from ${admin}.checkpoints order by 1`,
    [prefix.length + 1],
  );
  dump.checkpoints = checkpoints.map((r) => r.row);
  const deadLetters = await sql.query<{ row: string }>(
    `select concat_ws(' ', substr(projection, $1::int), event_id::text, position::text, event_type) as row from ` +
      `${admin}.dead_letters order by 1`,
    [prefix.length + 1],
  );
  dump.dead_letters = deadLetters.map((r) => r.row);
  return dump;
}

/** Only the read-model tables of a dump: what two prefixes at different versions must agree on. */
export const tablesOf = (dump: Record<string, string[]>): Record<string, string[]> =>
  Object.fromEntries(readModelTables.map((table) => [table, dump[table] ?? []]));

/** Drops every schema of a test prefix, at every version (real PostgreSQL outlives the test run). */
export async function dropReadModels(sql: SqlExecutor, prefix: string): Promise<void> {
  if (prefix === '') throw new Error('dropReadModels needs a test prefix');
  const versions = await sql.query<{ name: string }>(`select nspname as name from pg_namespace where nspname ~ $1`, [
    `^${prefix}(${projectionNames.join('|')})_v[0-9]+$`,
  ]);
  for (const schema of [...versions.map((row) => row.name), readModelSchemas(prefix).admin, auditSchema(prefix)])
    await sql.exec(`drop schema if exists ${schema} cascade`);
}

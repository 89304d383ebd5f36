import { readModelSchemas, type SqlExecutor } from '@order-engine/shared';

// Every read-model row as text, in a stable order and without the prefix, so two runs over the same history can be
// compared whole: "delivered twice" or "restarted" must give exactly the rows of a clean run.

const tables = (prefix: string): [string, string][] => {
  const s = readModelSchemas(prefix);
  return [
    ['products', `${s.catalog}.products`],
    ['orders', `${s.orders}.orders`],
    ['sales_orders', `${s.sales}.sales_orders`],
    ['sales_daily', `${s.sales}.sales_daily`],
  ];
};

export async function dumpReadModels(sql: SqlExecutor, prefix: string): Promise<Record<string, string[]>> {
  const admin = readModelSchemas(prefix).admin;
  const dump: Record<string, string[]> = {};
  for (const [name, table] of tables(prefix)) {
    const rows = await sql.query<{ row: string }>(`select row_to_json(t)::text as row from ${table} t order by 1`);
    dump[name] = rows.map((r) => r.row);
  }
  const checkpoints = await sql.query<{ row: string }>(
    `select substr(projection, $1::int) || '@' || position::text as row from ${admin}.checkpoints order by 1`,
    [prefix.length + 1],
  );
  dump.checkpoints = checkpoints.map((r) => r.row);
  const deadLetters = await sql.query<{ row: string }>(
    `select concat_ws(' ', substr(projection, $1::int), event_id::text, position::text, event_type) as row from ${admin}.dead_letters order by 1`,
    [prefix.length + 1],
  );
  dump.dead_letters = deadLetters.map((r) => r.row);
  return dump;
}

/** Drops every schema of a test prefix (real PostgreSQL outlives the test run). */
export async function dropReadModels(sql: SqlExecutor, prefix: string): Promise<void> {
  for (const schema of Object.values(readModelSchemas(prefix))) await sql.exec(`drop schema if exists ${schema} cascade`);
}

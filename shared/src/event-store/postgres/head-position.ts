import type { SqlExecutor } from '../../sql/sql.js';
import type { GlobalPosition } from '../event-store.js';
import { settled } from './read-all.js';

/** Newest position a reader may see (see read-all.ts); everything at or below it is settled. */
export async function headPosition(sql: SqlExecutor, schema: string): Promise<GlobalPosition> {
  const [row] = await sql.query<{ head: string }>(
    `select coalesce(max(position), 0)::text as head from ${schema}.events where ${settled}`,
    [],
    { prepare: true },
  );
  return BigInt(row?.head ?? '0');
}

/** Newest position committed, whether or not readers may see it yet (a transaction still running holds it back). */
export async function newestPosition(sql: SqlExecutor, schema: string): Promise<GlobalPosition> {
  const [row] = await sql.query<{ newest: string }>(`select max(position)::text as newest from ${schema}.events`, [], {
    prepare: true,
  });
  return BigInt(row?.newest ?? '0');
}

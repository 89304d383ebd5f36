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

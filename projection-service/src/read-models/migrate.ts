import { adminSchema, adminTables, type Sql } from '@order-engine/shared';
import { liveProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';

/**
 * Creates the admin schema and every projection's schema when missing. Idempotent; the advisory lock makes a
 * second process (query-service starting beside projection-service) wait instead of racing on `create schema`.
 */
export async function migrateReadModels(sql: Sql, prefix = '', projections: readonly Projection[] = liveProjections): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`read-models-migrate:${prefix}`]);
    await tx.exec(adminTables(adminSchema(prefix)));
    for (const projection of projections) await projection.migrate(tx, projection.schema(prefix));
  });
}

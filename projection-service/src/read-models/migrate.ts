import { adminSchema, adminTables, type LiveVersions, type Sql } from '@order-engine/shared';
import { liveProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';
import { seedRegistry } from '../registry/registry.js';

/**
 * Creates the admin schema, the registry rows and the live version of every projection's schema when missing, and
 * says which versions are live. Idempotent; the advisory lock makes a second process (another projection service, or
 * `npm run cli -- migrate`) wait instead of racing on `create schema`. Only live versions are created: after a rebuild
 * switched to v2 and dropped v1, a restart must not bring an empty v1 back.
 */
export async function migrateReadModels(
  sql: Sql,
  prefix = '',
  projections: readonly Projection[] = liveProjections,
): Promise<LiveVersions> {
  return sql.transaction(async (tx) => {
    await tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`read-models-migrate:${prefix}`]);
    const admin = adminSchema(prefix);
    await tx.exec(adminTables(admin));
    const live = await seedRegistry(
      tx,
      admin,
      Object.fromEntries(projections.map((projection) => [projection.name, projection.version])),
    );
    for (const projection of projections)
      await projection.migrate(tx, projection.schema(prefix, live[projection.name]));
    return live;
  });
}

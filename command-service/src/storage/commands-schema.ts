import { assertIdentifier, type Sql } from '@order-engine/shared';

/** The command service's own tables live in `<prefix>commands`, apart from the event store and the read models. */
export const commandsSchema = (prefix: string): string => assertIdentifier(`${prefix}commands`);

// Two processes may start together: CREATE SCHEMA/TABLE IF NOT EXISTS can still collide on the catalog's
// unique index, so migrations of one schema take an advisory lock and run one at a time.
export async function migrateSchema(sql: Sql, schema: string, ddl: string): Promise<void> {
  await sql.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`migrate:${schema}`]);
    await tx.exec(`CREATE SCHEMA IF NOT EXISTS ${schema};\n${ddl}`);
  });
}

import { adminSchema, assertIdentifier, projectionSchema, readLiveVersions, type Logger, type ProjectionName, type Sql, type SqlExecutor } from '@order-engine/shared';

// Drops the schemas of versions switched away from (and of failed rebuilds) once the retirement grace has passed:
// long enough for every query service to have followed the registry (their cache lives well under a second) and for
// every projection worker to have stopped the old version's runner. Any projection service may do it; a dropped
// schema's checkpoint rows and dead letters go with it.

/** Serialises creating and dropping one schema (a rebuild recreating a version the janitor is about to drop). */
export const lockSchemaName = (tx: SqlExecutor, schema: string) => tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`read-models-schema:${schema}`]);

export async function dropRetiredSchemas(sql: Sql, prefix: string, graceMs: number, logger: Logger): Promise<string[]> {
  const admin = adminSchema(prefix);
  const due = await sql.query<{ schema_name: string }>(
    `select schema_name from ${admin}.retired_schemas where retired_at < now() - make_interval(secs => $1::double precision / 1000)`,
    [graceMs],
  );
  const dropped: string[] = [];
  for (const { schema_name: schema } of due) {
    const done = await sql.transaction(async (tx) => {
      await lockSchemaName(tx, schema);
      const [still] = await tx.query<{ projection: ProjectionName }>(
        `delete from ${admin}.retired_schemas where schema_name = $1 and retired_at < now() - make_interval(secs => $2::double precision / 1000) returning projection`,
        [schema, graceMs],
      );
      if (!still) return false;
      // Never the live version, whatever the table says.
      const live = await readLiveVersions(tx, admin);
      if (projectionSchema(prefix, still.projection, live[still.projection]) === schema) return false;
      await tx.exec(`drop schema if exists ${assertIdentifier(schema)} cascade`);
      await tx.query(`delete from ${admin}.checkpoints where split_part(projection, '#', 1) = $1`, [schema]);
      await tx.query(`delete from ${admin}.dead_letters where projection = $1`, [schema]);
      return true;
    });
    if (done) {
      dropped.push(schema);
      logger.info('dropped a retired projection schema', { schema });
    }
  }
  return dropped;
}

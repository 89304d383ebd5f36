import {
  adminSchema,
  assertIdentifier,
  cacheKeys,
  projectionSchema,
  readLiveVersions,
  type Cache,
  type Logger,
  type ProjectionName,
  type Sql,
  type SqlExecutor,
} from '@order-engine/shared';

// Drops the schemas of versions switched away from (and of failed rebuilds) once the retirement grace has passed:
// long enough for every query service to have followed the registry (their cache lives well under a second) and for
// every projection worker to have stopped the old version's runner. Any projection service may do it; a dropped
// schema's checkpoint rows and dead letters go with it. What the version left outside the database goes first: its
// cache entries and its feed's leftovers (a Kafka consumer group). Should that fail, the schema stays listed and the
// next round tries again.

/** What a retired version leaves outside its schema. */
export interface Leftovers {
  cache: Cache;
  /** Removes what the version's feed left behind, by the version's schema (its Kafka consumer group). */
  removeFeed?: (schema: string) => Promise<void>;
  /**
   * Schemas whose leftovers could not be removed yet, kept across rounds: each is warned about once, not every round.
   */
  failing?: Set<string>;
}

/** Deletes the version's cache entries, then its feed's leftovers; false (logged) when either fails. */
async function removeLeftovers(
  schema: string,
  { cache, removeFeed, failing = new Set() }: Leftovers,
  logger: Logger,
): Promise<boolean> {
  try {
    const entries = await cache.deleteWithPrefix(cacheKeys.ofVersion(schema));
    await removeFeed?.(schema);
    const recovered = failing.delete(schema);
    if (entries > 0 || recovered)
      logger.info('removed what a retired projection version left outside its schema', { schema, entries });
    return true;
  } catch (error) {
    const fields = { schema, error: error instanceof Error ? error.message : String(error) };
    if (failing.has(schema))
      logger.debug('still cannot remove what a retired projection version left outside its schema', fields);
    else
      logger.warn(
        'cannot remove what a retired projection version left outside its schema yet; trying again every round',
        fields,
      );
    failing.add(schema);
    return false;
  }
}

/** Serialises creating and dropping one schema (a rebuild recreating a version the janitor is about to drop). */
export const lockSchemaName = (tx: SqlExecutor, schema: string) =>
  tx.query('select pg_advisory_xact_lock(hashtextextended($1, 0))', [`read-models-schema:${schema}`]);

export async function dropRetiredSchemas(
  sql: Sql,
  prefix: string,
  graceMs: number,
  leftovers: Leftovers,
  logger: Logger,
): Promise<string[]> {
  const admin = adminSchema(prefix);
  const due = await sql.query<{ schema_name: string; projection: ProjectionName }>(
    `select schema_name, projection from ${admin}.retired_schemas where retired_at < now() - make_interval(secs => ` +
      `$1::double precision / 1000)`,
    [graceMs],
  );
  if (due.length === 0) return [];
  const live = await readLiveVersions(sql, admin);
  const dropped: string[] = [];
  for (const { schema_name: schema, projection } of due) {
    // (The live version is never touched, whatever the table says: the transaction below only takes its row out.)
    if (
      projectionSchema(prefix, projection, live[projection]) !== schema &&
      !(await removeLeftovers(schema, leftovers, logger))
    )
      continue;
    const done = await sql.transaction(async (tx) => {
      await lockSchemaName(tx, schema);
      const [still] = await tx.query<{ projection: ProjectionName }>(
        `delete from ${admin}.retired_schemas where schema_name = $1 and retired_at < now() - make_interval(secs => ` +
          `$2::double precision / 1000) returning projection`,
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

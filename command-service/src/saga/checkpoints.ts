import { readCheckpointRows, type GlobalPosition, type Sql } from '@order-engine/shared';
import { commandsSchema, migrateSchema } from '../storage/commands-schema.js';

// One row per consumer and source: `<name>` for the event store's global feed, `<name>#p<n>` per Kafka partition
// (shared's checkpointKey); effectiveCheckpoint turns them into "everything up to here is handled".

export interface CheckpointStore {
  migrate(): Promise<void>;
  /** Every row of the consumer `name`, global and per partition, by key; empty when it never saved one. */
  loadAll(name: string): Promise<Map<string, GlobalPosition>>;
  /** Saves sources' rows (keys from checkpointKey), in one statement. */
  save(positions: ReadonlyMap<string, GlobalPosition>): Promise<void>;
}

export function sqlCheckpointStore(sql: Sql, options: { prefix: string }): CheckpointStore {
  const schema = commandsSchema(options.prefix);
  const table = `${schema}.checkpoints`;
  return {
    migrate: () =>
      migrateSchema(
        sql,
        schema,
        `CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, position bigint NOT NULL, updated_at ` +
          `timestamptz NOT NULL DEFAULT now());`,
      ),
    loadAll: (name) => readCheckpointRows(sql, table, [name], 'name'),
    async save(positions) {
      // Never move backwards: a slow, older instance must not make the live one redo its work. Rows in key order, so
      // two instances saving the same rows cannot deadlock.
      await sql.query(
        `INSERT INTO ${table} (name, position)
         SELECT name, position FROM jsonb_to_recordset($1::jsonb) AS r(name text, position bigint) ORDER BY name
         ON CONFLICT (name) DO UPDATE
         SET position = GREATEST(${table}.position, EXCLUDED.position), updated_at = now()`,
        [JSON.stringify([...positions].map(([name, position]) => ({ name, position: position.toString() })))],
        { prepare: true },
      );
    },
  };
}

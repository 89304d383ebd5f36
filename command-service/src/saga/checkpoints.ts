import type { GlobalPosition, Sql } from '@order-engine/shared';
import { commandsSchema, migrateSchema } from '../storage/commands-schema.js';

export interface CheckpointStore {
  migrate(): Promise<void>;
  /** The position after which the consumer resumes; 0n when it never saved one. */
  load(name: string): Promise<GlobalPosition>;
  save(name: string, position: GlobalPosition): Promise<void>;
}

export function sqlCheckpointStore(sql: Sql, options: { prefix: string }): CheckpointStore {
  const schema = commandsSchema(options.prefix);
  const table = `${schema}.checkpoints`;
  return {
    migrate: () =>
      migrateSchema(sql, schema, `CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, position bigint NOT NULL, updated_at timestamptz NOT NULL DEFAULT now());`),
    async load(name) {
      const [row] = await sql.query<{ position: string }>(`SELECT position::text AS position FROM ${table} WHERE name = $1`, [name]);
      return row ? BigInt(row.position) : 0n;
    },
    async save(name, position) {
      // Never move backwards: a slow, older instance must not make the live one redo its work.
      await sql.query(
        `INSERT INTO ${table} (name, position) VALUES ($1, $2::bigint)
         ON CONFLICT (name) DO UPDATE SET position = GREATEST(${table}.position, EXCLUDED.position), updated_at = now()`,
        [name, position.toString()],
      );
    },
  };
}

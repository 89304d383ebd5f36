import type { Sql } from '@order-engine/shared';
import { commandsSchema, migrateSchema } from '../storage/commands-schema.js';

/** The first answer given to a request, replayed for every repeat. */
export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  /** The JSON body as sent, kept as text: jsonb would refuse some strings (\u0000) a body may hold. */
  body: string;
}

export type Claim =
  | { kind: 'claimed' }
  | { kind: 'replay'; answer: StoredAnswer }
  | { kind: 'mismatch' }
  | { kind: 'in-progress' };

export interface IdempotencyStore {
  migrate(): Promise<void>;
  /** Takes the key for this request, or says why not. */
  claim(key: string, fingerprint: string): Promise<Claim>;
  complete(key: string, answer: StoredAnswer): Promise<void>;
  /** Gives the key up (the request failed in a way worth retrying). */
  release(key: string): Promise<void>;
}

interface KeyRow {
  fingerprint: string;
  state: 'running' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  expired: boolean;
}

/**
 * @param leaseMs a key left 'running' longer than this belongs to a request whose process died: it may be taken over.
 */
export function sqlIdempotencyStore(sql: Sql, options: { prefix: string; leaseMs?: number }): IdempotencyStore {
  const schema = commandsSchema(options.prefix);
  const table = `${schema}.idempotency_keys`;
  const leaseMs = options.leaseMs ?? 60_000;

  const insert = async (key: string, fingerprint: string): Promise<boolean> =>
    (await sql.query(`INSERT INTO ${table} (key, fingerprint, state) VALUES ($1, $2, 'running') ON CONFLICT (key) DO NOTHING RETURNING key`, [key, fingerprint])).length === 1;

  const takeOver = async (key: string, fingerprint: string): Promise<boolean> =>
    (
      await sql.query(
        `UPDATE ${table} SET started_at = now() WHERE key = $1 AND fingerprint = $2 AND state = 'running'
           AND started_at < now() - ($3::int * interval '1 millisecond') RETURNING key`,
        [key, fingerprint, leaseMs],
      )
    ).length === 1;

  const find = async (key: string): Promise<KeyRow | undefined> =>
    (
      await sql.query<KeyRow & Record<string, unknown>>(
        `SELECT fingerprint, state, status, headers, body, started_at < now() - ($2::int * interval '1 millisecond') AS expired
           FROM ${table} WHERE key = $1`,
        [key, leaseMs],
      )
    )[0];

  return {
    migrate: () =>
      migrateSchema(
        sql,
        schema,
        `CREATE TABLE IF NOT EXISTS ${table} (
           key text PRIMARY KEY,
           fingerprint text NOT NULL,
           state text NOT NULL CHECK (state IN ('running', 'done')),
           status int,
           headers jsonb,
           body text,
           started_at timestamptz NOT NULL DEFAULT now(),
           completed_at timestamptz
         );`,
      ),

    async claim(key, fingerprint) {
      // A released key disappears between our INSERT and SELECT: then simply try again.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await insert(key, fingerprint)) return { kind: 'claimed' };
        const row = await find(key);
        if (!row) continue;
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.state === 'done') return { kind: 'replay', answer: { status: row.status ?? 200, headers: row.headers ?? {}, body: row.body ?? '' } };
        if (row.expired && (await takeOver(key, fingerprint))) return { kind: 'claimed' };
        return { kind: 'in-progress' };
      }
      return { kind: 'in-progress' };
    },

    async complete(key, answer) {
      await sql.query(`UPDATE ${table} SET state = 'done', status = $2, headers = $3::jsonb, body = $4, completed_at = now() WHERE key = $1`, [
        key,
        answer.status,
        JSON.stringify(answer.headers),
        answer.body,
      ]);
    },

    async release(key) {
      await sql.query(`DELETE FROM ${table} WHERE key = $1 AND state = 'running'`, [key]);
    },
  };
}

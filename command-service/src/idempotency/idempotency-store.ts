import { coalescer, SqlUnavailable, type RecordedEvent, type Sql } from '@order-engine/shared';
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
  | { kind: 'in-progress' }
  /** Its command appended these events, but no answer was kept (its process died, or lost the append's answer). */
  | { kind: 'recover'; events: RecordedEvent[] };

/** The events a key's command appended since the key was taken; [] when it appended none (yet). */
export type EventsOfKey = (key: string, since: Date) => Promise<RecordedEvent[]>;

export interface IdempotencyStore {
  migrate(): Promise<void>;
  /** Takes the key for this request, or says why not. */
  claim(key: string, fingerprint: string): Promise<Claim>;
  complete(key: string, answer: StoredAnswer): Promise<void>;
  /**
   * Gives the key up (the request failed in a way worth retrying), unless its command's events were appended: a
   * repeat then recovers the answer from them.
   */
  release(key: string): Promise<void>;
  /**
   * Forgets the keys of requests started more than olderThanMs ago (a repeat then executes again), a batch per
   * statement; answers how many went.
   */
  expire(olderThanMs: number): Promise<number>;
}

const EXPIRE_BATCH = 5_000;

interface KeyRow {
  fingerprint: string;
  state: 'running' | 'done';
  status: number | null;
  headers: Record<string, string> | null;
  body: string | null;
  started_ms: number;
  expired: boolean;
}

/**
 * @param leaseMs a key left 'running' longer than this belongs to a request whose process died: it may be taken over.
 * @param eventsOf where a key's events are found (the event store, where it indexes the key): a key left 'running'
 *   whose command appended is answered from them, whatever its lease, rather than run again.
 */
export function sqlIdempotencyStore(
  sql: Sql,
  options: { prefix: string; leaseMs?: number; eventsOf?: EventsOfKey },
): IdempotencyStore {
  const schema = commandsSchema(options.prefix);
  const table = `${schema}.idempotency_keys`;
  const leaseMs = options.leaseMs ?? 60_000;
  const eventsOf: EventsOfKey = options.eventsOf ?? (async () => []);

  // Each command writes its key twice, claimed and then done. Concurrent requests share those writes (see
  // coalescer.ts): one statement marks the finished ones done and claims the new ones, so under load a key costs a
  // fraction of a statement instead of two. A statement that fails for a reason other than an outage is sent again
  // per write, so that it fails only its own request.
  type KeyWrite = { claim: { key: string; fingerprint: string } } | { done: { key: string; answer: StoredAnswer } };
  const write = coalescer<KeyWrite, boolean>(
    async (writes) => {
      const claims = writes.flatMap((w) => ('claim' in w ? [w.claim] : []));
      const done = writes.flatMap((w) => ('done' in w ? [w.done] : []));
      // Both parts see the same snapshot: a claim of a key finished in this statement finds it taken (the key was
      // claimed before), and the claimant's next look finds it done.
      const rows = await sql.query<{ key: string }>(
        `WITH done AS (
           UPDATE ${table} AS t SET state = 'done', status = d.status, headers = d.headers::jsonb, body = d.body,
             completed_at = now()
             FROM unnest($3::text[], $4::int[], $5::text[], $6::text[]) AS d(key, status, headers, body)
             WHERE t.key = d.key
         )
         INSERT INTO ${table} (key, fingerprint, state)
           SELECT key, fingerprint, 'running' FROM unnest($1::text[], $2::text[]) AS c(key, fingerprint)
         ON CONFLICT (key) DO NOTHING RETURNING key`,
        [
          claims.map((claim) => claim.key),
          claims.map((claim) => claim.fingerprint),
          done.map(({ key }) => key),
          done.map(({ answer }) => answer.status),
          done.map(({ answer }) => JSON.stringify(answer.headers)),
          done.map(({ answer }) => answer.body),
        ],
        { prepare: true },
      );
      // A key asked for twice in one statement is taken by the first request only.
      const taken = new Set(rows.map((row) => row.key));
      return writes.map((w) => ('claim' in w ? taken.delete(w.claim.key) : true));
    },
    { maxInFlight: Math.min(2, sql.parallelism), retryAlone: (error) => !(error instanceof SqlUnavailable) },
  );
  const insert = (key: string, fingerprint: string) => write({ claim: { key, fingerprint } });

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
        `SELECT fingerprint, state, status, headers, body,
          trunc(extract(epoch FROM started_at) * 1000)::float8 AS started_ms,
             started_at < now() - ($2::int * interval '1 millisecond') AS expired
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
         );
         CREATE INDEX IF NOT EXISTS idempotency_keys_started_at_idx ON ${table} (started_at);`,
      ),

    async claim(key, fingerprint) {
      // A released key disappears between our INSERT and SELECT: then simply try again.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await insert(key, fingerprint)) return { kind: 'claimed' };
        const row = await find(key);
        if (!row) continue;
        if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
        if (row.state === 'done')
          return {
            kind: 'replay',
            answer: { status: row.status ?? 200, headers: row.headers ?? {}, body: row.body ?? '' },
          };
        const events = await eventsOf(key, new Date(row.started_ms));
        if (events.length > 0) return { kind: 'recover', events };
        if (row.expired && (await takeOver(key, fingerprint))) return { kind: 'claimed' };
        return { kind: 'in-progress' };
      }
      return { kind: 'in-progress' };
    },

    async complete(key, answer) {
      await write({ done: { key, answer } });
    },

    async release(key) {
      const row = await find(key);
      if (row?.state !== 'running' || (await eventsOf(key, new Date(row.started_ms))).length > 0) return;
      await sql.query(`DELETE FROM ${table} WHERE key = $1 AND state = 'running'`, [key]);
    },

    async expire(olderThanMs) {
      // Small batches, oldest first, skipping rows another instance is expiring: no long lock on the keys in use.
      let expired = 0;
      for (;;) {
        const [row] = await sql.query<{ expired: number }>(
          `WITH gone AS (
             DELETE FROM ${table} WHERE key IN (
               SELECT key FROM ${table} WHERE started_at < now() - ($1::double precision * interval '1 millisecond')
               ORDER BY started_at LIMIT $2 FOR UPDATE SKIP LOCKED)
             RETURNING 1
           )
           SELECT count(*)::int AS expired FROM gone`,
          [olderThanMs, EXPIRE_BATCH],
        );
        expired += row?.expired ?? 0;
        if ((row?.expired ?? 0) < EXPIRE_BATCH) return expired;
      }
    },
  };
}

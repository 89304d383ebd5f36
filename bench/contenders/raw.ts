import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { benchEventData, benchEventMetadata, type Contender } from './contender.js';

// The limit: plain INSERTs into a table with the engine's columns and indexes, in autocommit, with revisions counted
// in the client (no read, no check, no function). One row per statement for single events, one multi-row INSERT for
// a batch. Its global read is the naive `position > last` poll that docs/architecture.md warns about: under concurrent
// appenders it can skip rows that commit late, which the global-read scenario counts.

export async function rawContender(databaseUrl: string, poolSize: number): Promise<Contender> {
  const schema = `bench_raw_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize });
  await pool.query(`
    create schema ${schema};
    create table ${schema}.events (
      position bigserial primary key,
      event_id uuid not null unique,
      stream_id text not null,
      revision int not null,
      type text not null,
      version int not null,
      data jsonb not null,
      metadata jsonb not null default '{}',
      recorded_at timestamptz not null default now(),
      tx_id xid8 not null default pg_current_xact_id(),
      unique (stream_id, revision)
    );
    create index on ${schema}.events (type, position);
    create index on ${schema}.events (stream_id text_pattern_ops, position);`);
  const revisions = new Map<string, number>();
  const data = JSON.stringify(benchEventData);
  const metadata = JSON.stringify(benchEventMetadata);

  return {
    name: 'raw INSERT',
    async append(streamId, count) {
      const first = revisions.get(streamId) ?? 0;
      revisions.set(streamId, first + count);
      const params: unknown[] = [streamId, data, metadata];
      const rows = Array.from({ length: count }, (_, i) => {
        params.push(randomUUID(), first + i);
        return `($${params.length - 1}, $1, $${params.length}, 'OrderPlaced', 1, $2, $3)`;
      });
      await pool.query(
        `insert into ${schema}.events (event_id, stream_id, revision, type, version, data, metadata) values ` +
          `${rows.join(', ')}`,
        params,
      );
    },
    async follow(onEvents, signal) {
      let after = '0';
      while (!signal.aborted) {
        const { rows } = await pool.query<{ at: string; event_id: string }>(
          // Every column, as the other readers fetch.
          `select position::text as at, event_id, stream_id, revision, type, version, data, metadata, recorded_at
           from ${schema}.events where position > $1 order by position limit 1000`,
          [after],
        );
        if (rows.length > 0) {
          after = rows[rows.length - 1]!.at;
          onEvents(rows.map((row) => row.event_id));
        } else await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    table: `${schema}.events`,
    exec: async (text) => void (await pool.query(text)),
    async bulkLoad(count) {
      await pool.query(
        `insert into ${schema}.events (event_id, stream_id, revision, type, version, data, metadata)
         select gen_random_uuid(), 'bulk-' || (n / 10), n % 10, 'OrderPlaced', 1, $1::jsonb, $2::jsonb from
         generate_series(0, $3::int - 1) n`,
        [data, metadata, count],
      );
      await pool.query(`analyze ${schema}.events`);
    },
    async close() {
      await pool.query(`drop schema if exists ${schema} cascade`);
      await pool.end();
    },
  };
}

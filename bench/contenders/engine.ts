import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { pgSql, postgresEventStore } from '@order-engine/shared';
import { benchEventData, benchEventMetadata, type Contender } from './contender.js';

/** The engine's PostgreSQL event store in a fresh schema, through its EventStore port. */
export async function engineContender(databaseUrl: string, poolSize: number): Promise<Contender> {
  const schema = `bench_engine_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const sql = pgSql(new pg.Pool({ connectionString: databaseUrl, max: poolSize }));
  const store = postgresEventStore(sql, { schema, pollIntervalMs: 50 });
  await store.headPosition(); // migrates
  return {
    name: 'engine',
    async append(streamId, count) {
      const events = Array.from({ length: count }, () => ({
        type: 'OrderPlaced',
        version: 1,
        data: benchEventData,
        metadata: benchEventMetadata,
      }));
      await store.append(streamId, events);
    },
    async follow(onEvents, signal) {
      for await (const batch of store.subscribeToAll({ signal, batchSize: 1_000 }))
        onEvents(batch.map((event) => event.eventId));
    },
    table: `${schema}.events`,
    exec: (text) => sql.exec(text),
    async bulkLoad(count) {
      await sql.query(
        `insert into ${schema}.events (event_id, stream_id, revision, type, version, data, metadata)
         select gen_random_uuid(), 'bulk-' || (n / 10), n % 10, 'OrderPlaced', 1, $1::jsonb, $2::jsonb from
         generate_series(0, $3::int - 1) n`,
        [JSON.stringify(benchEventData), JSON.stringify(benchEventMetadata), count],
      );
      await sql.exec(`analyze ${schema}.events`);
    },
    async close() {
      await store.close();
      await sql.exec(`drop schema if exists ${schema} cascade`);
      await sql.close();
    },
  };
}

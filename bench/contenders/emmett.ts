import { randomUUID } from 'node:crypto';
import { dumbo } from '@event-driven-io/dumbo';
import { getPostgreSQLEventStore, postgreSQLEventStoreMessageBatchPuller } from '@event-driven-io/emmett-postgresql';
import pg from 'pg';
import { benchEventData, benchEventMetadata, type Contender } from './contender.js';

// Emmett's PostgreSQL event store (@event-driven-io/emmett-postgresql), the best-known TypeScript peer, used through
// its public API. Its tables have fixed names in the public schema, so it gets a fresh database on the same server.
// Its consumer's loop is postgreSQLEventStoreMessageBatchPuller, run here as its consumer runs it.

export async function emmettContender(databaseUrl: string, poolSize: number): Promise<Contender> {
  const database = `bench_emmett_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  await admin.query(`create database ${database}`);
  const url = new URL(databaseUrl);
  url.pathname = `/${database}`;
  const connectionString = url.toString();

  const pool = new pg.Pool({ connectionString, max: poolSize });
  // DROP DATABASE … WITH (FORCE) at the end ends its idle connections: not an error worth dying for.
  pool.on('error', () => {});
  const store = getPostgreSQLEventStore(connectionString, { connectionOptions: { pool, pooled: true } });
  await store.schema.migrate();
  const reader = dumbo({ connectionString, pooled: true, pool });

  return {
    name: 'Emmett',
    async append(streamId, count) {
      const events = Array.from({ length: count }, () => ({
        type: 'OrderPlaced',
        data: benchEventData,
        metadata: benchEventMetadata,
      }));
      await store.appendToStream(streamId, events);
    },
    async follow(onEvents, signal) {
      const puller = postgreSQLEventStoreMessageBatchPuller({
        executor: reader.execute,
        batchSize: 1_000,
        // Its default is 50 ms between batches; 1 ms lets it catch up as fast as it can.
        pullingFrequencyInMs: 1,
        signal,
        eachBatch: async (messages) => {
          onEvents(messages.map((message) => String(message.metadata.messageId)));
        },
      });
      signal.addEventListener('abort', () => void puller.stop(), { once: true });
      await puller.start({ startFrom: 'BEGINNING' });
    },
    table: 'emt_messages',
    exec: async (text) => void (await pool.query(text)),
    async bulkLoad(count) {
      await pool.query(
        `insert into emt_messages (stream_position, transaction_id, stream_id, message_schema_version, message_id,
          message_type, message_data, message_metadata)
         select n % 10 + 1, pg_current_xact_id(), 'bulk-' || (n / 10), '1', gen_random_uuid()::text, 'OrderPlaced',
           $1::jsonb, $2::jsonb
         from generate_series(0, $3::int - 1) n`,
        [JSON.stringify(benchEventData), JSON.stringify(benchEventMetadata), count],
      );
      await pool.query('analyze emt_messages');
    },
    async close() {
      await store.close();
      await reader.close();
      await pool.end().catch(() => undefined);
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    },
  };
}

import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { pgSql } from '../../sql/pg-sql.js';
import type { Sql } from '../../sql/sql.js';
import { freshName } from '../../testing/names.js';
import { sharedPglite } from '../../testing/pglite.js';
import { describeWithService } from '../../testing/services.js';
import { EventStoreUnavailable } from '../errors.js';
import { eventStoreContract } from '../event-store.contract.js';
import type { RecordedEvent } from '../event-store.js';
import { postgresEventStore } from './postgres-event-store.js';
import { migrateEventStore } from './schema.js';

// The contract, plus what is specific to PostgreSQL, on PGlite (one instance for the file) and on a real server.
// Every test gets a fresh schema, dropped afterwards.

const pglite = sharedPglite();

describe('postgres event store on PGlite', () => {
  postgresEventStoreSpec('PGlite', pglite);

  it('refuses a schema name that is not a plain identifier', () => {
    expect(() => postgresEventStore({} as Sql, { schema: 'x; drop table y' })).toThrow(/identifier/);
  });
});

describeWithService('DATABASE_URL', 'postgres event store on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => sql?.close());
  postgresEventStoreSpec('PostgreSQL', async () => (sql ??= pgSql(new pg.Pool({ connectionString: url, max: 12 }))));

  it('reports an unreachable server as EventStoreUnavailable', async () => {
    const down = pgSql('postgres://postgres@127.0.0.1:1/postgres');
    const store = postgresEventStore(down, { schema: freshName('es') });
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: {} }])).rejects.toBeInstanceOf(
      EventStoreUnavailable,
    );
    await down.close();
  });

  it('names the write transaction left open elsewhere that holds $all back, and nothing once it ends', async () => {
    const db = (sql ??= pgSql(new pg.Pool({ connectionString: url, max: 12 })));
    const schema = freshName('es');
    const store = postgresEventStore(db, { schema });
    const open = new pg.Client({ connectionString: url, application_name: 'left-open' });
    try {
      const first = await store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: {} }]);
      await vi.waitFor(async () => expect(await store.heldBack!(0n)).toBeUndefined());
      await open.connect();
      await open.query('begin');
      const [{ pid }] = (await open.query<{ pid: number }>('select pg_backend_pid() as pid, pg_current_xact_id()'))
        .rows as [{ pid: number }];
      const second = await store.append('order-2', [{ type: 'OrderPlaced', version: 1, data: {} }]);
      expect(await store.readAll({ after: first.position })).toEqual([]);
      // Other tests' transactions may be older for a moment; this one stays.
      await vi.waitFor(async () =>
        expect(await store.heldBack!(first.position)).toMatchObject({
          position: second.position,
          blocker: {
            kind: 'backend',
            id: String(pid),
            application: 'left-open',
            state: 'idle in transaction',
            since: expect.any(Date),
          },
        }),
      );
      await open.query('rollback');
      await vi.waitFor(async () => expect(await store.heldBack!(first.position)).toBeUndefined());
      expect((await store.readAll({ after: first.position })).map((event) => event.position)).toEqual([
        second.position,
      ]);
    } finally {
      await open.end();
      await store.close();
      await db.exec(`drop schema if exists ${schema} cascade`);
    }
  });

  it('hands a caught-up subscriber the events a transaction held back as soon as it ends, not at its next poll', async () => {
    const db = (sql ??= pgSql(new pg.Pool({ connectionString: url, max: 12 })));
    const schema = freshName('es');
    const store = postgresEventStore(db, { schema, pollIntervalMs: 60_000 });
    const open = new pg.Client({ connectionString: url, application_name: 'held-open' });
    const controller = new AbortController();
    try {
      await store.headPosition();
      const subscription = store.subscribeToAll({ signal: controller.signal })[Symbol.asyncIterator]();
      const next = subscription.next();
      await new Promise((resolve) => setTimeout(resolve, 200)); // caught up, waiting (the poll is 60 s)
      await open.connect();
      await open.query('begin');
      await open.query('select pg_current_xact_id()');
      await store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: { n: 1 } }]);
      await new Promise((resolve) => setTimeout(resolve, 300)); // woken, and nothing settled to read
      await open.query('rollback');
      const timeout = new Promise((resolve) => setTimeout(() => resolve('not delivered within 5 s'), 5_000));
      const delivered = (await Promise.race([next, timeout])) as IteratorResult<RecordedEvent[]> | string;
      expect(
        typeof delivered === 'string' ? delivered : (delivered.value as RecordedEvent[]).map((e) => e.data),
      ).toEqual([{ n: 1 }]);
      await subscription.return?.();
    } finally {
      controller.abort();
      await open.end();
      await store.close();
      await db.exec(`drop schema if exists ${schema} cascade`);
    }
  });
});

function postgresEventStoreSpec(name: string, connect: () => Promise<Sql>): void {
  eventStoreContract(`postgres on ${name}`, async () => {
    const sql = await connect();
    const schema = freshName('es');
    return {
      store: postgresEventStore(sql, { schema, pollIntervalMs: 50 }),
      cleanup: () => sql.exec(`drop schema if exists ${schema} cascade`),
    };
  });

  it(`${name}: migrates idempotently and keeps existing events`, async () => {
    const sql = await connect();
    const schema = freshName('es');
    const store = postgresEventStore(sql, { schema });
    const { position } = await store.append('order-1', [{ type: 'OrderPlaced', version: 1, data: {} }]);
    await migrateEventStore(sql, schema);
    await Promise.all([migrateEventStore(sql, schema), migrateEventStore(sql, schema)]);
    expect((await postgresEventStore(sql, { schema }).readAll()).map((e) => e.position)).toEqual([position]);
    await sql.exec(`drop schema ${schema} cascade`);
  });

  it(`${name}: finds each Idempotency-Key's own events, committed with them, among concurrent appends`, async () => {
    const sql = await connect();
    const schema = freshName('es');
    const store = postgresEventStore(sql, { schema });
    await store.headPosition();
    const keyed = (idempotencyKey: string, n: number) => ({
      type: 'StockAdded',
      version: 1,
      data: { n },
      metadata: { idempotencyKey },
    });
    const before = new Date();
    // Concurrent appends go in one call of append_events; a refused one writes nothing, its key included.
    const [a, b] = await Promise.all([
      store.append('product-a', [keyed('k1', 1), keyed('k2', 2), keyed('k2', 3)], { expectedRevision: 'no_stream' }),
      store.append('product-b', [keyed('k3', 4)]),
      store.append('product-c', [keyed('k4', 5)], { expectedRevision: 7 }).catch((error: unknown) => error),
    ]);
    const after = new Date(Date.now() + 1);
    const found = async (key: string, since = before) =>
      (await store.eventsOfIdempotencyKey!(key, since)).map((event) => event.data);
    expect(await found('k1')).toEqual([{ n: 1 }]);
    expect(await found('k2')).toEqual([{ n: 2 }, { n: 3 }]);
    expect(await store.eventsOfIdempotencyKey!('k2', before)).toEqual(a!.events.slice(1));
    expect(await store.eventsOfIdempotencyKey!('k3', before)).toEqual(b!.events);
    expect(await found('k4')).toEqual([]);
    expect(await found('k2', after)).toEqual([]);
    await store.close();
    await sql.exec(`drop schema ${schema} cascade`);
  });

  it(`${name}: a caught-up subscriber wakes on a notification, long before its next poll`, async () => {
    const sql = await connect();
    const schema = freshName('es');
    const subscriberStore = postgresEventStore(sql, { schema, pollIntervalMs: 60_000 });
    const writerStore = postgresEventStore(sql, { schema }); // as another process would append
    await subscriberStore.headPosition();
    const controller = new AbortController();
    const subscription = subscriberStore.subscribeToAll({ signal: controller.signal })[Symbol.asyncIterator]();
    const next = subscription.next();
    await new Promise((resolve) => setTimeout(resolve, 200)); // now caught up and waiting

    await writerStore.append('order-1', [{ type: 'OrderPlaced', version: 1, data: { n: 1 } }]);
    const timeout = new Promise((resolve) => setTimeout(() => resolve('no notification within 3s'), 3_000));
    const delivered = (await Promise.race([next, timeout])) as IteratorResult<RecordedEvent[]> | string;
    expect(typeof delivered === 'string' ? delivered : (delivered.value as RecordedEvent[]).map((e) => e.data)).toEqual(
      [{ n: 1 }],
    );

    controller.abort();
    await subscription.return?.();
    await Promise.all([subscriberStore.close(), writerStore.close()]);
    await sql.exec(`drop schema ${schema} cascade`);
  });
}

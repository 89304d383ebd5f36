import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  cacheKeys,
  memoryCache,
  memoryEventStore,
  pgSql,
  postgresEventStore,
  readModelSchemas,
  silentLogger,
  storeFeed as subscriptionFeed,
  type Cache,
  type EventFeed,
  type EventStore,
  type RecordedEvent,
  type Sql,
} from '@order-engine/shared';
import { catalogProjection, productViewFromRow } from '@order-engine/shared/read-models/catalog';
import { orderViewFromRow } from '@order-engine/shared/read-models/orders';
import { describeWithService, freshName, sharedPglite } from '@order-engine/shared/testing';
import { liveProjections } from '../projections/index.js';
import { migrateReadModels } from '../read-models/migrate.js';
import { appendHistory, sampleHistory } from '../testing/sample-history.js';
import { dropReadModels, dumpReadModels } from '../testing/read-model-dump.js';
import { createProjectionRunner, type ProjectionRunner } from './runner.js';

// The writers and the runner against a real database: PGlite always, PostgreSQL when DATABASE_URL is set.

const storeFeed = (store: EventStore, batchSize = 4): EventFeed =>
  subscriptionFeed((options) => store.subscribeToAll(options), batchSize);

function projectionSpecs(openSql: () => Promise<Sql>, options: { dropSchemas: boolean }) {
  let prefix: string;
  let sql: Sql;
  const started: ProjectionRunner[] = [];

  afterEach(async () => {
    await Promise.all(started.splice(0).map((runner) => runner.stop()));
    if (options.dropSchemas && sql) await dropReadModels(sql, prefix);
  });

  async function setUp() {
    sql = await openSql();
    prefix = `${freshName('t')}_`;
    await migrateReadModels(sql, prefix);
    return { sql, prefix, store: memoryEventStore(), cache: memoryCache({ maxEntries: 1_000 }) };
  }

  /** Starts every projection, each runner with a feed of its own. */
  function runAll(feedOf: () => EventFeed, cache: Cache, runPrefix = prefix): ProjectionRunner[] {
    const runners = liveProjections.map((projection) =>
      createProjectionRunner({
        projection,
        sql,
        prefix: runPrefix,
        feed: feedOf(),
        cache,
        logger: silentLogger,
        backoff: { initialMs: 1, maxMs: 20 },
      }),
    );
    for (const runner of runners) runner.start();
    started.push(...runners);
    return runners;
  }

  const caughtUp = async (runners: readonly ProjectionRunner[], head: bigint) =>
    expect(await Promise.all(runners.map((runner) => runner.waitFor(head, 20_000)))).toEqual(runners.map(() => true));

  /** The rows a clean run over the store gives, in a prefix of their own. */
  async function reference(store: EventStore, head: bigint) {
    const cleanPrefix = `${freshName('ref')}_`;
    await migrateReadModels(sql, cleanPrefix);
    await caughtUp(
      runAll(() => storeFeed(store, 500), memoryCache({ maxEntries: 10 }), cleanPrefix),
      head,
    );
    const dump = await dumpReadModels(sql, cleanPrefix);
    if (options.dropSchemas) await dropReadModels(sql, cleanPrefix);
    return dump;
  }

  it('projects a realistic history into products, orders and daily sales, and caches the views', async () => {
    const { store, cache } = await setUp();
    const head = await appendHistory(store);
    await caughtUp(
      runAll(() => storeFeed(store), cache),
      head,
    );
    const s = readModelSchemas(prefix);

    const products = (await sql.query(`select * from ${s.catalog}.products order by sku`)).map(productViewFromRow);
    expect(products).toEqual([
      {
        sku: 'lamp',
        name: 'Desk lamp',
        category: 'lighting',
        priceCents: 2700,
        currency: 'EUR',
        onHand: 8,
        reserved: 0,
        held: 0,
        available: 8,
        status: 'active',
        revision: 6,
      },
      {
        sku: 'mug',
        name: 'Mug',
        category: 'kitchen',
        priceCents: 800,
        currency: 'EUR',
        onHand: 4,
        reserved: 2,
        held: 0,
        available: 2,
        status: 'active',
        revision: 5,
      },
      {
        sku: 'vase',
        name: 'Vase',
        category: 'home',
        priceCents: 4000,
        currency: 'EUR',
        onHand: 0,
        reserved: 0,
        held: 0,
        available: 0,
        status: 'discontinued',
        revision: 1,
      },
    ]);

    const orders = (await sql.query(`select * from ${s.orders}.orders order by order_id`)).map(orderViewFromRow);
    expect(orders.map((o) => [o.orderId, o.status, o.revision])).toEqual([
      ['o-1', 'delivered', 6],
      ['o-2', 'rejected', 1],
      ['o-3', 'cancelled', 4],
      ['o-4', 'paid', 3],
    ]);
    const delivered = orders[0]!;
    expect(delivered).toMatchObject({
      customerId: 'alice',
      totalCents: 5800,
      currency: 'EUR',
      shipment: { carrier: 'DHL', trackingNumber: 'JD0001' },
    });
    expect(delivered.lines).toEqual([
      { sku: 'lamp', quantity: 2, unitPriceCents: 2500, lineTotalCents: 5000 },
      { sku: 'mug', quantity: 1, unitPriceCents: 800, lineTotalCents: 800 },
    ]);
    expect(delivered.history.map((entry) => entry.status)).toEqual([
      'placed',
      'confirmed',
      'paid',
      'shipped',
      'delivered',
    ]);
    expect(orders[1]!.history.at(-1)).toMatchObject({ status: 'rejected', reason: 'insufficient_stock' });
    expect(orders[2]!.history.at(-1)).toMatchObject({ status: 'cancelled', reason: 'changed my mind' });

    const byCustomer = await sql.query<{ order_id: string }>(
      `select order_id from ${s.orders}.orders where customer_id = 'alice' order by placed_at desc, order_id desc`,
    );
    expect(byCustomer.map((row) => row.order_id)).toEqual(['o-3', 'o-1']);

    // o-3 was paid then cancelled: only o-1 and o-4 count, on whatever UTC day the payments were recorded.
    const sales = await sql.query<{ sku: string; units: string; revenue: string }>(
      `select sku, sum(units)::text as units, sum(revenue_cents)::text as revenue from ${s.sales}.sales_daily group by sku order by sku`,
    );
    expect(sales).toEqual([
      { sku: 'lamp', units: '2', revenue: '5000' },
      { sku: 'mug', units: '3', revenue: '2400' },
    ]);

    expect((await dumpReadModels(sql, prefix)).checkpoints).toEqual(
      liveProjections.map((p) => `${p.name}_v1@${head}`).sort(),
    );
    // Each entry carries the position of its stream's last event, as its row does.
    const positionOf = async (table: string, where: string) =>
      BigInt((await sql.query<{ p: string }>(`select position::text as p from ${table} where ${where}`))[0]!.p);
    const lampAt = await positionOf(`${s.catalog}.products`, `sku = 'lamp'`);
    const orderAt = await positionOf(`${s.orders}.orders`, `order_id = 'o-1'`);
    expect(await cache.get(`${s.catalog}:product:lamp`)).toEqual({ version: 6, value: products[0], position: lampAt });
    expect(await cache.get(`${s.orders}:order:o-1`)).toEqual({ version: 6, value: delivered, position: orderAt });
    expect(orderAt).toBe((await store.readStream('order-o-1')).at(-1)!.position);
  });

  it('reports every move of its checkpoint, in order, from the one it starts at to the head, each once its cache writes are done', async () => {
    const { store, cache } = await setUp();
    const head = await appendHistory(store);
    const [catalog] = liveProjections;
    const reported: bigint[] = [];
    const skus = ['lamp', 'mug', 'vase'];
    // At each report, the revision of each product's cached view (the memory cache answers from what it holds at the call).
    const cachedAt: Promise<(number | undefined)[]>[] = [];
    const runner = createProjectionRunner({
      projection: catalog!,
      sql,
      prefix,
      feed: storeFeed(store, 4),
      cache,
      logger: silentLogger,
      onAdvance: ({ projection, schema, position }) => {
        expect([projection, schema]).toEqual(['catalog', readModelSchemas(prefix).catalog]);
        reported.push(position);
        cachedAt.push(Promise.all(skus.map(async (sku) => (await cache.get(`${schema}:product:${sku}`))?.version)));
      },
    });
    runner.start();
    started.push(runner);
    await caughtUp([runner], head);
    // waitFor answers once the round is committed; the report follows its cache writes.
    await vi.waitFor(() => expect(reported.at(-1)).toBe(head));
    expect(reported[0]).toBe(0n); // the checkpoint read at start
    expect(reported.length).toBeGreaterThan(2);
    expect(reported.every((position, i) => i === 0 || position > reported[i - 1]!)).toBe(true);
    // What each product's revision was as of each reported position: the cache must have had exactly that.
    const events = await store.readAll();
    const revisionAt = (sku: string, position: bigint) =>
      events.filter((e) => e.streamId === `product-${sku}` && e.position <= position).at(-1)?.revision;
    const expected = reported.map((position) =>
      position === 0n ? skus.map(() => undefined) : skus.map((sku) => revisionAt(sku, position)),
    );
    expect(await Promise.all(cachedAt)).toEqual(expected);
  });

  it('gives the same rows when every batch is delivered twice', async () => {
    const { store, cache } = await setUp();
    const head = await appendHistory(store);
    const twice: EventFeed = async function* (after, signal) {
      for await (const round of storeFeed(store, 3)(after, signal)) {
        yield round;
        yield round;
      }
    };
    await caughtUp(
      runAll(() => twice, cache),
      head,
    );
    expect(await dumpReadModels(sql, prefix)).toEqual(await reference(store, head));
  });

  it('gives the same rows when the runner is stopped mid-way, restarted, and its feed crashes or rewinds', async () => {
    const { store, cache } = await setUp();
    const half = Math.floor(sampleHistory.length / 2);
    const firstHalf = await appendHistory(store, sampleHistory.slice(0, half));
    const first = runAll(() => storeFeed(store), cache);
    await caughtUp(first, firstHalf);
    await Promise.all(first.map((runner) => runner.stop()));

    const head = await appendHistory(store, sampleHistory.slice(half));
    // The restarted runner's first subscription starts over from position 0, as a Kafka consumer that lost its
    // offsets would; after that, every third batch read fails as a lost connection would.
    const crashingRewinding = (): EventFeed => {
      let subscriptions = 0;
      let delivered = 0;
      return async function* (after, signal) {
        const from = subscriptions++ === 0 ? 0n : after;
        for await (const round of storeFeed(store, 2)(from, signal)) {
          if (++delivered % 3 === 0) throw new Error('connection lost');
          yield round;
        }
      };
    };
    await caughtUp(runAll(crashingRewinding, cache), head);
    expect(await dumpReadModels(sql, prefix)).toEqual(await reference(store, head));
  });

  it('holds a stock history past 2^31 units, written before stock was bounded, with no dead letter', async () => {
    const { store, cache } = await setUp();
    const sku = 'bulk';
    const restocks = Array.from({ length: 2_200 }, () => ({
      type: 'StockAdded',
      version: 1,
      data: { sku, quantity: 1_000_000 },
    }));
    await store.append(`product-${sku}`, [
      {
        type: 'ProductRegistered',
        version: 2,
        data: { sku, name: 'Bulk', category: 'x', priceCents: 1, currency: 'EUR' },
      },
    ]);
    const head = (await store.append(`product-${sku}`, restocks)).position;
    await caughtUp(
      runAll(() => storeFeed(store, 500), cache),
      head,
    );
    const s = readModelSchemas(prefix);
    expect(
      (await sql.query(`select on_hand::text, available::text from ${s.catalog}.products where sku = $1`, [sku]))[0],
    ).toEqual({ on_hand: '2200000000', available: '2200000000' });
    expect((await dumpReadModels(sql, prefix)).dead_letters).toEqual([]);
    expect((await cache.get<{ onHand: number }>(cacheKeys.product(s.catalog, sku)))?.value.onHand).toBe(2_200_000_000);
  });

  it('widens the stock columns of a catalog table made before they were bigint', async () => {
    const { sql } = await setUp();
    const s = readModelSchemas(prefix);
    for (const column of ['on_hand', 'reserved', 'available'])
      await sql.exec(`alter table ${s.catalog}.products alter column ${column} type integer`);
    await migrateReadModels(sql, prefix);
    const types = await sql.query(
      `select column_name, data_type from information_schema.columns where table_schema = $1 and table_name = 'products'
      and column_name in ('on_hand', 'reserved', 'held', 'available') order by column_name`,
      [s.catalog],
    );
    expect(types.map((row) => `${row.column_name} ${row.data_type}`)).toEqual([
      'available bigint',
      'held bigint',
      'on_hand bigint',
      'reserved bigint',
    ]);
  });

  it('sets a poison event aside in dead_letters and projects the rest', async () => {
    const { store, cache } = await setUp();
    await appendHistory(store);
    // Cannot be decoded: an OrderPlaced without its lines.
    const undecodable = (
      await store.append('order-o-5', [{ type: 'OrderPlaced', version: 1, data: { orderId: 'o-5' } }])
    ).events[0]!;
    // Decodes, but PostgreSQL refuses a NUL character in text: the batch fails and only this event is set aside.
    const unstorable = (
      await store.append('product-bad', [
        {
          type: 'ProductRegistered',
          version: 2,
          data: { sku: 'bad', name: 'bad\u0000name', category: 'x', priceCents: 1, currency: 'EUR' },
        },
      ])
    ).events[0]!;
    const head = (
      await store.append('product-lamp', [{ type: 'StockAdded', version: 1, data: { sku: 'lamp', quantity: 1 } }])
    ).position;

    const runners = runAll(() => storeFeed(store, 500), cache);
    await caughtUp(runners, head);
    // Each projection set one event aside: the catalog the unstorable product, the others the undecodable order.
    expect(runners.map((runner) => runner.status().counters.deadLettered)).toEqual(runners.map(() => 1));
    const letter = (event: RecordedEvent, projection: string) =>
      `${projection} ${event.eventId} ${event.position} ${event.type}`;
    const dump = await dumpReadModels(sql, prefix);
    expect(dump.dead_letters).toEqual(
      [
        letter(unstorable, 'catalog_v1'),
        ...liveProjections.filter((p) => p !== catalogProjection).map((p) => letter(undecodable, `${p.name}_v1`)),
      ].sort(),
    );
    const s = readModelSchemas(prefix);
    expect(await sql.query(`select on_hand::int, revision from ${s.catalog}.products where sku = 'lamp'`)).toEqual([
      { on_hand: 9, revision: 7 },
    ]);
    expect(await sql.query(`select sku from ${s.catalog}.products where sku = 'bad'`)).toEqual([]);
    expect(dump.orders).toHaveLength(4);
    const [errorRow] = await sql.query<{ error: string }>(
      `select error from ${s.admin}.dead_letters where event_id = $1 and projection like '%orders_v1'`,
      [undecodable.eventId],
    );
    expect(errorRow!.error).toMatch(/OrderPlaced/);
  });

  it('applies a round of several Kafka partitions in one transaction, delivered twice or not, as the global feed does, and sets aside only a poison event', async () => {
    const { store, cache } = await setUp();
    await appendHistory(store);
    await store.append('product-bad', [
      {
        type: 'ProductRegistered',
        version: 2,
        data: { sku: 'bad', name: 'bad\u0000name', category: 'x', priceCents: 1, currency: 'EUR' },
      },
    ]);
    const head = (
      await store.append('product-lamp', [{ type: 'StockAdded', version: 1, data: { sku: 'lamp', quantity: 1 } }])
    ).position;
    const partitions = 3;
    const partitionOf = (streamId: string) =>
      [...streamId].reduce((sum, char) => sum + char.charCodeAt(0), 0) % partitions;
    let rounds = 0;
    // As Kafka delivers the store: each page of five events a round with one batch per partition (a watermark where
    // it has no events of the page), every round twice.
    const partitioned: EventFeed = async function* (_after, signal) {
      for await (const [page] of storeFeed(store, 5)(0n, signal)) {
        const round = Array.from({ length: partitions }, (_, partition) => ({
          events: page!.events.filter((event) => partitionOf(event.streamId) === partition),
          partition,
          through: page!.through,
        }));
        rounds += 1;
        yield round;
        yield round;
      }
    };
    let transactions = 0;
    const counting: Sql = { ...sql, transaction: (fn) => (transactions++, sql.transaction(fn)) };
    const runners = liveProjections.map((projection) =>
      createProjectionRunner({
        projection,
        sql: counting,
        prefix,
        feed: partitioned,
        feedPartitions: partitions,
        cache,
        logger: silentLogger,
        backoff: { initialMs: 1, maxMs: 20 },
      }),
    );
    for (const runner of runners) runner.start();
    started.push(...runners);
    await caughtUp(runners, head);

    const dump = await dumpReadModels(sql, prefix);
    expect({ ...dump, checkpoints: [] }).toEqual({ ...(await reference(store, head)), checkpoints: [] });
    expect(dump.dead_letters).toHaveLength(1);
    // One transaction per round and projection; a round per partition would take three. The poison event's round
    // takes a few more: its partitions one by one, the poison one split down to the event.
    expect(transactions).toBeLessThanOrEqual(rounds + 10);
  });

  describe('a process that committed a round and died before its cache writes', () => {
    const kettle = { sku: 'kettle', name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' };

    /** Runs the catalog projection over feed until it has applied head, then stops it. */
    const run = async (feed: EventFeed, cache: Cache, head: bigint) => {
      const runner = createProjectionRunner({
        projection: catalogProjection,
        sql,
        prefix,
        feed,
        cache,
        logger: silentLogger,
      });
      runner.start();
      expect(await runner.waitFor(head, 20_000)).toBe(true);
      await runner.stop();
    };
    const cachedVersion = async (cache: Cache) =>
      (await cache.get(cacheKeys.product(catalogProjection.schema(prefix), 'kettle')))?.version;

    /** Kettle registered and cached at version 0, then restocked by a run whose cache writes are lost: the row is at 1. */
    async function crashedRound() {
      const { store, cache } = await setUp();
      const registered = await store.append('product-kettle', [
        { type: 'ProductRegistered', version: 1, data: kettle },
      ]);
      await run(storeFeed(store, 1), cache, registered.position);
      const restocked = await store.append('product-kettle', [
        { type: 'StockAdded', version: 1, data: { sku: 'kettle', quantity: 5 } },
      ]);
      await run(storeFeed(store, 1), { ...cache, set: async () => true }, restocked.position);
      expect(await cachedVersion(cache)).toBe(0);
      return { store, cache, registered, restocked };
    }

    it('leaves no old entry: the runner on the event store feed starts before that round, and caches its rows again', async () => {
      const { store, cache, registered } = await crashedRound();
      const afters: bigint[] = [];
      const feed: EventFeed = (after, signal) => {
        afters.push(after);
        return storeFeed(store, 1)(after, signal);
      };
      const runner = createProjectionRunner({
        projection: catalogProjection,
        sql,
        prefix,
        feed,
        cache,
        logger: silentLogger,
      });
      runner.start();
      started.push(runner);
      // No new event comes: the restart alone mends the entry.
      await vi.waitFor(async () => expect(await cachedVersion(cache)).toBe(1), { timeout: 10_000 });
      expect(
        (await cache.get<{ onHand: number }>(cacheKeys.product(catalogProjection.schema(prefix), 'kettle')))?.value
          ?.onHand,
      ).toBe(5);
      expect(afters).toEqual([registered.position]);
    });
  });

  it('keeps projecting when the cache fails', async () => {
    const { store } = await setUp();
    const head = await appendHistory(store);
    const failing = memoryCache({ maxEntries: 10 });
    await failing.close(); // every call now rejects
    await caughtUp(
      runAll(() => storeFeed(store), failing),
      head,
    );
    expect((await dumpReadModels(sql, prefix)).products).toHaveLength(3);
  });

  it('writes the cache entries that failed once the cache answers again, with no new event', async () => {
    const { store, cache } = await setUp();
    const state = { down: false };
    const flaky: Cache = {
      ...cache,
      set: (key, entry) => (state.down ? Promise.reject(new Error('cache unreachable')) : cache.set(key, entry)),
    };
    const runner = createProjectionRunner({
      projection: catalogProjection,
      sql,
      prefix,
      feed: storeFeed(store, 1),
      cache: flaky,
      logger: silentLogger,
      cacheRetry: { retryMs: 20 },
    });
    runner.start();
    started.push(runner);
    const key = cacheKeys.product(catalogProjection.schema(prefix), 'kettle');
    await store.append('product-kettle', [
      {
        type: 'ProductRegistered',
        version: 1,
        data: { sku: 'kettle', name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' },
      },
    ]);
    await vi.waitFor(async () => expect((await cache.get(key))?.version).toBe(0));
    state.down = true;
    const restocked = await store.append('product-kettle', [
      { type: 'StockAdded', version: 1, data: { sku: 'kettle', quantity: 5 } },
    ]);
    expect(await runner.waitFor(restocked.position)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its write and a few retries fail
    expect((await cache.get(key))?.version).toBe(0);
    state.down = false;
    await vi.waitFor(async () => expect((await cache.get(key))?.version).toBe(1));
  });

  it('retries from its checkpoint after the read database drops out, losing and doubling nothing', async () => {
    const { store, cache } = await setUp();
    const head = await appendHistory(store);
    let transactions = 0;
    const flaky: Sql = {
      ...sql,
      transaction: (fn) => {
        if (++transactions % 4 === 0)
          return Promise.reject(Object.assign(new Error('connection terminated'), { retryable: true }));
        return sql.transaction(fn);
      },
    };
    const runners = liveProjections.map((projection) =>
      createProjectionRunner({
        projection,
        sql: flaky,
        prefix,
        feed: storeFeed(store, 2),
        cache,
        logger: silentLogger,
        backoff: { initialMs: 1, maxMs: 5 },
      }),
    );
    for (const runner of runners) runner.start();
    started.push(...runners);
    await caughtUp(runners, head);
    expect(await dumpReadModels(sql, prefix)).toEqual(await reference(store, head));
  });

  it('projects from the PostgreSQL event store living in the same database, as the embedded engine runs', async () => {
    const { cache } = await setUp();
    const storeSchema = freshName('es');
    const store = postgresEventStore(sql, { schema: storeSchema, pollIntervalMs: 20 });
    try {
      const head = await appendHistory(store);
      await caughtUp(
        runAll(() => storeFeed(store, 7), cache),
        head,
      );
      expect(await dumpReadModels(sql, prefix)).toEqual(await reference(store, head));
      expect((await cache.get(`${prefix}catalog_v1:product:mug`))?.version).toBe(5);
    } finally {
      await Promise.all(started.splice(0).map((runner) => runner.stop()));
      await store.close();
      if (options.dropSchemas) await sql.exec(`drop schema if exists ${storeSchema} cascade`);
    }
  });
}

describe('projections on PGlite', () => {
  projectionSpecs(sharedPglite(), { dropSchemas: false });
});

describeWithService('DATABASE_URL', 'projections on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  projectionSpecs(async () => (sql ??= pgSql(url)), { dropSchemas: true });
});

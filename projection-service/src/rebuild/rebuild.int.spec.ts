import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { NO_AUTH, cacheKeys, createLogger, pgSql, readModelSchemas, type Cache, type Sql } from '@order-engine/shared';
import { describeWithService, sharedPglite } from '@order-engine/shared/testing';
import type { ProjectionStatus } from '../admin/projection-status.js';
import { catalogProjection } from '@order-engine/shared/read-models/catalog';
import { liveProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';
import { dumpReadModels, tablesOf } from '../testing/read-model-dump.js';
import { createProjectionService } from '../service.js';
import { migrateReadModels } from '../read-models/migrate.js';
import {
  fastRebuilds,
  jobEnded,
  rebuildWorld,
  requestJson,
  schemaDropped,
  slowed,
  testLogger,
  type RebuildWorld,
} from '../testing/rebuild-world.js';

// Rebuilds over HTTP, on PGlite and on PostgreSQL: blue/green to the next version, one at a time per projection
// across instances, resumed from the checkpoint after a stop, and verified against the live version.

function rebuildSpecs(openSql: () => Promise<Sql>, options: { dropSchemas: boolean }) {
  let world: RebuildWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  const setUp = async (history?: { products: number; orders: number }) =>
    (world = await rebuildWorld(await openSql(), history, options));

  it('rebuilds every projection into its next version, switches to it, drops the old one and keeps the same rows', async () => {
    const w = await setUp();
    const cached = new Set<string>();
    const removedFeeds: string[] = [];
    const a = await w.instance({
      cache: { ...w.cache, set: (key, entry) => (cached.add(key), w.cache.set(key, entry)) } satisfies Cache,
      removeFeed: async (schema) => void removedFeeds.push(schema),
    });
    expect(await a.service.waitFor(w.head, 20_000)).toBe(true);
    const before = tablesOf(await dumpReadModels(w.sql, w.prefix));
    const oldSchemas = liveProjections.map((p) => p.schema(w.prefix, 1));
    const oldKeys = [...cached].filter((key) =>
      oldSchemas.some((schema) => key.startsWith(cacheKeys.ofVersion(schema))),
    );
    expect(new Set(oldKeys.map((key) => key.split(':')[0]))).toEqual(
      new Set(liveProjections.filter((p) => p.cacheKey).map((p) => p.schema(w.prefix, 1))),
    );

    const started = await Promise.all(
      liveProjections.map((p) => requestJson(`${a.url}/projections/${p.name}/rebuild`, { method: 'POST' })),
    );
    for (const answer of started) {
      expect(answer.status).toBe(202);
      // How much there is to do is known from the first answer on.
      expect(answer.body).toMatchObject({
        status: 'running',
        fromVersion: 1,
        targetVersion: 2,
        resumed: false,
        eventsTotal: Number(w.head),
        location: expect.stringMatching(/^\/projections\/\w+\/rebuilds\//),
      });
    }
    const ended = await Promise.all(started.map(({ body }) => jobEnded(a.url, body.projection, body.jobId)));
    for (const job of ended)
      expect(job).toMatchObject({
        status: 'done',
        eventsDone: Number(w.head),
        eventsTotal: Number(w.head),
        etaSeconds: 0,
        error: null,
      });

    const statuses = (await requestJson<ProjectionStatus[]>(`${a.url}/projections`)).body;
    expect(statuses.map(({ name, version, status, lagEvents }) => ({ name, version, status, lagEvents }))).toEqual(
      liveProjections.map((p) => ({ name: p.name, version: 2, status: 'live', lagEvents: 0 })),
    );
    for (const schema of Object.values(readModelSchemas(w.prefix)).filter((s) => !s.endsWith('projections')))
      await schemaDropped(w.sql, schema);
    // What the old versions left outside the database went with them: their cache entries and their feeds' leftovers.
    for (const key of oldKeys) expect(await w.cache.get(key)).toBeUndefined();
    expect(removedFeeds.sort()).toEqual(oldSchemas.sort());
    const after = await dumpReadModels(w.sql, w.prefix);
    expect(tablesOf(after)).toEqual(before);
    expect(after.checkpoints).toEqual(liveProjections.map((p) => `${p.name}_v2@${w.head}`).sort());

    // The live runners moved to v2: new events land there.
    const appended = await w.store.append('product-sku-0', [
      { type: 'StockAdded', version: 1, data: { sku: 'sku-0', quantity: 7 } },
    ]);
    expect(await a.service.waitFor(appended.position, 10_000)).toBe(true);
    expect(a.service.runners.map((runner) => runner.key)).toEqual(liveProjections.map((p) => p.schema(w.prefix, 2)));
    // The rebuild cached nothing, so the v2 runners had no cache writes to redo: only the new event's row was cached.
    expect([...cached].filter((key) => !oldKeys.includes(key))).toEqual([
      cacheKeys.product(catalogProjection.schema(w.prefix, 2), 'sku-0'),
    ]);
  });

  it('rebuilds from a service that was not started without starting its live runners', async () => {
    const w = await setUp({ products: 4, orders: 20 });
    // A script's service: it rebuilds, but nothing of it follows the switch (no runner catches up meanwhile).
    const service = createProjectionService({
      access: NO_AUTH,
      eventStore: w.store,
      readDb: w.sql,
      cache: w.cache,
      prefix: w.prefix,
      logger: testLogger,
      rebuild: fastRebuilds,
    });
    try {
      await migrateReadModels(w.sql, w.prefix);
      const { job } = await service.rebuilds.request('catalog', { verify: false });
      await service.rebuilds.settled(job.id);
      expect(await service.rebuilds.find(job.id)).toMatchObject({ status: 'done', targetVersion: 2 });
      expect(service.runners).toEqual([]);
    } finally {
      await service.stop();
    }
  });

  it('keeps a retired version until its cache entries are deleted, then drops it', async () => {
    const w = await setUp({ products: 6, orders: 20 });
    let cacheUp = false;
    let attempts = 0;
    const removedFeeds: string[] = [];
    const lines: Record<string, unknown>[] = [];
    const a = await w.instance({
      cache: {
        ...w.cache,
        deleteWithPrefix: (prefix) => (
          attempts++,
          cacheUp ? w.cache.deleteWithPrefix(prefix) : Promise.reject(new Error('cache down'))
        ),
      } satisfies Cache,
      removeFeed: async (schema) => void removedFeeds.push(schema),
      logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Record<string, unknown>)),
    });
    const leftoverLines = (level: string) =>
      lines.filter((line) => line.level === level && String(line.msg).includes('left outside its schema'));
    expect(await a.service.waitFor(w.head, 20_000)).toBe(true);
    const old = catalogProjection.schema(w.prefix, 1);
    const productKey = cacheKeys.product(old, 'sku-0');
    expect(await w.cache.get(productKey)).toBeDefined();
    const started = await requestJson(`${a.url}/projections/catalog/rebuild`, { method: 'POST' });
    expect((await jobEnded(a.url, 'catalog', started.body.jobId)).status).toBe('done');

    // The janitor comes round (every 50 ms, once the 400 ms grace is over) and leaves the version as it is.
    await expect.poll(() => attempts, { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    expect((await w.sql.query('select 1 from pg_namespace where nspname = $1', [old])).length).toBe(1);
    expect(await w.cache.get(productKey)).toBeDefined();
    expect(removedFeeds).toEqual([]);
    // Warned once, not every round.
    expect(leftoverLines('warn')).toEqual([expect.objectContaining({ schema: old, error: 'cache down' })]);

    cacheUp = true;
    await schemaDropped(w.sql, old);
    expect(await w.cache.get(productKey)).toBeUndefined();
    expect(removedFeeds).toEqual([old]);
    expect(leftoverLines('info')).toEqual([expect.objectContaining({ schema: old })]);
  });

  it('answers 409 to a second rebuild of a projection while one runs, from another instance on the same database', async () => {
    const w = await setUp({ products: 12, orders: 100 });
    const slowOrders = [liveProjections[0]!, slowed(liveProjections[1]!, 30), liveProjections[2]!];
    const [a, b] = [await w.instance({ projections: slowOrders }), await w.instance()];
    const first = await requestJson(`${a.url}/projections/orders/rebuild`, { method: 'POST' });
    expect(first.status).toBe(202);
    const second = await requestJson(`${b.url}/projections/orders/rebuild`, { method: 'POST' });
    expect(second.status).toBe(409);
    expect(second.body).toMatchObject({ type: '/problems/rebuild-running', jobId: first.body.jobId });
    expect((await requestJson(`${a.url}/projections/orders/rebuild`, { method: 'POST' })).status).toBe(409);
    // Other projections rebuild meanwhile.
    expect((await requestJson(`${b.url}/projections/catalog/rebuild`, { method: 'POST' })).status).toBe(202);

    const rebuilding = (await requestJson<ProjectionStatus[]>(`${b.url}/projections`)).body.find(
      (s) => s.name === 'orders',
    )!;
    expect(rebuilding).toMatchObject({
      version: 1,
      status: 'rebuilding',
      rebuild: { jobId: first.body.jobId, targetVersion: 2, schema: `${w.prefix}orders_v2`, stale: false },
    });
    expect(rebuilding.rebuild!.eventsTotal).toBe(Number(w.head));
    expect(rebuilding.rebuild!.eventsDone).toBeLessThan(Number(w.head));

    await jobEnded(a.url, 'orders', first.body.jobId);
    const third = await requestJson(`${b.url}/projections/orders/rebuild`, { method: 'POST' });
    expect(third.body).toMatchObject({ fromVersion: 2, targetVersion: 3 });
    expect((await jobEnded(b.url, 'orders', third.body.jobId)).status).toBe('done');
    // Instance a follows the switches b made: its runner is on v3.
    await expect.poll(() => a.service.runners.find((r) => r.projection.name === 'orders')?.version).toBe(3);
  });

  it('resumes a rebuild stopped half-way from its checkpoint, in another instance, with the rows of a clean rebuild', async () => {
    const w = await setUp({ products: 12, orders: 150 });
    const a = await w.instance({
      projections: liveProjections.map((p) => (p.name === 'orders' ? slowed(p, 20) : p)),
    });
    expect(await a.service.waitFor(w.head, 30_000)).toBe(true);
    const before = tablesOf(await dumpReadModels(w.sql, w.prefix));
    const { body } = await requestJson(`${a.url}/projections/orders/rebuild`, { method: 'POST' });
    await expect
      .poll(async () => (await requestJson(`${a.url}/projections/orders/rebuilds/${body.jobId}`)).body.eventsDone, {
        timeout: 20_000,
        interval: 5,
      })
      .toBeGreaterThan(0);
    await a.stop();
    const [halfway] = await w.sql.query<{ status: string; checkpoint: string }>(
      `select status, (select position::text from ${w.prefix}projections.checkpoints where projection = $2) as checkpoint
       from ${w.prefix}projections.rebuild_jobs where id = $1`,
      [body.jobId, `${w.prefix}orders_v2`],
    );
    expect(halfway!.status).toBe('running');
    expect(BigInt(halfway!.checkpoint)).toBeLessThan(w.head);

    // A new instance picks the job up when it starts (a stopped job is released at once; a killed one after staleAfterMs).
    const b = (await w.instance()).url;
    const done = await jobEnded(b, 'orders', body.jobId);
    expect(done).toMatchObject({ status: 'done', targetVersion: 2 });
    expect(tablesOf(await dumpReadModels(w.sql, w.prefix))).toEqual(before);
  });

  it('sets an undecodable event aside in the rebuilt version and rebuilds the rest', async () => {
    const w = await setUp();
    // An OrderPlaced without its lines, between the generated history and one more order event after it.
    const undecodable = (
      await w.store.append('order-poison', [{ type: 'OrderPlaced', version: 1, data: { orderId: 'poison' } }])
    ).events[0]!;
    const head = (
      await w.store.append('order-order-0', [{ type: 'OrderDelivered', version: 1, data: { orderId: 'order-0' } }])
    ).position;
    const a = await w.instance();
    expect(await a.service.waitFor(head, 20_000)).toBe(true);
    const before = await dumpReadModels(w.sql, w.prefix);

    const { body } = await requestJson(`${a.url}/projections/orders/rebuild`, { method: 'POST' });
    expect(await jobEnded(a.url, 'orders', body.jobId)).toMatchObject({ status: 'done', eventsDone: Number(head) });
    const after = await dumpReadModels(w.sql, w.prefix);
    expect(after.orders).toEqual(before.orders);
    expect(after.dead_letters?.filter((letter) => letter.startsWith('orders_v2 '))).toEqual([
      `orders_v2 ${undecodable.eventId} ${undecodable.position} OrderPlaced`,
    ]);
  });

  it('reports no differences for an identical rebuild, and the differing rows for a changed projection', async () => {
    const w = await setUp();
    const a = await w.instance();
    expect(await a.service.waitFor(w.head, 20_000)).toBe(true);
    const same = await requestJson(`${a.url}/projections/catalog/rebuild?verify=true`, { method: 'POST' });
    const report = (await jobEnded(a.url, 'catalog', same.body.jobId)).result as {
      verify: { identical: boolean; exact: boolean; tables: { table: string; differing: number; liveRows: number }[] };
    };
    expect(report.verify).toMatchObject({
      identical: true,
      exact: true,
      tables: [{ table: 'products', differing: 0, liveRows: 12 }],
    });
    await a.stop();

    // A new release names products in capitals: its rebuild differs from the live rows on every product's name.
    const shouting: Projection = {
      ...catalogProjection,
      apply: (tx, schema, events) =>
        catalogProjection.apply(
          tx,
          schema,
          events.map((event) =>
            event.type === 'ProductRegistered'
              ? { ...event, data: { ...event.data, name: event.data.name.toUpperCase() } }
              : event,
          ),
        ),
    };
    const b = await w.instance({ projections: [shouting, ...liveProjections.slice(1)] });
    const changed = await requestJson(`${b.url}/projections/catalog/rebuild`, {
      method: 'POST',
      body: { verify: true },
    });
    const job = await jobEnded(b.url, 'catalog', changed.body.jobId);
    const { verify } = job.result as {
      verify: {
        identical: boolean;
        tables: {
          differing: number;
          samples: { key: { sku: string }; live: { name: string }; rebuilt: { name: string } }[];
        }[];
      };
    };
    expect(verify.identical).toBe(false);
    expect(verify.tables[0]!.differing).toBe(12);
    expect(verify.tables[0]!.samples[0]).toMatchObject({
      key: { sku: 'sku-0' },
      live: { name: 'Product 0' },
      rebuilt: { name: 'PRODUCT 0' },
    });
  });

  it('answers 404 problems for an unknown projection, job or dead letter, and 400 for a malformed one', async () => {
    const w = await setUp({ products: 2, orders: 2 });
    const { url } = await w.instance();
    expect((await requestJson(`${url}/projections/nope/rebuild`, { method: 'POST' })).status).toBe(400);
    expect((await requestJson(`${url}/projections/catalog/rebuilds/00000000-0000-4000-8000-000000000000`)).status).toBe(
      404,
    );
    expect((await requestJson(`${url}/projections/catalog/dead-letters/99/retry`, { method: 'POST' })).status).toBe(
      404,
    );
    expect((await requestJson(`${url}/projections/catalog/dead-letters/x/retry`, { method: 'POST' })).status).toBe(400);
    expect((await requestJson(`${url}/projections/catalog/rebuild?verify=maybe`, { method: 'POST' })).status).toBe(400);
  });
}

describe('rebuilds on PGlite', () => {
  rebuildSpecs(sharedPglite(), { dropSchemas: false });
});

describeWithService('DATABASE_URL', 'rebuilds on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  rebuildSpecs(async () => (sql ??= pgSql(url)), { dropSchemas: true });
});

import { afterAll, afterEach, describe, expect, it } from 'vitest';
import {
  NO_AUTH,
  listen,
  memoryCache,
  memoryEventStore,
  pgSql,
  readModelSchemas,
  type RunningServer,
  type Sql,
} from '@order-engine/shared';
import { describeWithService, freshName, sharedPglite } from '@order-engine/shared/testing';
import { catalogProjection } from '@order-engine/shared/read-models/catalog';
import { liveProjections } from '../projections/index.js';
import type { Projection } from '../projections/projection.js';
import { createProjectionService, type ProjectionService } from '../service.js';
import { dropReadModels, dumpReadModels, tablesOf } from '../testing/read-model-dump.js';
import { fastRebuilds, jobEnded, requestJson, schemaDropped, testLogger } from '../testing/rebuild-world.js';
import { appendHistory } from '../testing/sample-history.js';

// A projection whose handler fails for one event type sets those events aside and projects the rest; once the
// handler is fixed, retrying a dead letter applies it (re-folding its stream, so the events after it still count).

function deadLetterSpecs(openSql: () => Promise<Sql>, options: { dropSchemas: boolean }) {
  const prefixes: string[] = [];
  let running: { server: RunningServer; service: ProjectionService }[] = [];
  afterEach(async () => {
    for (const { server, service } of running) await server.close().then(() => service.stop());
    running = [];
    if (options.dropSchemas) for (const prefix of prefixes.splice(0)) await dropReadModels(await openSql(), prefix);
  });

  async function start(projections: readonly Projection[], store = memoryEventStore()) {
    const sql = await openSql();
    const prefix = `${freshName('d')}_`;
    prefixes.push(prefix);
    const cache = memoryCache({ maxEntries: 100 });
    const service = createProjectionService({
      access: NO_AUTH,
      eventStore: store,
      readDb: sql,
      cache,
      prefix,
      logger: testLogger,
      projections,
      rebuild: fastRebuilds,
      backoff: { initialMs: 5, maxMs: 50 },
    });
    await service.start();
    const server = await listen(service.app, { host: '127.0.0.1', port: 0 });
    running.push({ server, service });
    return { sql, prefix, cache, service, store, url: server.url };
  }

  /** The service with a catalog projection whose PriceChanged handler fails until fixed, over the sample history. */
  async function startBroken() {
    const state = { broken: true };
    const breakable: Projection = {
      ...catalogProjection,
      async apply(tx, schema, events) {
        if (state.broken && events.some((event) => event.type === 'PriceChanged'))
          throw new Error('the PriceChanged handler is broken');
        return catalogProjection.apply(tx, schema, events);
      },
    };
    const started = await start([breakable, ...liveProjections.slice(1)]);
    await appendHistory(started.store);
    // lamp's price change is followed by more lamp events: the retry must not lose them, nor they hide the retry.
    const head = (
      await started.store.append('product-lamp', [
        { type: 'StockAdded', version: 1, data: { sku: 'lamp', quantity: 5 } },
      ])
    ).position;
    expect(await started.service.waitFor(head, 20_000)).toBe(true);
    return { ...started, head, fix: () => (state.broken = false) };
  }

  it('dead-letters the events a handler fails on, projects the rest, and applies them on retry once fixed', async () => {
    const { sql, prefix, cache, store, url, head, fix } = await startBroken();

    const letters = (await requestJson(`${url}/projections/catalog/dead-letters`)).body.items;
    expect(letters).toEqual([
      expect.objectContaining({
        schema: `${prefix}catalog_v1`,
        eventType: 'PriceChanged',
        error: 'the PriceChanged handler is broken',
      }),
    ]);
    expect((await requestJson(`${url}/projections/orders/dead-letters`)).body.items).toEqual([]);
    // Filters: by event type, and by a piece of the error in any case (matched as text, `%` and all).
    const listed = async (query: string) =>
      (await requestJson(`${url}/projections/catalog/dead-letters?${query}`)).body.items.length;
    expect(await listed('eventType=PriceChanged&error=HANDLER IS')).toBe(1);
    expect(await listed('eventType=StockAdded')).toBe(0);
    expect(await listed('error=handler%25broken')).toBe(0);
    expect((await requestJson(`${url}/projections/catalog/dead-letters?colour=red`)).status).toBe(400);
    // One letter in full: the event it names, as recorded.
    const detail = await requestJson(`${url}/projections/catalog/dead-letters/${letters[0].id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toEqual({
      ...letters[0],
      event: expect.objectContaining({
        eventId: letters[0].eventId,
        position: letters[0].position,
        streamId: 'product-lamp',
        type: 'PriceChanged',
        data: expect.objectContaining({ sku: 'lamp' }),
        metadata: expect.any(Object),
      }),
    });
    expect((await requestJson(`${url}/projections/catalog/dead-letters/999999`)).status).toBe(404);
    expect((await requestJson(`${url}/projections/orders/dead-letters/${letters[0].id}`)).status).toBe(404);
    const lamp = async () =>
      (
        await sql.query<{ price_cents: string; on_hand: number; revision: number }>(
          `select price_cents::text, on_hand::int, revision from ${readModelSchemas(prefix).catalog}.products where sku = 'lamp'`,
        )
      )[0];
    expect(await lamp()).toEqual({ price_cents: '2500', on_hand: 13, revision: 7 });
    expect((await dumpReadModels(sql, prefix)).orders).toHaveLength(4);

    // The rebuild meets the same failure: its version keeps its own letter, and the old version's go with it.
    const { body: job } = await requestJson(`${url}/projections/catalog/rebuild`, { method: 'POST' });
    expect(await jobEnded(url, 'catalog', job.jobId)).toMatchObject({ status: 'done' });
    await schemaDropped(sql, `${prefix}catalog_v1`);
    const [letter] = (await requestJson(`${url}/projections/catalog/dead-letters`)).body.items;
    expect(letter).toMatchObject({
      schema: `${prefix}catalog_v2`,
      eventType: 'PriceChanged',
      eventId: letters[0].eventId,
    });

    const stillBroken = await requestJson(`${url}/projections/catalog/dead-letters/${letter.id}/retry`, {
      method: 'POST',
    });
    expect(stillBroken).toMatchObject({
      status: 422,
      body: { type: '/problems/dead-letter-still-failing', detail: 'the PriceChanged handler is broken' },
    });
    expect((await requestJson(`${url}/projections/catalog/dead-letters`)).body.items).toHaveLength(1);

    fix();
    const retried = await requestJson(`${url}/projections/catalog/dead-letters/${letter.id}/retry`, { method: 'POST' });
    expect(retried).toMatchObject({
      status: 200,
      body: { retried: true, resolved: [letter.id], streamId: 'product-lamp' },
    });
    expect((await requestJson(`${url}/projections/catalog/dead-letters`)).body.items).toEqual([]);
    const schema = `${prefix}catalog_v2`;
    expect(
      (
        await sql.query(`select price_cents::text, on_hand::int, revision from ${schema}.products where sku = 'lamp'`)
      )[0],
    ).toEqual({ price_cents: '2700', on_hand: 13, revision: 7 });
    expect((await cache.get(`${schema}:product:lamp`))?.value).toMatchObject({ priceCents: 2700, revision: 7 });
    expect(
      (await requestJson(`${url}/projections/catalog/dead-letters/${letter.id}/retry`, { method: 'POST' })).status,
    ).toBe(404);

    // Everything now equals a clean run of the fixed projection.
    const clean = await start(liveProjections, store);
    expect(await clean.service.waitFor(head, 20_000)).toBe(true);
    expect(tablesOf(await dumpReadModels(sql, prefix))).toEqual(tablesOf(await dumpReadModels(sql, clean.prefix)));
  });

  it('replaces the cached view of the re-folded stream, although its revision stays the same', async () => {
    const { prefix, cache, url, fix } = await startBroken();
    const key = `${prefix}catalog_v1:product:lamp`;
    expect((await cache.get(key))?.value).toMatchObject({ priceCents: 2500, revision: 7 });
    fix();
    const [letter] = (await requestJson(`${url}/projections/catalog/dead-letters`)).body.items;
    expect(
      (await requestJson(`${url}/projections/catalog/dead-letters/${letter.id}/retry`, { method: 'POST' })).status,
    ).toBe(200);
    expect((await cache.get(key))?.value).toMatchObject({ priceCents: 2700, revision: 7 });
  });
}

describe('dead letters on PGlite', () => {
  deadLetterSpecs(sharedPglite(), { dropSchemas: false });
});

describeWithService('DATABASE_URL', 'dead letters on PostgreSQL', (url) => {
  let sql: Sql | undefined;
  afterAll(async () => {
    await sql?.close();
  });
  deadLetterSpecs(async () => (sql ??= pgSql(url)), { dropSchemas: true });
});

import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { anOrder, aProduct, describeOnReadDbs, insertOrder, insertProduct, setCheckpoint } from '../testing/index.js';

const after = (ms: number, fn: () => Promise<void>) => sleep(ms).then(fn);

describeOnReadDbs(
  'read-your-writes (X-Min-Position)',
  (fixture) => {
    it('waits until the projection passes the position, then reads PostgreSQL past the cache and refreshes it', async () => {
      const f = fixture();
      const before = aProduct({ sku: 'HAM-1', priceCents: 1_000, revision: 1 });
      const written = aProduct({ sku: 'HAM-1', priceCents: 1_500, revision: 2 });
      await insertProduct(f.db, f.schemas.catalog, before, 5n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 5n);
      await f.cache.set(`${f.schemas.catalog}:product:HAM-1`, { version: 1, value: before });

      const started = Date.now();
      const [answer] = await Promise.all([
        f.get('/products/HAM-1', { 'X-Min-Position': '7' }),
        // The projection applies the write (position 7) a little later: row and checkpoint in one transaction.
        after(150, () =>
          f.db.transaction(async (tx) => {
            await insertProduct(tx, f.schemas.catalog, written, 7n);
            await setCheckpoint(tx, f.schemas.admin, f.schemas.catalog, 7n);
          }),
        ),
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(answer.status).toBe(200);
      expect(answer.body).toEqual(written);
      expect(answer.headers.get('x-read-position')).toBe('7');
      expect(answer.headers.get('x-stale')).toBeNull();
      expect(answer.headers.get('x-cache')).toBe('bypass');
      expect(await f.cache.get(`${f.schemas.catalog}:product:HAM-1`)).toEqual({ version: 2, value: written });
      expect((await f.get('/health')).body.cache).toEqual({ hits: 0, misses: 0 });
    });

    it("answers from the entity's cached entry once it carries the position, however far behind the checkpoint is", async () => {
      const f = fixture();
      const key = `${f.schemas.catalog}:product:HAM-1`;
      const inTable = aProduct({ sku: 'HAM-1', priceCents: 1_000, revision: 1 });
      const cached = aProduct({ sku: 'HAM-1', priceCents: 1_500, revision: 2 });
      await insertProduct(f.db, f.schemas.catalog, inTable, 5n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 5n);
      await f.cache.set(key, { version: 2, value: cached, position: 9n });
      // The checkpoint says 5: only the entry's own position can answer 9, at once and not stale.
      const answer = await f.get('/products/HAM-1', { 'X-Min-Position': '7' });
      expect([
        answer.status,
        answer.headers.get('x-read-position'),
        answer.headers.get('x-stale'),
        answer.headers.get('x-cache'),
      ]).toEqual([200, '9', null, 'hit']);
      expect(answer.body).toEqual(cached);

      // An entry behind the position does not answer: the read waits for the checkpoint, then takes the entry that
      // got there meanwhile (the table still holds revision 1, so the answer can only have come from the cache).
      const later = aProduct({ sku: 'HAM-1', priceCents: 2_000, revision: 3 });
      const [waited] = await Promise.all([
        f.get('/products/HAM-1', { 'X-Min-Position': '12' }),
        after(100, async () => {
          await f.cache.set(key, { version: 3, value: later, position: 12n });
          await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 12n);
        }),
      ]);
      expect([
        waited.status,
        waited.headers.get('x-read-position'),
        waited.headers.get('x-stale'),
        waited.headers.get('x-cache'),
      ]).toEqual([200, '12', null, 'hit']);
      expect(waited.body).toEqual(later);
    });

    it('answers at once when the projection is already there', async () => {
      const f = fixture();
      await insertProduct(f.db, f.schemas.catalog, aProduct({ sku: 'HAM-1' }), 3n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 12n);
      const { status, headers } = await f.get('/products/HAM-1', { 'X-Min-Position': '12' });
      expect([status, headers.get('x-read-position'), headers.get('x-stale')]).toEqual([200, '12', null]);
      // Position 0 is "before everything": a projection without a checkpoint row has passed it.
      const none = await f.get('/orders/ORD-1', { 'X-Min-Position': '0' });
      expect([none.status, none.headers.get('x-read-position'), none.headers.get('x-stale')]).toEqual([404, '0', null]);
    });

    it('with checkpoints reported by runners in process, answers as soon as the live version reports the position', async () => {
      const f = fixture();
      await f.restart({ checkpointPollMs: 60_000 });
      const product = aProduct({ sku: 'HAM-1', revision: 2 });
      await insertProduct(f.db, f.schemas.catalog, product, 7n);
      // The table says 5; only the reports say 7, so an answer at 7 can only have come from them.
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 5n);
      f.service.checkpointAdvanced({ projection: 'catalog', schema: f.schemas.catalog, position: 6n });
      const started = Date.now();
      const [answer] = await Promise.all([
        f.get('/products/HAM-1', { 'X-Min-Position': '7' }),
        after(100, async () => {
          // A version that is not live (a rebuild's) reports a position: no answer from it.
          f.service.checkpointAdvanced({ projection: 'catalog', schema: `${f.schemas.catalog}_rebuilt`, position: 9n });
          await sleep(100);
          f.service.checkpointAdvanced({ projection: 'catalog', schema: f.schemas.catalog, position: 7n });
        }),
      ]);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(Date.now() - started).toBeLessThan(2_000);
      expect([answer.status, answer.headers.get('x-read-position'), answer.headers.get('x-stale')]).toEqual([
        200,
        '7',
        null,
      ]);
      expect(answer.body).toEqual(product);
    });

    it('with a cache that keeps up with the reports, serves a read that waited for its position from the cache', async () => {
      const f = fixture();
      await f.restart({ checkpointPollMs: 60_000, cacheKeepsUpWithReports: true });
      const inTable = aProduct({ sku: 'HAM-1', priceCents: 1_000, revision: 1 });
      const cached = aProduct({ sku: 'HAM-1', priceCents: 1_500, revision: 2 });
      await insertProduct(f.db, f.schemas.catalog, inTable, 5n);
      f.service.checkpointAdvanced({ projection: 'catalog', schema: f.schemas.catalog, position: 5n });
      const answering = f.get('/products/HAM-1', { 'X-Min-Position': '7' });
      // As a runner does it: the cache first, then the report.
      await sleep(50);
      await f.cache.set(`${f.schemas.catalog}:product:HAM-1`, { version: 2, value: cached, position: 6n });
      f.service.checkpointAdvanced({ projection: 'catalog', schema: f.schemas.catalog, position: 7n });
      const answer = await answering;
      expect([answer.status, answer.headers.get('x-read-position'), answer.headers.get('x-cache')]).toEqual([
        200,
        '7',
        'hit',
      ]);
      expect(answer.body).toEqual(cached);
    });

    it('with a cache that keeps up with the reports, does not take an entry filled from PostgreSQL for one the projection wrote', async () => {
      const f = fixture();
      await f.restart({ checkpointPollMs: 60_000, cacheKeepsUpWithReports: true });
      const filled = aProduct({ sku: 'HAM-1', priceCents: 1_000, revision: 1 });
      const inTable = aProduct({ sku: 'HAM-1', priceCents: 1_500, revision: 2 });
      // An earlier read's fill (no position) landed after the projection's entry for revision 2 was evicted.
      await f.cache.set(`${f.schemas.catalog}:product:HAM-1`, { version: 1, value: filled });
      await insertProduct(f.db, f.schemas.catalog, inTable, 7n);
      f.service.checkpointAdvanced({ projection: 'catalog', schema: f.schemas.catalog, position: 7n });
      const answer = await f.get('/products/HAM-1', { 'X-Min-Position': '7' });
      expect([answer.status, answer.headers.get('x-read-position'), answer.headers.get('x-cache')]).toEqual([
        200,
        '7',
        'bypass',
      ]);
      expect(answer.body).toEqual(inTable);
      // The read put the newer version in the cache.
      expect((await f.cache.get(`${f.schemas.catalog}:product:HAM-1`))?.version).toBe(2);
    });

    it('answers what there is, marked stale, when the projection does not get there in time', async () => {
      const f = fixture();
      await f.restart({ readYourWritesTimeoutMs: 150 });
      const product = aProduct({ sku: 'HAM-1' });
      await insertProduct(f.db, f.schemas.catalog, product, 5n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 5n);
      const started = Date.now();
      const { status, headers, body } = await f.get('/products/HAM-1', { 'X-Min-Position': '9' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(status).toBe(200);
      expect(body).toEqual(product);
      expect([headers.get('x-stale'), headers.get('x-read-position')]).toEqual(['true', '5']);

      const missing = await f.get('/products/NEW-1', { 'X-Min-Position': '9' });
      expect([missing.status, missing.headers.get('x-stale'), missing.headers.get('x-read-position')]).toEqual([
        404,
        'true',
        '5',
      ]);
    });

    it('waits for the projection each route reads: catalog, orders or sales', async () => {
      const f = fixture();
      await f.restart({ readYourWritesTimeoutMs: 100 });
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.catalog, 10n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.orders, 4n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.sales, 8n);
      const stale = async (path: string) => {
        const { status, headers } = await f.get(path, { 'X-Min-Position': '8' });
        expect(status).toBe(200);
        return [headers.get('x-read-position'), headers.get('x-stale')];
      };
      expect(await stale('/products')).toEqual(['10', null]);
      expect(await stale('/customers/C1/orders')).toEqual(['4', 'true']);
      expect(await stale('/stats/sales?from=2026-01-01&to=2026-01-31')).toEqual(['8', null]);
    });

    it('releases many waiting requests with one checkpoint advance', async () => {
      const f = fixture();
      await insertOrder(f.db, f.schemas.orders, anOrder({ orderId: 'ORD-1', customerId: 'C1', revision: 0 }), 1n);
      await setCheckpoint(f.db, f.schemas.admin, f.schemas.orders, 1n);
      const paid = anOrder({ orderId: 'ORD-1', customerId: 'C1', status: 'paid', revision: 3 });
      const answers = Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          f.get(i % 2 ? '/orders/ORD-1' : '/customers/C1/orders', { 'X-Min-Position': '4' }),
        ),
      );
      await sleep(100);
      await f.db.transaction(async (tx) => {
        await insertOrder(tx, f.schemas.orders, paid, 4n);
        await setCheckpoint(tx, f.schemas.admin, f.schemas.orders, 4n);
      });
      for (const [i, answer] of (await answers).entries()) {
        expect([answer.status, answer.headers.get('x-read-position'), answer.headers.get('x-stale')]).toEqual([
          200,
          '4',
          null,
        ]);
        expect(i % 2 ? answer.body : answer.body.items[0]).toEqual(paid);
      }
      expect(await f.cache.get(`${f.schemas.orders}:order:ORD-1`)).toEqual({ version: 3, value: paid });
    });

    it('on Kafka, waits until every partition of the projection has passed the position', async () => {
      const f = fixture();
      await f.restart({ feedPartitions: 3, readYourWritesTimeoutMs: 2_000 });
      const catalog = f.schemas.catalog;
      // A global row (from an embedded run before) and two partitions past 9 say nothing about partition 2.
      await setCheckpoint(f.db, f.schemas.admin, catalog, 50n);
      await setCheckpoint(f.db, f.schemas.admin, `${catalog}#p0`, 12n);
      await setCheckpoint(f.db, f.schemas.admin, `${catalog}#p1`, 9n);
      const product = aProduct({ sku: 'HAM-1', revision: 1 });
      await insertProduct(f.db, catalog, product, 8n);
      const [answer] = await Promise.all([
        f.get('/products/HAM-1', { 'X-Min-Position': '9' }),
        after(100, () => setCheckpoint(f.db, f.schemas.admin, `${catalog}#p2`, 10n)),
      ]);
      expect([answer.status, answer.headers.get('x-read-position'), answer.headers.get('x-stale')]).toEqual([
        200,
        '9',
        null,
      ]);

      await f.restart({ feedPartitions: 3, readYourWritesTimeoutMs: 100 });
      const stale = await f.get('/products/HAM-1', { 'X-Min-Position': '10' });
      expect([stale.headers.get('x-read-position'), stale.headers.get('x-stale')]).toEqual(['9', 'true']);
    });

    it('answers 400 for a malformed X-Min-Position, on every route', async () => {
      const f = fixture();
      const values = ['abc', '-1', '1.5', '0x10', '1e3', '', '9223372036854775808', '12345678901234567890', '5, 6'];
      for (const path of ['/products', '/products/HAM-1', '/orders/ORD-1', '/customers/C1/orders', '/stats/sales']) {
        for (const value of values) {
          const { status, headers, body } = await f.get(path, { 'X-Min-Position': value });
          expect({ path, value, status }).toEqual({ path, value, status: 400 });
          expect(headers.get('content-type')).toMatch(/^application\/problem\+json/);
          expect(body).toMatchObject({
            status: 400,
            type: '/problems/invalid-min-position',
            errors: [{ path: 'header.x-min-position' }],
          });
        }
      }
      expect((await f.get('/products', { 'X-Min-Position': '9223372036854775807' })).headers.get('x-stale')).toBe(
        'true',
      );
    });
  },
  { readYourWritesTimeoutMs: 2_000 },
);

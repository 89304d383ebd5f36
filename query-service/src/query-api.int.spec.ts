import { encodeEvent, memoryEventStore, type OrderEvent } from '@order-engine/shared';
import { customersProjection } from '@order-engine/shared/read-models/customers';
import { eventRecorder } from '@order-engine/shared/testing';
import { expect, it } from 'vitest';
import { placed, registered, stockAdded } from './history/testing/domain-events.js';
import { queryApi } from './query-api.js';
import { answerChecks } from './testing/api-answers.js';
import {
  aProduct,
  anOrder,
  describeOnReadDbs,
  insertOrder,
  insertProduct,
  insertSalesDay,
  setCheckpoint,
  type QueryFixture,
} from './testing/index.js';

// Real answers of every query route, over HTTP, against the query API's own description: each status is documented,
// each header the answer carries is declared, and each body fits its schema (closed: no field the schema lacks).

const checks = answerChecks(queryApi());
// HTTP's own headers, which no description declares.
const generic = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive', 'etag', 'vary']);
generic.add('transfer-encoding').add('cache-control');

async function expectDescribed(f: QueryFixture, route: string, path: string, headers: Record<string, string> = {}) {
  const answer = await fetch(`${f.url}${path}`, { headers });
  const text = await answer.text();
  const declared = checks.headers('get', route, answer.status);
  const undeclared = [...answer.headers.keys()].filter((name) => !generic.has(name) && !declared.has(name));
  expect(undeclared, `${path} ${answer.status}`).toEqual([]);
  const mediaType = answer.headers.get('content-type')!.split(';')[0]!;
  const bodies = mediaType === 'application/x-ndjson' ? text.trimEnd().split('\n') : [text];
  for (const body of bodies) {
    const errors = mediaType.endsWith('json')
      ? checks.body('get', route, answer.status, JSON.parse(body), mediaType)
      : [];
    expect(errors, `${path} ${answer.status}`).toEqual([]);
  }
  return { status: answer.status, headers: answer.headers, text };
}

const customerEvents: OrderEvent[] = [
  placed('o-1', 'SKU-1', 2, 1_250),
  { type: 'OrderConfirmed', data: { orderId: 'o-1' } },
  { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: 2_500, currency: 'EUR' } },
];

describeOnReadDbs('the query API description, against real answers', (fixture) => {
  it('fits the read-model routes: views, pages, the sales report, 404s, and reads that waited', async () => {
    const f = fixture();
    await insertProduct(f.db, f.schemas.catalog, aProduct());
    await insertProduct(
      f.db,
      f.schemas.catalog,
      aProduct({ sku: 'SKU-2', status: 'discontinued', onHand: 0, reserved: 0 }),
    );
    const at = '2026-01-15T10:00:00.000Z';
    const shipped = anOrder({
      status: 'shipped',
      shipment: { carrier: 'DHL', trackingNumber: 'T-1' },
      history: ['placed', 'confirmed', 'paid', 'shipped'].map((status) => ({ status, at }) as never),
      revision: 5,
    });
    await insertOrder(f.db, f.schemas.orders, shipped);
    const rejected = { status: 'rejected' as const, at, reason: 'out of stock' };
    await insertOrder(f.db, f.schemas.orders, anOrder({ orderId: 'ORD-2', status: 'rejected', history: [rejected] }));
    await insertSalesDay(f.db, f.schemas.sales, {
      day: '2026-01-15',
      sku: 'SKU-1',
      currency: 'EUR',
      units: 2,
      revenueCents: 2_500,
    });
    const record = eventRecorder();
    await f.db.transaction((tx) =>
      customersProjection.apply(
        tx,
        f.schemas.customers,
        customerEvents.map((event) => record(event)),
      ),
    );
    await setCheckpoint(f.db, f.schemas.admin, f.schemas.orders, 9n);

    for (let read = 0; read < 2; read++) {
      // The first read is a miss, filled from PostgreSQL; the second a hit.
      const product = await expectDescribed(f, '/products/:sku', '/products/SKU-1');
      expect(product.headers.get('x-cache')).toBe(read === 0 ? 'miss' : 'hit');
      await expectDescribed(f, '/orders/:id', '/orders/ORD-1');
      await expectDescribed(f, '/customers/:id/summary', '/customers/alice/summary');
    }
    const waited = await expectDescribed(f, '/orders/:id', '/orders/ORD-2', { 'X-Min-Position': '3' });
    expect(waited.headers.get('x-read-position')).toBe('9');
    const first = await expectDescribed(f, '/products', '/products?limit=1');
    const { nextCursor } = JSON.parse(first.text) as { nextCursor: string };
    expect(nextCursor).toEqual(expect.any(String));
    await expectDescribed(f, '/products', `/products?limit=1&cursor=${nextCursor}`);
    await expectDescribed(f, '/customers/:id/orders', '/customers/CUST-1/orders', { 'X-Min-Position': '2' });
    await expectDescribed(f, '/stats/sales', '/stats/sales?from=2026-01-01&to=2026-01-31');

    expect((await expectDescribed(f, '/products/:sku', '/products/NOPE')).status).toBe(404);
    expect((await expectDescribed(f, '/customers/:id/summary', '/customers/bob/summary')).status).toBe(404);
    expect((await expectDescribed(f, '/products', '/products?cursor=forged')).status).toBe(400);
    expect((await expectDescribed(f, '/orders/:id', '/orders/ORD-1', { 'X-Min-Position': 'x' })).status).toBe(400);
  });

  it('fits the history routes: NDJSON lines, CSV and entities as they were', async () => {
    const f = fixture();
    const eventStore = memoryEventStore();
    await eventStore.append(
      'product-lamp',
      [registered('lamp', 2_500), stockAdded('lamp', 3)].map((e) => encodeEvent(e)),
    );
    await eventStore.append('order-o-1', [encodeEvent(placed('o-1', 'lamp', 1, 2_500), { actor: 'alice' })]);
    await f.restart({ eventStore });

    const events = await expectDescribed(f, '/history/events', '/history/events');
    expect(events.headers.get('x-head-position')).toBe('3');
    expect(events.text.trimEnd().split('\n')).toHaveLength(3);
    await expectDescribed(f, '/history/events', '/history/events?format=csv&type=OrderPlaced');
    await expectDescribed(f, '/history/streams/:streamId', '/history/streams/product-lamp');
    await expectDescribed(f, '/history/orders/:orderId', '/history/orders/o-1');
    await expectDescribed(f, '/history/products/:sku', '/history/products/lamp?revision=0');
    expect((await expectDescribed(f, '/history/products/:sku', '/history/products/lamp?revision=9')).status).toBe(400);
    expect((await expectDescribed(f, '/history/streams/:streamId', '/history/streams/order-none')).status).toBe(404);
  });
});

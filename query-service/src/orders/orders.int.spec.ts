import { type OrderView } from '@order-engine/shared/read-models/orders';
import { expect, it } from 'vitest';
import { anOrder, describeOnReadDbs, insertOrder, type QueryFixture } from '../testing/index.js';

const seed = async (f: QueryFixture, orders: OrderView[]) => {
  for (const order of orders) await insertOrder(f.db, f.schemas.orders, order);
};

describeOnReadDbs('GET /orders/:id', (fixture) => {
  const shipped = anOrder({
    orderId: 'ORD-7',
    status: 'shipped',
    lines: [
      { sku: 'HAM-1', quantity: 2, unitPriceCents: 1_250, lineTotalCents: 2_500 },
      { sku: 'SAW-2', quantity: 1, unitPriceCents: 3_000, lineTotalCents: 3_000 },
    ],
    totalCents: 5_500,
    placedAt: '2026-01-15T10:00:00.000Z',
    history: [
      { status: 'placed', at: '2026-01-15T10:00:00.000Z' },
      { status: 'confirmed', at: '2026-01-15T10:00:01.000Z' },
      { status: 'paid', at: '2026-01-15T11:00:00.000Z' },
      { status: 'shipped', at: '2026-01-16T09:30:00.000Z' },
    ],
    shipment: { carrier: 'DHL', trackingNumber: 'JD0001' },
    revision: 5,
  });

  it('answers the order view, from PostgreSQL on a miss and from the cache after', async () => {
    const f = fixture();
    await seed(f, [shipped]);
    const first = await f.get('/orders/ORD-7');
    expect([first.status, first.headers.get('x-cache')]).toEqual([200, 'miss']);
    expect(first.body).toEqual(shipped);
    expect(await f.cache.get(`${f.schemas.orders}:order:ORD-7`)).toEqual({ version: 5, value: shipped });

    const second = await f.get('/orders/ORD-7');
    expect([second.status, second.headers.get('x-cache')]).toEqual([200, 'hit']);
    expect(second.body).toEqual(shipped);
    expect((await f.get('/health')).body.cache).toEqual({ hits: 1, misses: 1 });
  });

  it('gives placedAt in UTC whatever offset it was stored with', async () => {
    const f = fixture();
    await seed(f, [anOrder({ orderId: 'ORD-TZ', placedAt: '2026-03-01T01:30:00.250+02:00' })]);
    expect((await f.get('/orders/ORD-TZ')).body.placedAt).toBe('2026-02-28T23:30:00.250Z');
  });

  it('answers from PostgreSQL when the cache is down', async () => {
    const f = fixture();
    await seed(f, [shipped]);
    const down = () => Promise.reject(new Error('ECONNREFUSED'));
    await f.restart({
      cache: { get: down, getJson: down, set: down, delete: down, deleteWithPrefix: down, close: async () => {} },
    });
    const { status, headers, body } = await f.get('/orders/ORD-7');
    expect([status, headers.get('x-cache')]).toEqual([200, 'miss']);
    expect(body).toEqual(shipped);
  });

  it('answers 404 for an unknown order and 400 for an impossible id', async () => {
    const f = fixture();
    const missing = await f.get('/orders/ORD-404');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, entity: 'order', id: 'ORD-404' });
    const bad = await f.get(`/orders/${'9'.repeat(65)}`);
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('id');
  });
});

describeOnReadDbs('GET /customers/:id/orders', (fixture) => {
  it("lists a customer's orders newest first, and nobody else's", async () => {
    const f = fixture();
    await seed(f, [
      anOrder({ orderId: 'A', customerId: 'C1', placedAt: '2026-01-01T00:00:00.000Z' }),
      anOrder({ orderId: 'B', customerId: 'C1', placedAt: '2026-01-03T00:00:00.000Z' }),
      anOrder({ orderId: 'C', customerId: 'C2', placedAt: '2026-01-02T00:00:00.000Z' }),
      anOrder({ orderId: 'D', customerId: 'C1', placedAt: '2026-01-02T00:00:00.000Z', status: 'cancelled' }),
    ]);
    const { status, body } = await f.get('/customers/C1/orders');
    expect(status).toBe(200);
    expect(body.items.map((o: OrderView) => o.orderId)).toEqual(['B', 'D', 'A']);
    expect(body.items[1]).toMatchObject({ customerId: 'C1', status: 'cancelled' });
    expect(body.nextCursor).toBeNull();
  });

  it('answers an empty page for a customer without orders', async () => {
    const f = fixture();
    expect((await f.get('/customers/NOBODY/orders')).body).toEqual({ items: [], nextCursor: null });
  });

  it('pages without gaps or duplicates, also through orders placed in the same microsecond or millisecond', async () => {
    const f = fixture();
    const orders = Array.from({ length: 17 }, (_, i) =>
      anOrder({
        orderId: `O-${String(i).padStart(2, '0')}`,
        customerId: 'C1',
        // Groups of orders share an instant, and some differ only below the millisecond.
        placedAt: `2026-01-0${1 + Math.floor(i / 6)}T10:00:00.${i % 3 === 0 ? '000000' : String(i).padStart(6, '0')}Z`,
      }),
    );
    await seed(f, orders);

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page++) {
      const answer: { status: number; body: { items: OrderView[]; nextCursor: string | null } } = await f.get(
        `/customers/C1/orders?limit=4${cursor ? `&cursor=${cursor}` : ''}`,
      );
      expect(answer.status).toBe(200);
      expect(answer.body.items.length).toBeLessThanOrEqual(4);
      seen.push(...answer.body.items.map((o) => o.orderId));
      cursor = answer.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen).toHaveLength(orders.length);
    expect(new Set(seen).size).toBe(orders.length);

    const newestFirst = await f.db.query<{ order_id: string }>(
      `select order_id from ${f.schemas.orders}.orders order by placed_at desc, order_id desc`,
    );
    expect(seen).toEqual(newestFirst.map((row) => row.order_id));
  });

  it('answers 400 problems for bad limits, cursors and customer ids', async () => {
    const f = fixture();
    const badTime = Buffer.from(JSON.stringify({ placedAt: '2026-02-30T00:00:00.000000Z', orderId: 'A' })).toString(
      'base64url',
    );
    const productCursor = Buffer.from(JSON.stringify({ sku: 'A' })).toString('base64url');
    for (const path of [
      '/customers/C1/orders?limit=0',
      '/customers/C1/orders?limit=x',
      `/customers/C1/orders?cursor=${badTime}`,
      `/customers/C1/orders?cursor=${productCursor}`,
      '/customers/%20/orders',
    ]) {
      const { status, body } = await f.get(path);
      expect({ path, status }).toEqual({ path, status: 400 });
      expect(body).toMatchObject({ status: 400, type: '/problems/validation-failed' });
    }
  });
});

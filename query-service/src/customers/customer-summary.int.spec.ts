import { eventRecorder } from '@order-engine/shared/testing';
import type { OrderEvent } from '@order-engine/shared';
import { customersProjection } from '@order-engine/shared/read-models/customers';
import { expect, it } from 'vitest';
import { describeOnReadDbs, type QueryFixture } from '../testing/index.js';

// Rows written by the projection itself, so the route is tested over exactly what the projection service stores.
const project = async (f: QueryFixture, events: OrderEvent[]) => {
  const record = eventRecorder();
  const schema = customersProjection.schema(f.prefix);
  await f.db.transaction((tx) =>
    customersProjection.apply(
      tx,
      schema,
      events.map((event) => record(event)),
    ),
  );
};

const placed = (orderId: string, customerId: string, totalCents: number): OrderEvent => ({
  type: 'OrderPlaced',
  data: {
    orderId,
    customerId,
    lines: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: totalCents }],
    currency: 'EUR',
    totalCents,
    placedAt: `2026-03-0${orderId.length}T10:00:00.000Z`,
  },
});

describeOnReadDbs('GET /customers/:id/summary', (fixture) => {
  it('answers the summary, from PostgreSQL on a miss and from the cache after', async () => {
    const f = fixture();
    await project(f, [
      placed('A', 'C1', 1_000),
      placed('BB', 'C1', 2_000),
      placed('CCC', 'C2', 5_000),
      { type: 'OrderConfirmed', data: { orderId: 'A' } },
      { type: 'OrderPaid', data: { orderId: 'A', amountCents: 1_000, currency: 'EUR' } },
      { type: 'OrderCancelled', data: { orderId: 'BB', reason: 'changed my mind' } },
    ]);
    const expected = {
      customerId: 'C1',
      ordersPlaced: 2,
      ordersConfirmed: 1,
      ordersCancelled: 1,
      paidRevenue: [{ currency: 'EUR', amountCents: 1_000 }],
      lastOrderAt: '2026-03-02T10:00:00.000Z',
      revision: 5,
    };
    const first = await f.get('/customers/C1/summary');
    expect([first.status, first.headers.get('x-cache')]).toEqual([200, 'miss']);
    expect(first.body).toEqual(expected);
    const second = await f.get('/customers/C1/summary');
    expect([second.status, second.headers.get('x-cache')]).toEqual([200, 'hit']);
    expect(second.body).toEqual(expected);
  });

  it('answers 404 for a customer without orders and 400 for an impossible id', async () => {
    const f = fixture();
    const missing = await f.get('/customers/NOBODY/summary');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, entity: 'customer', id: 'NOBODY' });
    for (const id of ['%20', '%00', 'x'.repeat(65)]) {
      const bad = await f.get(`/customers/${id}/summary`);
      expect({ id, status: bad.status }).toEqual({ id, status: 400 });
      expect(bad.body).toMatchObject({ type: '/problems/validation-failed', errors: [{ path: 'id' }] });
    }
  });
});

import { expect, it } from 'vitest';
import { MAX_CENTS } from '@order-engine/shared';
import { onEveryDatabase } from '../testing/databases.js';
import { expectCommandAnswer, expectNothingAppended, expectProblem } from '../testing/expectations.js';
import type { JsonRequest } from '../testing/http.js';
import { orderOf, orderReaches, placeOrder, registerProduct } from '../testing/scenario.js';
import type { RunningCommandService } from '../testing/test-command-service.js';

const order = (lines: unknown, extra: Record<string, unknown> = {}) => ({
  body: { customerId: 'c-1', lines, ...extra },
});
const line = (sku: string, quantity = 1) => ({ sku, quantity });

/** A catalog for the bad-input cases: LAMP and MUG in EUR, DOLLAR in USD, OLD discontinued, HUGE at the maximum price. */
async function catalog(service: RunningCommandService): Promise<void> {
  await registerProduct(service, 'LAMP', 10, 1_250);
  await registerProduct(service, 'MUG', 10, 500);
  await registerProduct(service, 'DOLLAR', 10, 100, 'USD');
  await registerProduct(service, 'OLD', 10, 100);
  await registerProduct(service, 'HUGE', 10, MAX_CENTS);
  expect((await service.request('/products/OLD/discontinue')).status).toBe(200);
}

const badRequests: [string, string, JsonRequest, number, string?][] = [
  ['no lines', '/orders', order([]), 400],
  ['101 lines', '/orders', order(Array.from({ length: 101 }, (_, i) => line(`S${i}`))), 400],
  ['lines that are not an array', '/orders', order({ sku: 'LAMP', quantity: 1 }), 400],
  ['a duplicate sku', '/orders', order([line('LAMP'), line('LAMP', 2)]), 400],
  ['a quantity of zero', '/orders', order([line('LAMP', 0)]), 400],
  ['a negative quantity', '/orders', order([line('LAMP', -1)]), 400],
  ['an enormous quantity', '/orders', order([line('LAMP', 1e9)]), 400],
  ['a quantity as a string', '/orders', order([{ sku: 'LAMP', quantity: '1' }]), 400],
  ['a client-supplied price', '/orders', order([{ sku: 'LAMP', quantity: 1, unitPriceCents: 1 }]), 400],
  ['an unknown field', '/orders', order([line('LAMP')], { discount: 50 }), 400],
  ['a status field', '/orders', order([line('LAMP')], { status: 'paid' }), 400],
  ['no customer', '/orders', { body: { lines: [line('LAMP')] } }, 400],
  ['a bad customer id', '/orders', order([line('LAMP')], { customerId: 'a b' }), 400],
  ['a bad order id', '/orders', order([line('LAMP')], { orderId: '../x' }), 400],
  ['malformed JSON', '/orders', { raw: '{"customerId":' }, 400],
  ['a body over 1 MB', '/orders', order([line('LAMP')], { customerId: 'c'.repeat(1_100_000) }), 413],
  ['an unknown sku', '/orders', order([line('LAMP'), line('NOPE')]), 422, 'lines.1.sku'],
  ['a discontinued product', '/orders', order([line('LAMP'), line('OLD')]), 409],
  ['mixed currencies', '/orders', order([line('LAMP'), line('DOLLAR')]), 422, 'lines.1.sku'],
  ['a total beyond the maximum', '/orders', order([line('HUGE', 2)]), 422],
  ['paying an unknown order', '/orders/nope/pay', { body: { amountCents: 1 } }, 404],
  ['paying a negative amount', '/orders/o-1/pay', { body: { amountCents: -1 } }, 400],
  ['paying without a body', '/orders/o-1/pay', {}, 400],
  ['paying with an unknown field', '/orders/o-1/pay', { body: { amountCents: 1_250, currency: 'EUR' } }, 400],
  ['paying a placed order', '/orders/o-1/pay', { body: { amountCents: 1_250 } }, 409],
  ['a bad order id in the path', '/orders/__proto__/pay', { body: { amountCents: 1 } }, 400],
  ['an order id of 65 characters in the path', `/orders/${'o'.repeat(65)}/deliver`, {}, 400],
  ['shipping with a blank carrier', '/orders/o-1/ship', { body: { carrier: '  ', trackingNumber: 'T' } }, 400],
  [
    'shipping with an endless tracking number',
    '/orders/o-1/ship',
    { body: { carrier: 'DHL', trackingNumber: 'T'.repeat(101) } },
    400,
  ],
  ['shipping an unpaid order', '/orders/o-1/ship', { body: { carrier: 'DHL', trackingNumber: 'T' } }, 409],
  ['delivering with a body', '/orders/o-1/deliver', { body: { when: 'now' } }, 400],
  ['delivering an unshipped order', '/orders/o-1/deliver', {}, 409],
  ['cancelling without a reason', '/orders/o-1/cancel', { body: {} }, 400],
  ['cancelling with a reason of 501 characters', '/orders/o-1/cancel', { body: { reason: 'r'.repeat(501) } }, 400],
  ['cancelling with a reason holding NUL', '/orders/o-1/cancel', { body: { reason: 'no\u0000thanks' } }, 400],
  ['cancelling with a reason holding a lone surrogate', '/orders/o-1/cancel', { body: { reason: 'no \ud800' } }, 400],
  [
    'shipping with a carrier holding NUL',
    '/orders/o-1/ship',
    { body: { carrier: 'D\u0000HL', trackingNumber: 'T' } },
    400,
  ],
  ['cancelling an unknown order', '/orders/nope/cancel', { body: { reason: 'r' } }, 404],
  ['placing an order id twice', '/orders', order([line('LAMP')], { orderId: 'o-1' }), 409],
  ['an unknown action', '/orders/o-1/refund', { body: {} }, 404],
];

onEveryDatabase('order routes', (database) => {
  it('places an order: 202 with the order id, status placed, revision and position; the saga confirms it', async () => {
    const service = await database().start();
    await registerProduct(service, 'LAMP', 5, 1_250);
    const answer = await service.request('/orders', order([line('LAMP', 2)]));
    expectCommandAnswer(answer, 202);
    expect(answer.body).toMatchObject({
      orderId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      status: 'placed',
      revision: 0,
    });
    // Where the order is read: the query API (its default port, on the host the request used).
    expect(answer.headers.get('location')).toBe(`http://127.0.0.1:3001/orders/${answer.body.orderId as string}`);
    const placed = await orderOf(database().eventStore, answer.body.orderId as string);
    expect(placed).toMatchObject({
      customerId: 'c-1',
      currency: 'EUR',
      totalCents: 2_500,
      lines: [{ sku: 'LAMP', quantity: 2, unitPriceCents: 1_250 }],
    });
  });

  it('prices each line from the catalog as it stands, and keeps a client-chosen order id', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5, 1_250);
    await registerProduct(service, 'MUG', 5, 500);
    await service.request('/products/MUG/price', { body: { priceCents: 450 } });
    const orderId = await placeOrder(service, [line('LAMP', 1), line('MUG', 3)], 'my-order-1');
    expect(orderId).toBe('my-order-1');
    expect(await orderOf(database().eventStore, orderId)).toMatchObject({
      totalCents: 1_250 + 3 * 450,
      lines: [{ unitPriceCents: 1_250 }, { unitPriceCents: 450 }],
    });
  });

  it('pays, ships, delivers; each answer names the new status, revision and position', async () => {
    const service = await database().start();
    await registerProduct(service, 'LAMP', 5, 1_250);
    const orderId = await placeOrder(service, [line('LAMP', 2)]);
    await orderReaches(database().eventStore, orderId, 'confirmed');
    const steps: [string, JsonRequest, string][] = [
      ['pay', { body: { amountCents: 2_500 } }, 'paid'],
      ['ship', { body: { carrier: 'DHL', trackingNumber: 'JD0001' } }, 'shipped'],
      ['deliver', {}, 'delivered'],
    ];
    let lastPosition = 0n;
    for (const [action, request, status] of steps) {
      const answer = await service.request(`/orders/${orderId}/${action}`, request);
      expectCommandAnswer(answer, 200);
      expect(answer.body).toMatchObject({ orderId, status });
      expect(BigInt(answer.body.position as string)).toBeGreaterThan(lastPosition);
      lastPosition = BigInt(answer.body.position as string);
    }
  });

  it('cancels a confirmed order', async () => {
    const service = await database().start();
    await registerProduct(service, 'LAMP', 5);
    const orderId = await placeOrder(service, [line('LAMP', 2)]);
    await orderReaches(database().eventStore, orderId, 'confirmed');
    const answer = await service.request(`/orders/${orderId}/cancel`, { body: { reason: 'found it cheaper' } });
    expectCommandAnswer(answer, 200);
    expect(answer.body).toMatchObject({ status: 'cancelled' });
  });

  it('reports every unknown sku at its field', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    const answer = await service.request('/orders', order([line('NOPE'), line('LAMP'), line('GONE')]));
    expectProblem(answer, 422, '/problems/unknown-product');
    expect(answer.body.errors).toEqual([
      { path: 'lines.0.sku', message: 'product NOPE does not exist' },
      { path: 'lines.2.sku', message: 'product GONE does not exist' },
    ]);
  });

  it.each(badRequests)(
    'refuses %s with a problem answer and appends nothing',
    async (_case, path, request, status, errorPath) => {
      const service = await database().start({ saga: false });
      await catalog(service);
      await placeOrder(service, [line('LAMP')], 'o-1');
      await expectNothingAppended(service, database().eventStore, async () => {
        const answer = await service.request(path, { method: 'POST', ...request });
        expectProblem(answer, status);
        if (errorPath) expect(answer.body.errors).toEqual([expect.objectContaining({ path: errorPath })]);
      });
    },
  );

  it('answers 4xx, never 5xx, to any shape of body on any route', async () => {
    const service = await database().start({ saga: false });
    await catalog(service);
    await placeOrder(service, [line('LAMP')], 'o-1');
    const bodies = [
      'null',
      '[]',
      '{}',
      '0',
      '"x"',
      'true',
      '{"a":{"b":[1,{"c":null}]}}',
      '{"lines":null}',
      '{"lines":[null]}',
      '{"quantity":{}}',
      '{"amountCents":[]}',
    ];
    const routes = [
      '/products',
      '/products/LAMP/price',
      '/products/LAMP/restock',
      '/products/LAMP/holds',
      '/products/LAMP/discontinue',
      '/orders',
      '/orders/o-1/pay',
      '/orders/o-1/ship',
      '/orders/o-1/deliver',
      '/orders/o-1/cancel',
    ];
    await expectNothingAppended(service, database().eventStore, async () => {
      for (const route of routes) {
        for (const raw of bodies) {
          if (raw === '{}' && route.endsWith('/discontinue')) continue; // a valid command: it would append
          const answer = await service.request(route, { raw });
          expect(answer.status, `${route} ${raw}`).toBeGreaterThanOrEqual(400);
          expect(answer.status, `${route} ${raw}`).toBeLessThan(500);
        }
      }
    });
  });
});

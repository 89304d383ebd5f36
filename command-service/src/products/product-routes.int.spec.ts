import { expect, it } from 'vitest';
import { productStream } from '@order-engine/shared';
import { onEveryDatabase } from '../testing/databases.js';
import { expectCommandAnswer, expectNothingAppended, expectProblem } from '../testing/expectations.js';
import type { JsonRequest } from '../testing/http.js';
import { eventTypesOf, productOf, registerProduct, visibleHead } from '../testing/scenario.js';
import type { RunningCommandService } from '../testing/test-command-service.js';
import { encodeEvent, MAX_ON_HAND, MAX_QUANTITY, type EventStore } from '@order-engine/shared';

// The stock bound, reached with the largest restocks a command may carry (appended at once, as the decider would).
async function fillToTheBound(service: RunningCommandService, store: EventStore, sku: string): Promise<void> {
  await registerProduct(service, sku, 0);
  const restocks = Array.from({ length: MAX_ON_HAND / MAX_QUANTITY }, () =>
    encodeEvent({ type: 'StockAdded', data: { sku, quantity: MAX_QUANTITY } }),
  );
  await store.append(productStream(sku), restocks, { expectedRevision: 0 });
}

const lamp = { sku: 'LAMP', name: 'Desk lamp', category: 'home', priceCents: 1_999, currency: 'EUR' };

/** [case, path, request, status] that must each be refused with nothing appended. */
const badRequests: [string, string, JsonRequest, number][] = [
  ['a price as a string', '/products', { body: { ...lamp, sku: 'X', priceCents: '1999' } }, 400],
  ['a negative price', '/products', { body: { ...lamp, sku: 'X', priceCents: -1 } }, 400],
  ['a fractional price', '/products', { body: { ...lamp, sku: 'X', priceCents: 19.99 } }, 400],
  ['an enormous price', '/products', { body: { ...lamp, sku: 'X', priceCents: 1e15 } }, 400],
  [
    'a price beyond float range',
    '/products',
    { raw: '{"sku":"X","name":"n","category":"c","priceCents":1e400,"currency":"EUR"}' },
    400,
  ],
  ['an unknown field', '/products', { body: { ...lamp, sku: 'X', colour: 'red' } }, 400],
  [
    'a __proto__ field',
    '/products',
    { raw: `{"sku":"X","name":"n","category":"c","priceCents":1,"currency":"EUR","__proto__":{"admin":true}}` },
    400,
  ],
  ['a missing field', '/products', { body: { sku: 'X', name: 'n', category: 'c', currency: 'EUR' } }, 400],
  ['a sku with a slash', '/products', { body: { ...lamp, sku: '../etc' } }, 400],
  ['a sku of 65 characters', '/products', { body: { ...lamp, sku: 'S'.repeat(65) } }, 400],
  ['a lowercase currency', '/products', { body: { ...lamp, sku: 'X', currency: 'eur' } }, 400],
  ['a blank name', '/products', { body: { ...lamp, sku: 'X', name: '   ' } }, 400],
  ['an array body', '/products', { body: [lamp] }, 400],
  ['a JSON string body', '/products', { raw: '"LAMP"' }, 400],
  ['no body', '/products', {}, 400],
  ['malformed JSON', '/products', { raw: '{"sku": "X",' }, 400],
  [
    'a body that is not JSON',
    '/products',
    { raw: 'sku=X', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
    415,
  ],
  ['a body over 1 MB', '/products', { raw: JSON.stringify({ ...lamp, sku: 'X', name: 'x'.repeat(1_100_000) }) }, 413],
  ['a deeply nested body', '/products', { raw: '['.repeat(50_000) + ']'.repeat(50_000) }, 400],
  ['registering a sku twice', '/products', { body: lamp }, 409],
  ['a price change for an unknown sku', '/products/NOPE/price', { body: { priceCents: 1 } }, 404],
  ['a price change with a negative price', '/products/LAMP/price', { body: { priceCents: -5 } }, 400],
  ['a price change with an unknown field', '/products/LAMP/price', { body: { priceCents: 5, currency: 'USD' } }, 400],
  ['an invalid sku in the path', '/products/bad%20sku/price', { body: { priceCents: 5 } }, 400],
  ['a sku of 65 characters in the path', `/products/${'S'.repeat(65)}/restock`, { body: { quantity: 1 } }, 400],
  ['a path that does not decode', '/products/%E0%A4%A/restock', { body: { quantity: 1 } }, 400],
  ['a restock of an unknown sku', '/products/constructor/restock', { body: { quantity: 1 } }, 404],
  ['a restock of zero', '/products/LAMP/restock', { body: { quantity: 0 } }, 400],
  ['a negative restock', '/products/LAMP/restock', { body: { quantity: -3 } }, 400],
  ['an enormous restock', '/products/LAMP/restock', { body: { quantity: 10_000_000 } }, 400],
  ['a restock as a string', '/products/LAMP/restock', { body: { quantity: '3' } }, 400],
  ['a restock of null', '/products/LAMP/restock', { body: { quantity: null } }, 400],
  ['a name with NUL', '/products', { body: { ...lamp, sku: 'X', name: 'Lamp\u0000' } }, 400],
  ['a name with a lone surrogate', '/products', { body: { ...lamp, sku: 'X', name: 'Lamp \ud800' } }, 400],
  [
    'a category with a control character',
    '/products',
    { body: { ...lamp, sku: 'X', category: 'home\u001b[31m' } },
    400,
  ],
  ['a restock past the bound of stock on hand', '/products/FULL/restock', { body: { quantity: 1 } }, 422],
  ['a hold without a quantity', '/products/LAMP/holds', { body: { reason: 'display' } }, 400],
  ['a hold without a reason', '/products/LAMP/holds', { body: { quantity: 1 } }, 400],
  ['a hold with a reason holding NUL', '/products/LAMP/holds', { body: { quantity: 1, reason: 'a\u0000b' } }, 400],
  [
    'a hold with a bad hold id',
    '/products/LAMP/holds',
    { body: { holdId: '-x', quantity: 1, reason: 'display' } },
    400,
  ],
  ['a hold of zero', '/products/LAMP/holds', { body: { quantity: 0, reason: 'display' } }, 400],
  ['a hold beyond the stock', '/products/LAMP/holds', { body: { quantity: 6, reason: 'display' } }, 409],
  ['a hold for an unknown sku', '/products/NOPE/holds', { body: { quantity: 1, reason: 'display' } }, 404],
  [
    'a hold with an order field',
    '/products/LAMP/holds',
    { body: { orderId: 'o-1', quantity: 1, reason: 'display' } },
    400,
  ],
  ['a release of an unknown hold', '/products/LAMP/holds/h-9', { method: 'DELETE' }, 404],
  ['a release with a body', '/products/LAMP/holds/h-1', { method: 'DELETE', body: { quantity: 1 } }, 400],
  ['a release with a bad hold id', '/products/LAMP/holds/__proto__', { method: 'DELETE' }, 400],
  [
    'a reservation by hand (the saga alone reserves for orders)',
    '/products/LAMP/reservations',
    { body: { orderId: 'o-1', quantity: 1 } },
    404,
  ],
  ['a release of an order reservation by hand', '/products/LAMP/reservations/o-1', { method: 'DELETE' }, 404],
  ['a discontinue with fields', '/products/LAMP/discontinue', { body: { reason: 'old' } }, 400],
  ['a discontinue of an unknown sku', '/products/NOPE/discontinue', {}, 404],
  ['an unknown route', '/products/LAMP/explode', { body: {} }, 404],
];

onEveryDatabase('product routes', (database) => {
  it('registers a product: 201, Location, revision and position', async () => {
    const service = await database().start({ saga: false });
    const answer = await service.request('/products', { body: lamp });
    expectCommandAnswer(answer, 201);
    expect(answer.headers.get('location')).toBe('http://127.0.0.1:3001/products/LAMP');
    expect(answer.body).toMatchObject({ sku: 'LAMP', revision: 0 });
    expect((await visibleHead(service, database().eventStore)).toString()).toBe(answer.body.position);
  });

  it('changes the price, restocks and discontinues, each answering its revision and position', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 0, 1_999);
    const price = await service.request('/products/LAMP/price', { body: { priceCents: 2_499 } });
    expectCommandAnswer(price, 200);
    expect(price.body).toMatchObject({ revision: 1 });
    const samePrice = await service.request('/products/LAMP/price', { body: { priceCents: 2_499 } });
    expect(samePrice.body).toMatchObject({ revision: 1, position: price.body.position });
    expectCommandAnswer(await service.request('/products/LAMP/restock', { body: { quantity: 7 } }), 200);
    expectCommandAnswer(await service.request('/products/LAMP/discontinue'), 200);
    expect(await productOf(database().eventStore, 'LAMP')).toMatchObject({
      status: 'discontinued',
      priceCents: 2_499,
      onHand: 7,
    });
    expectProblem(
      await service.request('/products/LAMP/restock', { body: { quantity: 1 } }),
      409,
      '/problems/product-unavailable',
    );
  });

  it('holds stock: 201 with its id, 200 when placed again, 409 when short; release gives it back', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    const held = await service.request('/products/LAMP/holds', {
      body: { holdId: 'h-1', quantity: 2, reason: 'shop window' },
    });
    expectCommandAnswer(held, 201);
    expect(held.headers.get('location')).toBeNull(); // a hold is not read on its own
    expect(held.body).toMatchObject({
      sku: 'LAMP',
      holdId: 'h-1',
      quantity: 2,
      reason: 'shop window',
      alreadyHeld: false,
    });
    const again = await service.request('/products/LAMP/holds', {
      body: { holdId: 'h-1', quantity: 2, reason: 'shop window' },
    });
    expectCommandAnswer(again, 200);
    expect(again.body).toMatchObject({ alreadyHeld: true, position: held.body.position });
    expectProblem(
      await service.request('/products/LAMP/holds', { body: { holdId: 'h-1', quantity: 3, reason: 'shop window' } }),
      409,
      '/problems/already-exists',
    );
    const generated = await service.request('/products/LAMP/holds', { body: { quantity: 3, reason: 'damaged' } });
    expectCommandAnswer(generated, 201);
    expect(generated.body.holdId).toMatch(/^[0-9a-f-]{36}$/);
    const short = await service.request('/products/LAMP/holds', { body: { quantity: 1, reason: 'one more' } });
    expectProblem(short, 409, '/problems/insufficient-stock');
    expect(short.body).toMatchObject({ sku: 'LAMP', requested: 1, available: 0 });
    expect(await productOf(database().eventStore, 'LAMP')).toMatchObject({ onHand: 5, reserved: 0, held: 5 });
    const released = await service.request('/products/LAMP/holds/h-1', { method: 'DELETE' });
    expectCommandAnswer(released, 200);
    expect(released.body).toMatchObject({ holdId: 'h-1', released: true, quantity: 2 });
    expectProblem(await service.request('/products/LAMP/holds/h-1', { method: 'DELETE' }), 404, '/problems/not-found');
    expect(await eventTypesOf(database().eventStore, productStream('LAMP'))).toEqual([
      'ProductRegistered',
      'StockAdded',
      'StockHeld',
      'StockHeld',
      'StockHoldReleased',
    ]);
  });

  it('refuses a hold on a discontinued product as product-unavailable', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 3);
    await service.request('/products/LAMP/discontinue');
    expectProblem(
      await service.request('/products/LAMP/holds', { body: { quantity: 1, reason: 'display' } }),
      409,
      '/problems/product-unavailable',
    );
  });

  it.each(badRequests)('refuses %s with a problem answer and appends nothing', async (_case, path, request, status) => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    if (path.startsWith('/products/FULL/')) await fillToTheBound(service, database().eventStore, 'FULL');
    await expectNothingAppended(service, database().eventStore, async () => {
      expectProblem(await service.request(path, { method: 'POST', ...request }), status);
    });
  });

  it('refuses bad input with an Idempotency-Key too, and appends nothing', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    await expectNothingAppended(service, database().eventStore, async () => {
      expectProblem(
        await service.request('/products/LAMP/restock', {
          raw: '['.repeat(1_000) + ']'.repeat(1_000),
          headers: { 'idempotency-key': 'deep' },
        }),
        400,
      );
      expectProblem(
        await service.request('/products/LAMP/restock', {
          body: { quantity: -1 },
          headers: { 'idempotency-key': 'neg' },
        }),
        400,
      );
    });
  });
});

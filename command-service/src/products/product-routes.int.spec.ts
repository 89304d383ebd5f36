import { expect, it } from 'vitest';
import { productStream } from '@order-engine/shared';
import { onEveryDatabase } from '../testing/databases.js';
import { expectCommandAnswer, expectNothingAppended, expectProblem } from '../testing/expectations.js';
import type { JsonRequest } from '../testing/http.js';
import { eventTypesOf, productOf, registerProduct, visibleHead } from '../testing/scenario.js';

const lamp = { sku: 'LAMP', name: 'Desk lamp', category: 'home', priceCents: 1_999, currency: 'EUR' };

/** [case, path, request, status] that must each be refused with nothing appended. */
const badRequests: [string, string, JsonRequest, number][] = [
  ['a price as a string', '/products', { body: { ...lamp, sku: 'X', priceCents: '1999' } }, 400],
  ['a negative price', '/products', { body: { ...lamp, sku: 'X', priceCents: -1 } }, 400],
  ['a fractional price', '/products', { body: { ...lamp, sku: 'X', priceCents: 19.99 } }, 400],
  ['an enormous price', '/products', { body: { ...lamp, sku: 'X', priceCents: 1e15 } }, 400],
  ['a price beyond float range', '/products', { raw: '{"sku":"X","name":"n","category":"c","priceCents":1e400,"currency":"EUR"}' }, 400],
  ['an unknown field', '/products', { body: { ...lamp, sku: 'X', colour: 'red' } }, 400],
  ['a __proto__ field', '/products', { raw: `{"sku":"X","name":"n","category":"c","priceCents":1,"currency":"EUR","__proto__":{"admin":true}}` }, 400],
  ['a missing field', '/products', { body: { sku: 'X', name: 'n', category: 'c', currency: 'EUR' } }, 400],
  ['a sku with a slash', '/products', { body: { ...lamp, sku: '../etc' } }, 400],
  ['a sku of 65 characters', '/products', { body: { ...lamp, sku: 'S'.repeat(65) } }, 400],
  ['a lowercase currency', '/products', { body: { ...lamp, sku: 'X', currency: 'eur' } }, 400],
  ['a blank name', '/products', { body: { ...lamp, sku: 'X', name: '   ' } }, 400],
  ['an array body', '/products', { body: [lamp] }, 400],
  ['a JSON string body', '/products', { raw: '"LAMP"' }, 400],
  ['no body', '/products', {}, 400],
  ['malformed JSON', '/products', { raw: '{"sku": "X",' }, 400],
  ['a body that is not JSON', '/products', { raw: 'sku=X', headers: { 'content-type': 'application/x-www-form-urlencoded' } }, 415],
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
  ['a reservation without an order id', '/products/LAMP/reservations', { body: { quantity: 1 } }, 400],
  ['a reservation with a bad order id', '/products/LAMP/reservations', { body: { orderId: '-x', quantity: 1 } }, 400],
  ['a reservation of zero', '/products/LAMP/reservations', { body: { orderId: 'o-1', quantity: 0 } }, 400],
  ['a reservation for an unknown sku', '/products/NOPE/reservations', { body: { orderId: 'o-1', quantity: 1 } }, 404],
  ['a release for an unknown sku', '/products/NOPE/reservations/o-1', { method: 'DELETE' }, 404],
  ['a release with a body', '/products/LAMP/reservations/o-1', { method: 'DELETE', body: { quantity: 1 } }, 400],
  ['a release with a bad order id', '/products/LAMP/reservations/__proto__', { method: 'DELETE' }, 400],
  ['a discontinue with fields', '/products/LAMP/discontinue', { body: { reason: 'old' } }, 400],
  ['a discontinue of an unknown sku', '/products/NOPE/discontinue', {}, 404],
  ['an unknown route', '/products/LAMP/explode', { body: {} }, 404],
];

onEveryDatabase('product routes', (database) => {
  it('registers a product: 201, Location, revision and position', async () => {
    const service = await database().start({ saga: false });
    const answer = await service.request('/products', { body: lamp });
    expectCommandAnswer(answer, 201);
    expect(answer.headers.get('location')).toBe('/products/LAMP');
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
    expect(await productOf(database().eventStore, 'LAMP')).toMatchObject({ status: 'discontinued', priceCents: 2_499, onHand: 7 });
    expectProblem(await service.request('/products/LAMP/restock', { body: { quantity: 1 } }), 409, '/problems/product-unavailable');
  });

  it('reserves stock: 201 when reserved, 200 when it already was, 409 insufficient-stock when short', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 3);
    const reserved = await service.request('/products/LAMP/reservations', { body: { orderId: 'o-1', quantity: 2 } });
    expectCommandAnswer(reserved, 201);
    expect(reserved.body).toMatchObject({ orderId: 'o-1', quantity: 2, alreadyReserved: false });
    const again = await service.request('/products/LAMP/reservations', { body: { orderId: 'o-1', quantity: 2 } });
    expectCommandAnswer(again, 200);
    expect(again.body).toMatchObject({ alreadyReserved: true, position: reserved.body.position });
    const short = await service.request('/products/LAMP/reservations', { body: { orderId: 'o-2', quantity: 2 } });
    expectProblem(short, 409, '/problems/insufficient-stock');
    expect(short.body).toMatchObject({ sku: 'LAMP', requested: 2, available: 1, position: expect.stringMatching(/^\d+$/), revision: 3 });
    // The refusal is a fact the saga reacts to: it is recorded.
    expect(await eventTypesOf(database().eventStore, productStream('LAMP'))).toEqual(['ProductRegistered', 'StockAdded', 'StockReserved', 'StockReservationRejected']);
  });

  it('refuses a reservation on a discontinued product as product-unavailable', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 3);
    await service.request('/products/LAMP/discontinue');
    expectProblem(await service.request('/products/LAMP/reservations', { body: { orderId: 'o-1', quantity: 1 } }), 409, '/problems/product-unavailable');
  });

  it('releases a reservation, and answers released: false when there was none', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 3);
    await service.request('/products/LAMP/reservations', { body: { orderId: 'o-1', quantity: 2 } });
    const released = await service.request('/products/LAMP/reservations/o-1', { method: 'DELETE' });
    expectCommandAnswer(released, 200);
    expect(released.body).toMatchObject({ released: true, quantity: 2 });
    const none = await service.request('/products/LAMP/reservations/o-1', { method: 'DELETE' });
    expect(none.body).toMatchObject({ released: false, position: released.body.position });
    expect(await productOf(database().eventStore, 'LAMP')).toMatchObject({ onHand: 3, reservations: {} });
  });

  it.each(badRequests)('refuses %s with a problem answer and appends nothing', async (_case, path, request, status) => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    await expectNothingAppended(service, database().eventStore, async () => {
      expectProblem(await service.request(path, { method: 'POST', ...request }), status);
    });
  });

  it('refuses bad input with an Idempotency-Key too, and appends nothing', async () => {
    const service = await database().start({ saga: false });
    await registerProduct(service, 'LAMP', 5);
    await expectNothingAppended(service, database().eventStore, async () => {
      expectProblem(await service.request('/products/LAMP/restock', { raw: '['.repeat(1_000) + ']'.repeat(1_000), headers: { 'idempotency-key': 'deep' } }), 400);
      expectProblem(await service.request('/products/LAMP/restock', { body: { quantity: -1 }, headers: { 'idempotency-key': 'neg' } }), 400);
    });
  });
});

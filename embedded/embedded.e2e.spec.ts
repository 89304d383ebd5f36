import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  NO_AUTH,
  fold,
  productDecider,
  ProductEvent,
  availableOf,
  decodeEvent,
  productStream,
  loadEngineConfig,
  projectionNames,
  silentLogger,
} from '@order-engine/shared';
import { startEngine, type Engine } from './engine.js';
import { eventually, requestJson } from './http-client.js';

// The acceptance scenarios, through the three HTTP APIs of one embedded engine (PGlite in memory).
let engine: Engine;

beforeAll(async () => {
  const config = loadEngineConfig({
    DATA_DIR: 'memory://',
    COMMAND_PORT: '0',
    QUERY_PORT: '0',
    PROJECTION_PORT: '0',
    SEED_DEMO: 'false',
    LOG_LEVEL: 'silent',
  });
  engine = await startEngine(config, silentLogger, { access: NO_AUTH });
});
afterAll(async () => {
  await engine?.stop();
});

type Json = Record<string, unknown>;
const command = (path: string, body?: unknown, method = 'POST') =>
  requestJson<Json>(`${engine.commandUrl}${path}`, { method, body });
const query = (path: string, minPosition?: string) =>
  requestJson<Json>(`${engine.queryUrl}${path}`, minPosition ? { headers: { 'x-min-position': minPosition } } : {});

async function registerProduct(sku: string, stock: number, priceCents = 1250) {
  expect(
    (await command('/products', { sku, name: `Product ${sku}`, category: 'e2e', priceCents, currency: 'EUR' })).status,
  ).toBe(201);
  if (stock > 0) expect((await command(`/products/${sku}/restock`, { quantity: stock })).status).toBe(200);
}

const orderWhen = (orderId: string, statuses: string[]) =>
  eventually(async () => {
    const answer = await query(`/orders/${orderId}`);
    return answer.status === 200 && statuses.includes(answer.body.status as string) ? answer.body : undefined;
  });

describe('embedded engine, end to end', () => {
  it('runs an order through its whole life against a catalog with stock', async () => {
    await registerProduct('lamp', 5);

    const placed = await command('/orders', { customerId: 'alice', lines: [{ sku: 'lamp', quantity: 2 }] });
    expect(placed.status).toBe(202);
    expect(placed.body).toMatchObject({
      status: 'placed',
      orderId: expect.any(String),
      position: expect.stringMatching(/^\d+$/),
    });
    const orderId = placed.body.orderId as string;

    const confirmed = await orderWhen(orderId, ['confirmed']);
    expect(confirmed).toMatchObject({ customerId: 'alice', totalCents: 2500, currency: 'EUR' });
    const product = await eventually(async () => {
      const answer = await query('/products/lamp');
      return answer.body.reserved === 2 ? answer.body : undefined;
    });
    expect(product).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    const tooMany = await command('/orders', { customerId: 'bob', lines: [{ sku: 'lamp', quantity: 10 }] });
    expect(tooMany.status).toBe(202);
    await orderWhen(tooMany.body.orderId as string, ['rejected']);
    expect((await query('/products/lamp', tooMany.body.position as string)).body).toMatchObject({
      onHand: 5,
      reserved: 2,
      available: 3,
    });

    expect((await command(`/orders/${orderId}/pay`, { amountCents: 2500 })).status).toBe(200);
    const shipped = await command(`/orders/${orderId}/ship`, { carrier: 'DHL', trackingNumber: 'JD0001' });
    expect(shipped.status).toBe(200);
    await orderWhen(orderId, ['shipped']);
    const afterShip = await eventually(async () => {
      const answer = await query('/products/lamp');
      return answer.body.onHand === 3 ? answer.body : undefined;
    });
    expect(afterShip).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    const cancel = await command(`/orders/${orderId}/cancel`, { reason: 'changed my mind' });
    expect(cancel.status).toBe(409);
    expect(cancel.headers.get('content-type')).toContain('application/problem+json');
    expect(cancel.body).toMatchObject({
      status: 409,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });

    const history = (await query(`/orders/${orderId}`)).body.history as { status: string }[];
    expect(history.map((entry) => entry.status)).toEqual(['placed', 'confirmed', 'paid', 'shipped']);

    // The same order as analysts see it: folded from the event store, at any revision.
    expect((await query(`/history/orders/${orderId}`)).body).toMatchObject({
      revision: 4,
      state: { status: 'shipped' },
    });
    expect((await query(`/history/orders/${orderId}?revision=0`)).body).toMatchObject({
      revision: 0,
      state: { status: 'placed' },
    });
    const exported = await fetch(`${engine.queryUrl}/history/events?stream=order-${orderId}`);
    const lines = (await exported.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string });
    expect(lines.map((event) => event.type)).toEqual([
      'OrderPlaced',
      'OrderLineReserved',
      'OrderConfirmed',
      'OrderPaid',
      'OrderShipped',
    ]);
  });

  it('confirms exactly as many of 200 concurrent single-unit orders as there is stock, never going below zero', async () => {
    await registerProduct('scarce', 50);
    let lowest = Number.POSITIVE_INFINITY;
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const answer = await query('/products/scarce');
        if (answer.status === 200) lowest = Math.min(lowest, answer.body.available as number);
      }
    })();

    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        command('/orders', { customerId: `rush-${i % 7}`, lines: [{ sku: 'scarce', quantity: 1 }] }),
      ),
    );
    expect(answers.every((a) => a.status === 202)).toBe(true);
    // One order at a time: 200 pollers every 20 ms, in the engine's own process, would keep its main thread busy
    // answering them, and starve the saga and projections whose database round trips wait for that thread.
    const finals = [];
    for (const answer of answers)
      finals.push(await orderWhen(answer.body.orderId as string, ['confirmed', 'rejected']));
    watching = false;
    await watcher;

    expect(finals.filter((o) => o.status === 'confirmed')).toHaveLength(50);
    expect(finals.filter((o) => o.status === 'rejected')).toHaveLength(150);
    const product = await eventually(async () => {
      const answer = await query('/products/scarce');
      return answer.body.reserved === 50 ? answer.body : undefined;
    });
    expect(product).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
    expect(lowest).toBeGreaterThanOrEqual(0);

    // Every intermediate state of the product, not only the ones the watcher happened to see.
    const events = (await engine.eventStore.readStream(productStream('scarce'))).map((e) =>
      ProductEvent.parse(decodeEvent(e)),
    );
    let state = productDecider.initialState;
    for (const event of events) {
      state = productDecider.evolve(state, event);
      if (state.status !== 'none') expect(availableOf(state)).toBeGreaterThanOrEqual(0);
    }
    expect(state.status !== 'none' && availableOf(state)).toBe(0);
    expect(fold(productDecider, events)).toEqual(state);
  });

  it('answers bad input of every kind with a 4xx problem and writes nothing', async () => {
    await registerProduct('guarded', 3);
    const head = await engine.eventStore.headPosition();
    const raw = (path: string, body: string, contentType = 'application/json') =>
      fetch(`${engine.commandUrl}${path}`, { method: 'POST', headers: { 'content-type': contentType }, body });

    const cases: [string, () => Promise<Response>][] = [
      [
        'wrong types',
        () => raw('/products', JSON.stringify({ sku: 1, name: [], category: {}, priceCents: '12', currency: 'EUR' })),
      ],
      [
        'negative price',
        () =>
          raw('/products', JSON.stringify({ sku: 'neg', name: 'n', category: 'c', priceCents: -1, currency: 'EUR' })),
      ],
      [
        'enormous price',
        () =>
          raw('/products', JSON.stringify({ sku: 'big', name: 'n', category: 'c', priceCents: 1e30, currency: 'EUR' })),
      ],
      ['fractional quantity', () => raw('/products/guarded/restock', JSON.stringify({ quantity: 1.5 }))],
      [
        'enormous quantity',
        () => raw('/products/guarded/restock', JSON.stringify({ quantity: Number.MAX_SAFE_INTEGER })),
      ],
      ['unknown field', () => raw('/products/guarded/restock', JSON.stringify({ quantity: 1, admin: true }))],
      ['malformed JSON', () => raw('/products/guarded/restock', '{"quantity": ')],
      ['not JSON', () => raw('/products/guarded/restock', 'quantity=1', 'text/plain')],
      [
        'oversized body',
        () =>
          raw(
            '/products',
            JSON.stringify({ sku: 'x', name: 'a'.repeat(1_100_000), category: 'c', priceCents: 1, currency: 'EUR' }),
          ),
      ],
      ['unknown sku on restock', () => raw('/products/nope/restock', JSON.stringify({ quantity: 1 }))],
      [
        'unknown sku in an order',
        () => raw('/orders', JSON.stringify({ customerId: 'c', lines: [{ sku: 'nope', quantity: 1 }] })),
      ],
      ['empty order', () => raw('/orders', JSON.stringify({ customerId: 'c', lines: [] }))],
      ['unknown order', () => raw('/orders/no-such-order/pay', JSON.stringify({ amountCents: 100 }))],
      ['bad sku in path', () => raw('/products/%20bad%20/restock', JSON.stringify({ quantity: 1 }))],
      ['array body', () => raw('/orders', '[1,2,3]')],
      ['null body', () => raw('/orders', 'null')],
    ];
    for (const [name, send] of cases) {
      const response = await send();
      expect(response.status, name).toBeGreaterThanOrEqual(400);
      expect(response.status, name).toBeLessThan(500);
      expect(response.headers.get('content-type'), name).toContain('application/problem+json');
      const body = (await response.json()) as Json;
      expect(body, name).toMatchObject({
        type: expect.any(String),
        title: expect.any(String),
        status: response.status,
        detail: expect.any(String),
      });
    }
    expect(await engine.eventStore.headPosition()).toBe(head);
  });

  it('shows every projection with its checkpoint and lag', async () => {
    const answer = await requestJson<{ name: string; checkpoint: string; lagEvents: number }[]>(
      `${engine.projectionUrl}/projections`,
    );
    expect(answer.status).toBe(200);
    expect(answer.body.map((p) => p.name).sort()).toEqual([...projectionNames].sort());
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandClient,
  projectionClient,
  queryClient,
  type CommandClient,
  type Problem,
  type QueryClient,
  type QueryComponents,
} from '@order-engine/client';
import {
  NO_AUTH,
  fold,
  productDecider,
  ProductEvent,
  availableOf,
  decodeEvent,
  productStream,
  projectionNames,
  silentLogger,
} from '@order-engine/shared';
import { testEngineConfig } from './test-config.js';
import { startEngine, type Engine } from './engine.js';
import { eventually } from './http-client.js';

// The acceptance scenarios, through the three HTTP APIs of one embedded engine (PGlite in memory).
let engine: Engine;
// The engine checks no credentials here (NO_AUTH): the clients send none.
let commands: CommandClient;
let queries: QueryClient;

beforeAll(async () => {
  const config = testEngineConfig();
  engine = await startEngine(config, silentLogger, { access: NO_AUTH });
  commands = commandClient(engine.commandUrl);
  queries = queryClient(engine.queryUrl);
});
afterAll(async () => {
  await engine?.stop();
});

type OrderStatus = QueryComponents['schemas']['OrderView']['status'];
type EventEnvelope = QueryComponents['schemas']['EventEnvelope'];

const order = (id: string) => queries.GET('/orders/{id}', { params: { path: { id } } });
const product = (sku: string, minPosition?: string) =>
  queries.GET('/products/{sku}', {
    params: { path: { sku }, header: minPosition ? { 'X-Min-Position': minPosition } : {} },
  });
const placeOrder = (customerId: string, sku: string, quantity: number) =>
  commands.POST('/orders', { body: { customerId, lines: [{ sku, quantity }] } });

async function registerProduct(sku: string, stock: number, priceCents = 1250) {
  const registered = await commands.POST('/products', {
    body: { sku, name: `Product ${sku}`, category: 'e2e', priceCents, currency: 'EUR' },
  });
  expect(registered.response.status).toBe(201);
  if (stock > 0) {
    const restocked = await commands.POST('/products/{sku}/restock', {
      params: { path: { sku } },
      body: { quantity: stock },
    });
    expect(restocked.response.status).toBe(200);
  }
}

const orderWhen = (orderId: string, statuses: OrderStatus[]) =>
  eventually(async () => {
    const { data, response } = await order(orderId);
    return response.status === 200 && data && statuses.includes(data.status) ? data : undefined;
  });

describe('embedded engine, end to end', () => {
  it('runs an order through its whole life against a catalog with stock', async () => {
    await registerProduct('lamp', 5);

    const placed = await placeOrder('alice', 'lamp', 2);
    expect(placed.response.status).toBe(202);
    expect(placed.data).toMatchObject({
      status: 'placed',
      orderId: expect.any(String),
      position: expect.stringMatching(/^\d+$/),
    });
    const orderId = placed.data!.orderId;

    const confirmed = await orderWhen(orderId, ['confirmed']);
    expect(confirmed).toMatchObject({ customerId: 'alice', totalCents: 2500, currency: 'EUR' });
    const lamp = await eventually(async () => {
      const { data } = await product('lamp');
      return data?.reserved === 2 ? data : undefined;
    });
    expect(lamp).toMatchObject({ onHand: 5, reserved: 2, available: 3 });

    const tooMany = await placeOrder('bob', 'lamp', 10);
    expect(tooMany.response.status).toBe(202);
    await orderWhen(tooMany.data!.orderId, ['rejected']);
    expect((await product('lamp', tooMany.data!.position)).data).toMatchObject({
      onHand: 5,
      reserved: 2,
      available: 3,
    });

    const path = { id: orderId };
    expect(
      (await commands.POST('/orders/{id}/pay', { params: { path }, body: { amountCents: 2500 } })).response.status,
    ).toBe(200);
    const shipped = await commands.POST('/orders/{id}/ship', {
      params: { path },
      body: { carrier: 'DHL', trackingNumber: 'JD0001' },
    });
    expect(shipped.response.status).toBe(200);
    await orderWhen(orderId, ['shipped']);
    const afterShip = await eventually(async () => {
      const { data } = await product('lamp');
      return data?.onHand === 3 ? data : undefined;
    });
    expect(afterShip).toMatchObject({ onHand: 3, reserved: 0, available: 3 });

    const cancel = await commands.POST('/orders/{id}/cancel', {
      params: { path },
      body: { reason: 'changed my mind' },
    });
    expect(cancel.response.status).toBe(409);
    expect(cancel.response.headers.get('content-type')).toContain('application/problem+json');
    expect(cancel.error).toMatchObject({
      status: 409,
      type: expect.any(String),
      title: expect.any(String),
      detail: expect.any(String),
    });

    const { history } = (await order(orderId)).data!;
    expect(history.map((entry) => entry.status)).toEqual(['placed', 'confirmed', 'paid', 'shipped']);

    // The same order as analysts see it: folded from the event store, at any revision.
    const at = (revision?: string) =>
      queries.GET('/history/orders/{orderId}', { params: { path: { orderId }, query: revision ? { revision } : {} } });
    expect((await at()).data).toMatchObject({
      revision: 4,
      state: { status: 'shipped' },
    });
    expect((await at('0')).data).toMatchObject({
      revision: 0,
      state: { status: 'placed' },
    });
    // NDJSON: one event per line, read as text.
    const exported = await queries.GET('/history/events', {
      params: { query: { stream: `order-${orderId}` } },
      parseAs: 'text',
    });
    const lines = exported
      .data!.trim()
      .split('\n')
      .map((line) => JSON.parse(line) as EventEnvelope);
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
        const { data, response } = await product('scarce');
        if (response.status === 200) lowest = Math.min(lowest, data!.available);
      }
    })();

    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => placeOrder(`rush-${i % 7}`, 'scarce', 1)));
    expect(answers.every((a) => a.response.status === 202)).toBe(true);
    // One order at a time: 200 pollers every 20 ms, in the engine's own process, would keep its main thread busy
    // answering them, and starve the saga and projections whose database round trips wait for that thread.
    const finals = [];
    for (const answer of answers) finals.push(await orderWhen(answer.data!.orderId, ['confirmed', 'rejected']));
    watching = false;
    await watcher;

    expect(finals.filter((o) => o.status === 'confirmed')).toHaveLength(50);
    expect(finals.filter((o) => o.status === 'rejected')).toHaveLength(150);
    const scarce = await eventually(async () => {
      const { data } = await product('scarce');
      return data?.reserved === 50 ? data : undefined;
    });
    expect(scarce).toMatchObject({ onHand: 50, reserved: 50, available: 0 });
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
    // Bodies the typed client would not send (wrong types, unknown fields, no JSON at all): raw fetch.
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
      const body = (await response.json()) as Problem;
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
    const answer = await projectionClient(engine.projectionUrl).GET('/projections');
    expect(answer.response.status).toBe(200);
    expect(answer.data!.map((p) => p.name).sort()).toEqual([...projectionNames].sort());
  });
});

import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import {
  EventStoreUnavailable,
  availableOf,
  encodeEvent,
  orderStream,
  productStream,
  silentLogger,
  storeFeed,
  type EventFeed,
  type EventStore,
  type RecordedEvent,
} from '@order-engine/shared';
import { commandHandler } from '../handling/command-handler.js';
import { onEveryDatabase, type TestDatabase } from '../testing/databases.js';
import { eventually } from '../testing/http.js';
import {
  eventTypesOf,
  orderOf,
  orderReaches,
  placeOrder,
  productOf,
  registerProduct,
  sagaSettled,
  headIncluding,
} from '../testing/scenario.js';
import type { RunningCommandService } from '../testing/test-command-service.js';
import { sqlCheckpointStore } from './checkpoints.js';
import { checkpointedConsumer } from './consumer.js';
import { fulfilmentSaga } from './fulfilment.js';

const available = async (store: EventStore, sku: string) => {
  const product = await productOf(store, sku);
  if (product.status === 'none') throw new Error(`no product ${sku}`);
  return {
    onHand: product.onHand,
    reserved: product.onHand - availableOf(product),
    available: availableOf(product),
    reservations: product.reservations.toObject(),
  };
};

/** Every batch twice, and every event twice inside it: what an at-least-once feed may do at worst. */
const doubled = (store: EventStore): EventFeed =>
  async function* (after, signal) {
    for await (const round of storeFeed((options) => store.subscribeToAll(options))(after, signal)) {
      const twice = round.map((batch) => ({
        ...batch,
        events: batch.events.flatMap((event): RecordedEvent[] => [event, event]),
      }));
      yield twice;
      yield twice;
    }
  };

/** Places, rejects, cancels and ships orders, waiting for the saga at each step. */
async function fulfilmentScenario(service: RunningCommandService, store: EventStore): Promise<void> {
  await registerProduct(service, 'A', 5);
  await registerProduct(service, 'B', 1);
  await registerProduct(service, 'C', 10);
  await placeOrder(
    service,
    [
      { sku: 'A', quantity: 2 },
      { sku: 'C', quantity: 1 },
    ],
    'o-ok',
  );
  await orderReaches(store, 'o-ok', 'confirmed');
  await placeOrder(service, [{ sku: 'B', quantity: 3 }], 'o-short');
  await orderReaches(store, 'o-short', 'rejected');
  await placeOrder(
    service,
    [
      { sku: 'A', quantity: 1 },
      { sku: 'B', quantity: 2 },
    ],
    'o-mixed',
  );
  await orderReaches(store, 'o-mixed', 'rejected');
  await placeOrder(service, [{ sku: 'C', quantity: 4 }], 'o-cancel');
  await orderReaches(store, 'o-cancel', 'confirmed');
  expect((await service.request('/orders/o-cancel/cancel', { body: { reason: 'changed my mind' } })).status).toBe(200);
  expect((await service.request('/orders/o-ok/pay', { body: { amountCents: 3_000 } })).status).toBe(200);
  expect((await service.request('/orders/o-ok/ship', { body: { carrier: 'DHL', trackingNumber: 'T-1' } })).status).toBe(
    200,
  );
  await sagaSettled(service, store);
}

const streams = ['A', 'B', 'C'].map(productStream).concat(['o-ok', 'o-short', 'o-mixed', 'o-cancel'].map(orderStream));

async function snapshot(store: EventStore) {
  return Promise.all(
    streams.map(async (streamId) => ({
      streamId,
      types: await eventTypesOf(store, streamId),
      state: streamId.startsWith('product-')
        ? await productOf(store, streamId.slice('product-'.length))
        : await orderOf(store, streamId.slice('order-'.length)),
    })),
  );
}

async function withService(database: TestDatabase, options: Parameters<TestDatabase['start']>[0] = {}) {
  return { service: await database.start(options), store: database.eventStore };
}

onEveryDatabase('fulfilment saga', (database) => {
  it('confirms a placed order once every line has its stock reserved', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5);
    await registerProduct(service, 'C', 3);
    const orderId = await placeOrder(service, [
      { sku: 'A', quantity: 2 },
      { sku: 'C', quantity: 3 },
    ]);
    const order = await orderReaches(store, orderId, 'confirmed');
    expect(order).toMatchObject({ reserved: expect.arrayContaining(['A', 'C']) });
    expect(await available(store, 'A')).toMatchObject({ onHand: 5, reserved: 2, available: 3 });
    expect(await available(store, 'C')).toMatchObject({ onHand: 3, reserved: 3, available: 0 });
    expect(await eventTypesOf(store, orderStream(orderId))).toEqual([
      'OrderPlaced',
      'OrderLineReserved',
      'OrderLineReserved',
      'OrderConfirmed',
    ]);
    const [, reservedEvent] = await store.readStream(orderStream(orderId));
    const [placedEvent] = await store.readStream(orderStream(orderId));
    // The saga's events are caused by the product's StockReserved and share the order's correlation id.
    expect(reservedEvent?.metadata).toMatchObject({
      actor: 'fulfilment-saga',
      correlationId: placedEvent?.metadata.correlationId,
    });
  });

  it('rejects an order whose stock is short, leaving the stock untouched', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'B', 1);
    const orderId = await placeOrder(service, [{ sku: 'B', quantity: 2 }]);
    expect(await orderReaches(store, orderId, 'rejected')).toBeTruthy();
    await sagaSettled(service, store);
    expect(await available(store, 'B')).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
    expect(await eventTypesOf(store, productStream('B'))).toEqual([
      'ProductRegistered',
      'StockAdded',
      'StockReservationRejected',
    ]);
    const [, rejected] = await store.readStream(orderStream(orderId));
    expect(rejected?.data).toMatchObject({ sku: 'B', reason: 'insufficient stock for B: requested 2, available 1' });
  });

  it('gives back the lines already reserved when another line of the order is short', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5);
    await registerProduct(service, 'B', 1);
    const orderId = await placeOrder(service, [
      { sku: 'A', quantity: 2 },
      { sku: 'B', quantity: 2 },
    ]);
    await orderReaches(store, orderId, 'rejected');
    await sagaSettled(service, store);
    expect(await available(store, 'A')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect(await available(store, 'B')).toMatchObject({ onHand: 1, reserved: 0, available: 1 });
  });

  it('releases the stock of a cancelled order', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5);
    const orderId = await placeOrder(service, [{ sku: 'A', quantity: 4 }]);
    await orderReaches(store, orderId, 'confirmed');
    expect((await service.request(`/orders/${orderId}/cancel`, { body: { reason: 'too slow' } })).status).toBe(200);
    await sagaSettled(service, store);
    expect(await available(store, 'A')).toMatchObject({ onHand: 5, reserved: 0, available: 5 });
    expect((await eventTypesOf(store, productStream('A'))).at(-1)).toBe('StockReleased');
  });

  it('ships the reserved stock when the order ships', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5, 1_250);
    const orderId = await placeOrder(service, [{ sku: 'A', quantity: 2 }]);
    await orderReaches(store, orderId, 'confirmed');
    expect((await service.request(`/orders/${orderId}/pay`, { body: { amountCents: 2_500 } })).status).toBe(200);
    expect(
      (await service.request(`/orders/${orderId}/ship`, { body: { carrier: 'DHL', trackingNumber: 'JD01' } })).status,
    ).toBe(200);
    await sagaSettled(service, store);
    expect((await eventTypesOf(store, productStream('A'))).at(-1)).toBe('StockShipped');
    expect(await available(store, 'A')).toMatchObject({ onHand: 3, reserved: 0, available: 3 });
    expect((await service.request(`/orders/${orderId}/deliver`)).status).toBe(200);
  });

  it('sells goods once: an order reservation cannot be released by hand, and a shipment takes it off the shelf', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5, 100);
    const first = await placeOrder(service, [{ sku: 'A', quantity: 5 }]);
    await orderReaches(store, first, 'confirmed');
    expect((await service.request(`/products/A/reservations/${first}`, { method: 'DELETE' })).status).toBe(404);
    expect((await service.request(`/products/A/holds/${first}`, { method: 'DELETE' })).status).toBe(404);
    expect((await service.request(`/orders/${first}/pay`, { body: { amountCents: 500 } })).status).toBe(200);
    expect(
      (await service.request(`/orders/${first}/ship`, { body: { carrier: 'DHL', trackingNumber: 'T-1' } })).status,
    ).toBe(200);
    await sagaSettled(service, store);
    expect(await available(store, 'A')).toMatchObject({ onHand: 0, reserved: 0, available: 0 });
    const second = await placeOrder(service, [{ sku: 'A', quantity: 5 }]);
    await orderReaches(store, second, 'rejected');
  });

  it('a hold keeps stock from orders, and its release gives it back, without touching any reservation', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5);
    const confirmed = await placeOrder(service, [{ sku: 'A', quantity: 2 }]);
    await orderReaches(store, confirmed, 'confirmed');
    expect(
      (await service.request('/products/A/holds', { body: { holdId: confirmed, quantity: 3, reason: 'display' } }))
        .status,
    ).toBe(201);
    const short = await placeOrder(service, [{ sku: 'A', quantity: 1 }]);
    await orderReaches(store, short, 'rejected');
    expect((await service.request(`/products/A/holds/${confirmed}`, { method: 'DELETE' })).status).toBe(200);
    await sagaSettled(service, store);
    expect(await available(store, 'A')).toMatchObject({
      onHand: 5,
      reserved: 2,
      available: 3,
      reservations: { [confirmed]: 2 },
    });
  });

  // Histories written before reservations were the saga's alone may hold one under an order id before its order exists.
  it.each([
    ['fewer units than its line', 1, 900, 'rejected'],
    ['more units than its line', 900, 1, 'rejected'],
    ['exactly its line', 3, 3, 'confirmed'],
  ] as const)('decides an order whose id already holds a reservation of %s', async (_case, held, ordered, status) => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 1_000);
    await store.append(
      productStream('A'),
      [encodeEvent({ type: 'StockReserved', data: { sku: 'A', orderId: 'o-early', quantity: held } })],
      { expectedRevision: 1 },
    );
    await placeOrder(service, [{ sku: 'A', quantity: ordered }], 'o-early');
    const order = await orderReaches(store, 'o-early', status);
    await sagaSettled(service, store);
    // Rejected, its reservation is released; confirmed, it holds exactly its line.
    expect(await available(store, 'A')).toMatchObject(
      status === 'confirmed' ? { reserved: 3, reservations: { 'o-early': 3 } } : { reserved: 0, reservations: {} },
    );
    if (status === 'rejected') expect(order).toMatchObject({ status: 'rejected' });
  });

  // Lagging, the saga meets the settled StockReserved when the order already exists: it must not confirm on it.
  it.each([
    ['keeps up', true],
    ['lags behind', false],
  ] as const)(
    'decides an order whose id had a reservation settled before it was placed, when the saga %s',
    async (_case, sagaRunning) => {
      const { service, store } = await withService(database(), { saga: sagaRunning });
      await registerProduct(service, 'A', 10);
      const early = [
        encodeEvent({ type: 'StockReserved', data: { sku: 'A', orderId: 'o-settled', quantity: 2 } }),
        encodeEvent({ type: 'StockReleased', data: { sku: 'A', orderId: 'o-settled', quantity: 2 } }),
      ];
      await store.append(productStream('A'), early, { expectedRevision: 1 });
      await placeOrder(service, [{ sku: 'A', quantity: 2 }], 'o-settled');
      if (!sagaRunning) service.service.saga.start();
      await orderReaches(store, 'o-settled', 'rejected');
      await sagaSettled(service, store);
      expect(await available(store, 'A')).toMatchObject({ onHand: 10, reserved: 0, reservations: {} });
    },
  );

  it('frees no stock of a live order for a forged or replayed OrderCancelled or OrderShipped', async () => {
    const { service, store } = await withService(database());
    await registerProduct(service, 'A', 5);
    const orderId = await placeOrder(service, [{ sku: 'A', quantity: 2 }]);
    await orderReaches(store, orderId, 'confirmed');
    await sagaSettled(service, store);
    const before = await eventTypesOf(store, productStream('A'));
    const saga = fulfilmentSaga(commandHandler(store), silentLogger);
    const forged = (type: 'OrderCancelled' | 'OrderShipped', data: Record<string, unknown>): RecordedEvent => ({
      eventId: randomUUID(),
      type,
      version: 1,
      streamId: orderStream(orderId),
      revision: 99,
      position: 10_000_000n,
      recordedAt: new Date(),
      data: { orderId, ...data },
      metadata: {},
    });
    await saga(forged('OrderCancelled', { reason: 'forged' }));
    await saga(forged('OrderShipped', { carrier: 'X', trackingNumber: 'Y' }));
    expect(await eventTypesOf(store, productStream('A'))).toEqual(before);
    expect(await available(store, 'A')).toMatchObject({ onHand: 5, reserved: 2, reservations: { [orderId]: 2 } });
  });

  it('rejects an order whose product was discontinued after it was placed', async () => {
    const { service, store } = await withService(database(), { saga: false });
    await registerProduct(service, 'A', 5);
    const orderId = await placeOrder(service, [{ sku: 'A', quantity: 1 }]);
    expect((await service.request('/products/A/discontinue')).status).toBe(200);
    service.service.saga.start();
    const order = await orderReaches(store, orderId, 'rejected');
    expect(order.status).toBe('rejected');
    const events = await store.readStream(orderStream(orderId));
    expect(events.at(-1)?.data).toMatchObject({ reason: 'product A is discontinued', sku: 'A' });
  });

  it('reaches the same final state when every event is delivered twice', async () => {
    // One clock for both runs, so the two histories can be compared field by field.
    const now = () => new Date('2026-01-15T10:00:00.000Z');
    const once = await withService(database(), { now });
    await fulfilmentScenario(once.service, once.store);
    const sibling = database().sibling();
    const twice = await withService(sibling, { now, feed: doubled(sibling.eventStore) });
    await fulfilmentScenario(twice.service, twice.store);
    expect(await snapshot(twice.store)).toEqual(await snapshot(once.store));
    expect(await available(twice.store, 'A')).toMatchObject({ onHand: 3, reserved: 0 });
    expect(await available(twice.store, 'C')).toMatchObject({ onHand: 9, reserved: 0 });
  });

  it('replaying the whole history through the saga again appends nothing', async () => {
    const { service, store } = await withService(database());
    await fulfilmentScenario(service, store);
    const head = await headIncluding(store, streams);
    const replay = checkpointedConsumer({
      name: 'replay',
      feed: storeFeed((options) => store.subscribeToAll(options)),
      checkpoints: sqlCheckpointStore(database().sql, { prefix: database().prefix }),
      handle: fulfilmentSaga(commandHandler(store), silentLogger),
      logger: silentLogger,
    });
    replay.start();
    await eventually(async () => (replay.status().position >= head ? true : undefined));
    await replay.stop();
    expect(await store.headPosition()).toBe(head);
  });

  it('keeps going after the event store failed for a while: backs off, retries, confirms', async () => {
    const { eventStore } = database();
    let failures = 0;
    const flaky: EventStore = {
      ...eventStore,
      append: (...args) =>
        failures > 0
          ? (failures--, Promise.reject(new EventStoreUnavailable('store restarting')))
          : eventStore.append(...args),
    };
    const { service, store } = await withService(database(), { saga: false, eventStore: flaky });
    await registerProduct(service, 'A', 5);
    const orderId = await placeOrder(service, [{ sku: 'A', quantity: 1 }]);
    failures = 2;
    service.service.saga.start();
    await orderReaches(store, orderId, 'confirmed');
    expect(failures).toBe(0);
  });

  it('resumes after its checkpoint when restarted', async () => {
    const first = await withService(database());
    await registerProduct(first.service, 'A', 5);
    const orderId = await placeOrder(first.service, [{ sku: 'A', quantity: 1 }], 'o-1');
    await orderReaches(first.store, orderId, 'confirmed');
    await sagaSettled(first.service, first.store);
    const checkpoint = first.service.service.saga.status().position;
    const head = await headIncluding(first.store, [productStream('A'), orderStream(orderId)]);
    await first.service.stop();
    const second = await database().start();
    await eventually(async () => (second.service.saga.status().position >= checkpoint ? true : undefined));
    // Nothing was redone on the way to the checkpoint, and the restarted saga carries on with new orders.
    expect(await first.store.headPosition()).toBe(head);
    const next = await placeOrder(second, [{ sku: 'A', quantity: 1 }], 'o-2');
    await orderReaches(first.store, next, 'confirmed');
  });
});

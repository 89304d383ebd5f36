import { expect, it } from 'vitest';
import { memoryEventStore, orderStream, silentLogger, type EventStore, type RecordedEvent } from '@order-engine/shared';
import { commandHandler, type CommandHandler } from '../handling/command-handler.js';
import { fulfilmentSaga } from './fulfilment.js';

/** A command handler that counts the order reads the saga makes. */
function counting(commands: CommandHandler): CommandHandler & { orderReads: () => number } {
  let reads = 0;
  return { ...commands, loadOrder: (orderId) => (reads++, commands.loadOrder(orderId)), orderReads: () => reads };
}

async function placedOrder() {
  const store = memoryEventStore();
  const commands = commandHandler(store);
  await commands.product({
    type: 'RegisterProduct',
    data: { sku: 'A', name: 'A', category: 'c', priceCents: 100, currency: 'EUR' },
  });
  await commands.product({ type: 'Restock', data: { sku: 'A', quantity: 5 } });
  const placed = await commands.order({
    type: 'PlaceOrder',
    data: {
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      lines: [{ sku: 'A', quantity: 2, unitPriceCents: 100 }],
    },
  });
  return { store, commands, placed: placed.events[0] as RecordedEvent };
}

it('does not look again at the events it reacted to in the same pass when the feed brings them', async () => {
  const { store, commands, placed } = await placedOrder();
  const saga = counting(commands);
  const handle = fulfilmentSaga(saga, silentLogger);
  await handle(placed);
  const readsInPass = saga.orderReads();
  const head = await store.headPosition();
  // The feed now brings what the pass appended (StockReserved, OrderLineReserved, OrderConfirmed).
  for (const event of await store.readAll({ after: placed.position })) await handle(event);
  expect(saga.orderReads()).toBe(readsInPass);
  expect(await store.headPosition()).toBe(head);
  expect((await store.readStream(orderStream('o-1'))).map((event) => event.type)).toEqual([
    'OrderPlaced',
    'OrderLineReserved',
    'OrderConfirmed',
  ]);
});

it('a saga that did not make the pass itself (a restart) reads those events again and finds nothing to do', async () => {
  const { store, commands, placed } = await placedOrder();
  await fulfilmentSaga(commands, silentLogger)(placed);
  const head = await store.headPosition();
  const restarted = counting(commandHandler(store));
  const handle = fulfilmentSaga(restarted, silentLogger);
  for (const event of await store.readAll({ after: placed.position })) await handle(event);
  expect(restarted.orderReads()).toBe(1); // the StockReserved
  expect(await store.headPosition()).toBe(head);
});

it("reads the order stream again only for a product's event: an event of the order's own stream is reacted to on a fold that has it", async () => {
  const store = memoryEventStore();
  let orderStreamReads = 0;
  const counted: EventStore = {
    ...store,
    readStream: (streamId, options) => (
      streamId.startsWith('order-') && orderStreamReads++,
      store.readStream(streamId, options)
    ),
  };
  const commands = commandHandler(counted);
  await commands.product({
    type: 'RegisterProduct',
    data: { sku: 'A', name: 'A', category: 'c', priceCents: 100, currency: 'EUR' },
  });
  await commands.product({ type: 'Restock', data: { sku: 'A', quantity: 5 } });
  const placed = await commands.order({
    type: 'PlaceOrder',
    data: {
      orderId: 'o-1',
      customerId: 'c-1',
      currency: 'EUR',
      lines: [{ sku: 'A', quantity: 2, unitPriceCents: 100 }],
    },
  });
  const before = orderStreamReads;
  await fulfilmentSaga(commands, silentLogger)(placed.events[0]!);
  // OrderPlaced: the fold placing it left; StockReserved, an event of the product's stream: the order read again.
  expect(orderStreamReads - before).toBe(1);
  expect((await store.readStream(orderStream('o-1'))).map((event) => event.type)).toEqual([
    'OrderPlaced',
    'OrderLineReserved',
    'OrderConfirmed',
  ]);
  // A handler that never saw the order (another process placed it) reads it for the OrderPlaced too.
  const elsewhere = commandHandler(counted);
  await commands.order({ type: 'CancelOrder', data: { orderId: 'o-1', reason: 'changed my mind' } });
  const cancelled = (await store.readStream(orderStream('o-1'))).at(-1)!;
  const reads = orderStreamReads;
  await fulfilmentSaga(elsewhere, silentLogger)(cancelled);
  expect(orderStreamReads - reads).toBe(1);
});

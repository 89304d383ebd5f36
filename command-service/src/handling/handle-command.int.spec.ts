import { expect, it } from 'vitest';
import {
  WrongExpectedRevision,
  decodeEvent,
  encodeEvent,
  productDecider,
  productStream,
  type EventStore,
  type ProductCommand,
} from '@order-engine/shared';
import { onEveryDatabase } from '../testing/databases.js';
import { commandHandler, type ProductResult } from './command-handler.js';
import { handleCommand, handleCommands } from './handle-command.js';
import { loadStream, stateCache } from './stream-state.js';

const sku = 'KETTLE';
const stream = productStream(sku);
const register: ProductCommand = {
  type: 'RegisterProduct',
  data: { sku, name: 'Kettle', category: 'kitchen', priceCents: 2_499, currency: 'EUR' },
};
const restock = (quantity: number): ProductCommand => ({ type: 'Restock', data: { sku, quantity } });

/** A store whose every append first meets a competing append to the same stream: it always conflicts. */
function alwaysRaced(store: EventStore): EventStore & { appends: () => number } {
  let appends = 0;
  return {
    ...store,
    async append(streamId, events, options) {
      appends++;
      await store.append(streamId, [encodeEvent({ type: 'StockAdded', data: { sku, quantity: 1 } })]);
      return store.append(streamId, events, options);
    },
    appends: () => appends,
  };
}

onEveryDatabase('handleCommand', (database) => {
  it('creates a stream expecting none, and answers the new events, revision and position', async () => {
    const { eventStore } = database();
    const result = await handleCommand(eventStore, productDecider, stream, register, {
      metadata: { correlationId: 'corr-1', causationId: 'cause-1', idempotencyKey: 'key-1', actor: 'tester' },
    });
    expect(result.events.map((event) => event.type)).toEqual(['ProductRegistered']);
    expect(result.revision).toBe(0);
    expect(result.position).toBe(result.events[0]?.position);
    expect(result.state).toMatchObject({ status: 'active', sku });
    const [stored] = await eventStore.readStream(stream);
    expect(stored?.metadata).toEqual({
      correlationId: 'corr-1',
      causationId: 'cause-1',
      idempotencyKey: 'key-1',
      actor: 'tester',
    });
  });

  it('answers the position of the last existing event when the decision is a no-op', async () => {
    const { eventStore } = database();
    const registered = await handleCommand(eventStore, productDecider, stream, register);
    await handleCommand(eventStore, productDecider, productStream('OTHER'), {
      ...register,
      data: { ...register.data, sku: 'OTHER' },
    });
    const noop = await handleCommand(eventStore, productDecider, stream, { type: 'DiscontinueProduct', data: { sku } });
    const again = await handleCommand(eventStore, productDecider, stream, {
      type: 'DiscontinueProduct',
      data: { sku },
    });
    expect(again.events).toEqual([]);
    expect(again.revision).toBe(1);
    expect(again.position).toBe(noop.position);
    expect(again.position).toBeGreaterThan(registered.position);
  });

  it('lands every one of many concurrent commands on one stream: conflicts are retried, no update is lost', async () => {
    const { eventStore } = database();
    await handleCommand(eventStore, productDecider, stream, register);
    const writers = 25;
    await Promise.all(
      Array.from({ length: writers }, (_, i) =>
        handleCommand(eventStore, productDecider, stream, restock(i + 1), { retries: 100 }),
      ),
    );
    const { state, revision } = await loadStream(eventStore, productDecider, stream);
    expect(revision).toBe(writers);
    expect(state).toMatchObject({ onHand: (writers * (writers + 1)) / 2 });
  });

  it('gives up after the allowed retries with WrongExpectedRevision', async () => {
    const { eventStore } = database();
    await handleCommand(eventStore, productDecider, stream, register);
    const raced = alwaysRaced(eventStore);
    await expect(handleCommand(raced, productDecider, stream, restock(5), { retries: 2 })).rejects.toBeInstanceOf(
      WrongExpectedRevision,
    );
    expect(raced.appends()).toBe(3);
    const events = (await eventStore.readStream(stream)).map(decodeEvent);
    expect(events.filter((event) => event.type === 'StockAdded').map((event) => event.data)).toEqual([
      { sku, quantity: 1 },
      { sku, quantity: 1 },
      { sku, quantity: 1 },
    ]);
  });

  it('a cached fold that fell behind another writer still decides on the whole stream', async () => {
    const { eventStore } = database();
    const cache = stateCache<ReturnType<typeof productDecider.evolve>>();
    await handleCommand(eventStore, productDecider, stream, register, { cache });
    await handleCommand(eventStore, productDecider, stream, restock(2), { cache });
    // Another process appends behind this cache's back.
    await handleCommand(eventStore, productDecider, stream, restock(3));
    const result = await handleCommand(
      eventStore,
      productDecider,
      stream,
      { type: 'ReserveStock', data: { sku, orderId: 'o-1', quantity: 5 } },
      { cache },
    );
    expect(result.decided).toEqual([{ type: 'StockReserved', data: { sku, orderId: 'o-1', quantity: 5 } }]);
    expect(result.revision).toBe(3);
    expect(cache.get(stream)).toMatchObject({ revision: 3, position: result.position });
  });

  it('decides on a known state without reading; a stale one is caught by the expected revision and read afresh', async () => {
    const { eventStore } = database();
    await handleCommand(eventStore, productDecider, stream, register);
    const known = await loadStream(eventStore, productDecider, stream);
    let reads = 0;
    const counting: EventStore = { ...eventStore, readStream: (...args) => (reads++, eventStore.readStream(...args)) };
    const fresh = await handleCommand(counting, productDecider, stream, restock(2), { known });
    expect([reads, fresh.revision]).toEqual([0, 1]);
    // `known` is now one event behind: the append conflicts, the retry reads the stream and lands on top of it.
    const retried = await handleCommand(counting, productDecider, stream, restock(3), { known });
    expect([reads, retried.revision]).toEqual([1, 2]);
    expect((await loadStream(eventStore, productDecider, stream)).state).toMatchObject({ onHand: 5 });
  });

  it('a sole writer loads and decides from its cache without reading; a write behind its back still lands nothing twice', async () => {
    const { eventStore } = database();
    let reads = 0;
    const counting: EventStore = { ...eventStore, readStream: (...args) => (reads++, eventStore.readStream(...args)) };
    const handler = commandHandler(counting, { soleWriter: true });
    await handler.product(register);
    await handler.product(restock(2));
    expect((await handler.loadProduct(sku)).state).toMatchObject({ onHand: 2 });
    expect(reads).toBe(1); // the registration, whose stream was not cached yet
    // Were it not the sole writer after all: its cached fold is behind, the append conflicts, the retry reads.
    await handleCommand(eventStore, productDecider, stream, restock(3));
    const result = await handler.product(restock(4));
    expect(result.revision).toBe(3);
    expect((await loadStream(eventStore, productDecider, stream)).state).toMatchObject({ onHand: 9 });
  });

  it('beside other writers, decides on its cached fold without reading, and decides a no-op again on a fresh read', async () => {
    const { eventStore } = database();
    let reads = 0;
    const counting: EventStore = { ...eventStore, readStream: (...args) => (reads++, eventStore.readStream(...args)) };
    const handler = commandHandler(counting);
    await handler.product(register);
    await handler.product(restock(5));
    expect(reads).toBe(1); // the registration, whose stream was not cached yet
    // Another process reserves behind this handler's back: its fold knows of no reservation for o-1.
    await handleCommand(eventStore, productDecider, stream, {
      type: 'ReserveStock',
      data: { sku, orderId: 'o-1', quantity: 2 },
    });
    // On the cached fold, releasing o-1 is a no-op; on the stream as it is, it gives the 2 back.
    const released = await handler.product({ type: 'ReleaseStock', data: { sku, orderId: 'o-1' } });
    expect(released.decided).toEqual([{ type: 'StockReleased', data: { sku, orderId: 'o-1', quantity: 2 } }]);
    expect(reads).toBe(2);
    expect((await loadStream(eventStore, productDecider, stream)).state).toMatchObject({ onHand: 5, reservations: {} });
  });

  it('decides a refusal on a fold that may lag again on a fresh read', async () => {
    const { eventStore } = database();
    await handleCommand(eventStore, productDecider, stream, register);
    // A fold from before the registration: restocking an unregistered product is refused.
    const before = { state: productDecider.initialState, revision: -1, position: 0n };
    await expect(handleCommand(eventStore, productDecider, stream, restock(2), { known: before })).rejects.toThrow();
    const restocked = await handleCommand(eventStore, productDecider, stream, restock(2), {
      known: before,
      knownMayLag: true,
    });
    expect([restocked.revision, restocked.state]).toMatchObject([1, { onHand: 2 }]);
  });

  it('decides a batch in turn, each command on the state the ones before it leave, and appends it in one append', async () => {
    const { eventStore } = database();
    await handleCommand(eventStore, productDecider, stream, register);
    let appends = 0;
    const counting: EventStore = { ...eventStore, append: (...args) => (appends++, eventStore.append(...args)) };
    const reserve = (orderId: string, quantity: number): ProductCommand => ({
      type: 'ReserveStock',
      data: { sku, orderId, quantity },
    });
    const outcomes = await handleCommands(counting, productDecider, stream, [
      { command: restock(3), metadata: { causationId: 'restock' } },
      { command: reserve('o-1', 2), metadata: { causationId: 'o-1' } },
      // Refused alone (the product is registered already): the others go on without it.
      { command: register },
      // Only 1 left after o-1's reservation: rejected, which is an event too.
      { command: reserve('o-2', 2), metadata: { causationId: 'o-2' } },
    ]);
    expect(appends).toBe(1);
    expect(outcomes[2]).toBeInstanceOf(Error);
    const [restocked, reserved, , rejected] = outcomes.map((outcome, i) => {
      if (outcome instanceof Error && i !== 2) throw outcome;
      return outcome as Exclude<typeof outcome, Error>;
    }) as [ProductResult, ProductResult, unknown, ProductResult];
    expect(restocked.decided).toEqual([{ type: 'StockAdded', data: { sku, quantity: 3 } }]);
    expect([restocked.revision, reserved.revision, rejected.revision]).toEqual([1, 2, 3]);
    expect(reserved.decided).toEqual([{ type: 'StockReserved', data: { sku, orderId: 'o-1', quantity: 2 } }]);
    expect(reserved.state).toMatchObject({ onHand: 3 });
    expect(rejected.decided.map((event) => event.type)).toEqual(['StockReservationRejected']);
    expect(rejected.position).toBe(rejected.events[0]?.position);
    expect(reserved.events[0]?.position).toBeLessThan(rejected.position);
    const stored = await eventStore.readStream(stream, { fromRevision: 1 });
    expect(stored.map((event) => event.metadata.causationId)).toEqual(['restock', 'o-1', 'o-2']);
  });

  it('a command handler batches the commands that wait for their stream: fewer appends, every update lands', async () => {
    const { eventStore } = database();
    let appends = 0;
    const counting: EventStore = { ...eventStore, append: (...args) => (appends++, eventStore.append(...args)) };
    const handler = commandHandler(counting);
    await handler.product(register);
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => handler.product(restock(i + 1))));
    // The first runs alone; the others arrived while it ran, and go together.
    expect(appends).toBe(1 + 2);
    expect(results.map((result) => result.revision)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(results.at(-1)?.state).toMatchObject({ onHand: 210 });
    expect((await loadStream(eventStore, productDecider, stream)).state).toMatchObject({ onHand: 210 });
  });

  it('two command handlers (two processes) with their own caches interleave without losing an update', async () => {
    const { eventStore } = database();
    const first = commandHandler(eventStore);
    const second = commandHandler(eventStore);
    await first.product(register);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? first : second).product(restock(1))));
    expect((await first.loadProduct(sku)).state).toMatchObject({ onHand: 20 });
    expect((await second.loadProduct(sku)).state).toMatchObject({ onHand: 20 });
  });
});

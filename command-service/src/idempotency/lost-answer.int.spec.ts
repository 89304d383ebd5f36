import { expect, it } from 'vitest';
import { productStream, type EventStore } from '@order-engine/shared';
import { onEveryDatabase } from '../testing/databases.js';

// A command whose events committed but whose answer never reached the client (the append's acknowledgement was lost,
// or the process died before answering): the retry with the same Idempotency-Key gets the answer the first request
// would have had, rebuilt from those events, and runs nothing again.

const product = { sku: 'LAMP', name: 'Lamp', category: 'home', priceCents: 1_999, currency: 'EUR' };
const withKey = (key: string) => ({ 'idempotency-key': key });

/** An event store whose appends commit, and then fail as if the connection dropped before their answer. */
const losingAcknowledgements = (store: EventStore): EventStore => ({
  ...store,
  append: async (...args) => {
    await store.append(...args);
    throw new Error('connection lost after commit');
  },
});

/** An event store whose appends commit, and then never answer, as in a process that died right after its commit. */
function dyingAfterAppend(store: EventStore): { store: EventStore; appended: Promise<void>; bury(): void } {
  let appended!: () => void;
  let bury!: (error: Error) => void;
  const dead = new Promise<never>((_resolve, reject) => (bury = reject));
  return {
    store: {
      ...store,
      append: async (...args) => {
        await store.append(...args);
        appended();
        return dead;
      },
    },
    appended: new Promise<void>((resolve) => (appended = resolve)),
    bury: () => bury(new Error('the process died')),
  };
}

onEveryDatabase('Idempotency-Key of a command whose answer was lost', (database) => {
  it('a restock whose acknowledgement was lost: the retry gets the answer it would have had, and adds no stock', async () => {
    const { eventStore } = database();
    expect((await (await database().start({ saga: false })).request('/products', { body: product })).status).toBe(201);
    const service = await database().start({ saga: false, eventStore: losingAcknowledgements(eventStore) });
    const first = await service.request('/products/LAMP/restock', {
      body: { quantity: 3 },
      headers: withKey('lost-ack'),
    });
    expect(first.status).toBe(500);

    const retry = await service.request('/products/LAMP/restock', {
      body: { quantity: 3 },
      headers: withKey('lost-ack'),
    });
    const events = await eventStore.readStream(productStream('LAMP'));
    expect(events.map((event) => event.type)).toEqual(['ProductRegistered', 'StockAdded']);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual({ sku: 'LAMP', quantity: 3, revision: 1, position: events[1]!.position.toString() });
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    // The recovered answer is kept like any other.
    const repeat = await service.request('/products/LAMP/restock', {
      body: { quantity: 3 },
      headers: withKey('lost-ack'),
    });
    expect([repeat.status, repeat.body]).toEqual([200, retry.body]);
  });

  it('an order placed by a process that died before answering: the retry elsewhere gets its id and position at once', async () => {
    const { eventStore } = database();
    const setup = await database().start({ saga: false });
    expect((await setup.request('/products', { body: product })).status).toBe(201);
    expect((await setup.request('/products/LAMP/restock', { body: { quantity: 5 } })).status).toBe(200);
    const dying = dyingAfterAppend(eventStore);
    const doomed = await database().start({ saga: false, eventStore: dying.store });
    const order = { customerId: 'ana', lines: [{ sku: 'LAMP', quantity: 2 }] };
    const lost = doomed.request('/orders', { body: order, headers: withKey('order-1') });
    await dying.appended;

    // The first request's key is still 'running', well within its lease: its events say it ran.
    const retry = await setup.request('/orders', { body: order, headers: withKey('order-1') });
    const placed = (await eventStore.readAll()).filter((event) => event.type === 'OrderPlaced');
    expect(placed).toHaveLength(1);
    const { orderId } = placed[0]!.data as { orderId: string };
    expect(retry.status).toBe(202);
    expect(retry.headers.get('location')).toBe(`http://127.0.0.1:3001/orders/${orderId}`);
    expect(retry.body).toEqual({ orderId, status: 'placed', revision: 0, position: placed[0]!.position.toString() });
    dying.bury();
    expect((await lost).status).toBe(500);
  });

  it('a key used again after it expired recovers nothing of its first use: a retry after a failed append runs', async () => {
    const { eventStore, sql, prefix } = database();
    const service = await database().start({ saga: false, idempotencyKeyTtlMs: 3_600_000 });
    expect((await service.request('/products', { body: product })).status).toBe(201);
    expect(
      (await service.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('again') })).status,
    ).toBe(200);
    await sql.query(
      `UPDATE ${prefix}commands.idempotency_keys SET started_at = now() - interval '2 hours' WHERE key = 'again'`,
    );
    await service.service.housekeeping.tick();

    let failures = 1;
    const failing: EventStore = {
      ...eventStore,
      append: (...args) => (failures-- > 0 ? Promise.reject(new Error('disk on fire')) : eventStore.append(...args)),
    };
    const flaky = await database().start({ saga: false, eventStore: failing });
    expect(
      (await flaky.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('again') })).status,
    ).toBe(500);
    const retry = await flaky.request('/products/LAMP/restock', { body: { quantity: 1 }, headers: withKey('again') });
    expect([retry.status, retry.headers.get('idempotent-replayed'), retry.body.revision]).toEqual([200, null, 2]);
    expect((await eventStore.readStream(productStream('LAMP'))).map((event) => event.type)).toEqual([
      'ProductRegistered',
      'StockAdded',
      'StockAdded',
    ]);
  });
});

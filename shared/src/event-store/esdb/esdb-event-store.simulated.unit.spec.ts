import { UnavailableError } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { EventStoreUnavailable, WrongExpectedRevision } from '../errors.js';
import { eventStoreContract } from '../event-store.contract.js';
import type { NewEvent, RecordedEvent } from '../event-store.js';
import { esdbEventStore } from './esdb-event-store.js';
import { fakeEsdbClient } from './fake-esdb-client.js';
import { idempotentEventIds } from './idempotent-ids.js';

// The adapter's own logic (paging, skipping system events, batching, error conversion) on a stand-in for the
// server (fake-esdb-client.ts). Pages of 3 entries make every read cross page boundaries and system events.

eventStoreContract(
  'ESDB adapter on a simulated server',
  async () => ({ store: esdbEventStore(fakeEsdbClient().client, { pageSize: 3 }) }),
  {
    startsEmpty: false,
  },
);

const placed = (n: number): NewEvent => ({ type: 'OrderPlaced', version: 1, data: { n } });

describe('ESDB adapter on a simulated server', () => {
  it('skips system events in $all and in the head, however many sit at the end', async () => {
    const store = esdbEventStore(fakeEsdbClient().client, { pageSize: 2 });
    expect(await store.headPosition()).toBe(0n);
    expect(await store.readAll()).toEqual([]);
    const { events } = await store.append('order-1', [placed(1), placed(2), placed(3)]);
    expect(await store.readAll()).toEqual(events);
    expect(await store.headPosition()).toBe(events[2]!.position);
  });

  it('turns a conflict into WrongExpectedRevision and writes nothing', async () => {
    const store = esdbEventStore(fakeEsdbClient().client);
    await store.append('order-1', [placed(1)]);
    const error = await store
      .append('order-1', [placed(2)], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevision);
    expect((error as WrongExpectedRevision).actual).toBe(0);
    expect(await store.readStream('order-1')).toHaveLength(1);
  });

  it('refuses to guess positions when stream reads carry none (servers before 22.6)', async () => {
    const store = esdbEventStore(fakeEsdbClient({ streamReadPositions: false }).client);
    await expect(store.append('order-1', [placed(1)])).rejects.toThrow(/22\.6/);
  });

  it('reports an outage as EventStoreUnavailable', async () => {
    const fake = fakeEsdbClient();
    const store = esdbEventStore(fake.client);
    fake.goDown();
    await expect(store.append('order-1', [placed(1)])).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readStream('order-1')).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.readAll()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.headPosition()).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(store.subscribeToAll()[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(EventStoreUnavailable);
  });

  it('delivers what arrived before a dropped subscription, then fails with EventStoreUnavailable and unsubscribes', async () => {
    const fake = fakeEsdbClient();
    const store = esdbEventStore(fake.client);
    await store.append('order-1', [placed(1), placed(2)]);
    const seen: RecordedEvent[] = [];
    const run = (async () => {
      for await (const batch of store.subscribeToAll()) {
        seen.push(...batch);
        fake.failSubscriptions(new UnavailableError());
      }
    })();
    await expect(run).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(seen.map((e) => (e.data as { n: number }).n)).toEqual([1, 2]);
    expect(fake.activeSubscriptions()).toBe(0);
  });

  it('unsubscribes when aborted while waiting, and when the consumer stops early', async () => {
    const fake = fakeEsdbClient();
    const store = esdbEventStore(fake.client);
    await store.append('order-1', [placed(1), placed(2), placed(3)]);

    const controller = new AbortController();
    const waiting = (async () => {
      for await (const batch of store.subscribeToAll({ signal: controller.signal })) void batch;
    })();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(fake.activeSubscriptions()).toBe(1);
    controller.abort();
    await waiting;
    expect(fake.activeSubscriptions()).toBe(0);

    for await (const batch of store.subscribeToAll({ batchSize: 1 })) {
      expect(batch).toHaveLength(1);
      break;
    }
    expect(fake.activeSubscriptions()).toBe(0);
  });

  it('keeps up with more events than its buffer holds, in order', async () => {
    const store = esdbEventStore(fakeEsdbClient().client);
    for (let i = 0; i < 10; i++)
      await store.append(
        `order-${i}`,
        Array.from({ length: 30 }, (_, j) => placed(i * 30 + j)),
      );
    const seen: number[] = [];
    for await (const batch of store.subscribeToAll({ batchSize: 7 })) {
      expect(batch.length).toBeLessThanOrEqual(7);
      seen.push(...batch.map((e) => (e.data as { n: number }).n));
      if (seen.length === 300) break;
    }
    expect(seen).toEqual(Array.from({ length: 300 }, (_, i) => i));
  });
});

describe('ESDB adapter: event ids derived from the Idempotency-Key', () => {
  const keyed = (key: string, n: number): NewEvent => ({
    type: 'StockAdded',
    version: 1,
    data: { n },
    metadata: { idempotencyKey: key },
  });

  it("an append sent again with the same key and expected revision (its acknowledgement lost) is the server's duplicate: nothing written, the first write answered", async () => {
    const store = esdbEventStore(fakeEsdbClient().client);
    await store.append('product-a', [placed(0)]);
    const first = await store.append('product-a', [keyed('k', 1), keyed('k', 2)], { expectedRevision: 0 });
    const again = await store.append('product-a', [keyed('k', 1), keyed('k', 2)], { expectedRevision: 0 });
    expect(again).toEqual(first);
    expect((await store.readStream('product-a')).map((event) => event.data)).toEqual([{ n: 0 }, { n: 1 }, { n: 2 }]);
  });

  it('without a key, the same append sent again is a conflict', async () => {
    const store = esdbEventStore(fakeEsdbClient().client);
    await store.append('product-a', [placed(1)], { expectedRevision: 'no_stream' });
    await expect(store.append('product-a', [placed(1)], { expectedRevision: 'no_stream' })).rejects.toBeInstanceOf(
      WrongExpectedRevision,
    );
  });

  it("derives an id per stream, key and place among the key's events, and keeps an id given", () => {
    const ids = idempotentEventIds('product-a', [
      keyed('k', 1),
      keyed('k', 2),
      keyed('j', 3),
      placed(4),
      { ...keyed('k', 5), eventId: 'given' },
    ]);
    expect(ids.slice(0, 3)).toEqual(idempotentEventIds('product-a', [keyed('k', 9), keyed('k', 9), keyed('j', 9)]));
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(ids.slice(3)).toEqual([undefined, 'given']);
    expect(idempotentEventIds('product-b', [keyed('k', 1)])[0]).not.toBe(ids[0]);
    for (const id of ids.slice(0, 3))
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

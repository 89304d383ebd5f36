import { describe, expect, it } from 'vitest';
import { memoryEventStore } from '../event-store/memory/memory-event-store.js';
import type { EventStore, GlobalPosition } from '../event-store/event-store.js';
import type { EventFeed, FeedBatch } from './event-feed.js';
import { fanOutFeed } from './fan-out-feed.js';

const append = (store: EventStore, count: number, stream = 'order-1') =>
  Promise.all(
    Array.from({ length: count }, (_, i) =>
      store.append(`${stream}-${i % 3}`, [{ type: 'Test', version: 1, data: { i } }]),
    ),
  );

/** Pulls batches until `until` is reached; every position delivered, in order, with the batches' sizes. */
async function take(feed: EventFeed, after: GlobalPosition, until: GlobalPosition) {
  const controller = new AbortController();
  const positions: GlobalPosition[] = [];
  const batches: FeedBatch[] = [];
  for await (const round of feed(after, controller.signal)) {
    expect(round).toHaveLength(1);
    const batch = round[0]!;
    batches.push(batch);
    positions.push(...batch.events.map((event) => event.position));
    expect(batch.through).toBe(batch.events.at(-1)?.position);
    if (batch.through >= until) break;
  }
  controller.abort();
  return { positions, batches };
}

const range = (after: number, to: number) => Array.from({ length: to - after }, (_, i) => BigInt(after + i + 1));

describe('fanOutFeed', () => {
  it('gives every consumer every event after its own position, once and in order, from one subscription', async () => {
    const store = memoryEventStore();
    await append(store, 20);
    let subscriptions = 0;
    const fanOut = fanOutFeed(
      { ...store, subscribeToAll: (options) => (subscriptions++, store.subscribeToAll(options)) },
      { batchSize: 7 },
    );
    const consumers = [0n, 5n, 20n].map((after) => take(fanOut.feed, after, 50n));
    await new Promise((resolve) => setTimeout(resolve, 20));
    await append(store, 30);
    const [first, second, third] = await Promise.all(consumers);
    expect(first!.positions).toEqual(range(0, 50));
    expect(second!.positions).toEqual(range(5, 50));
    expect(third!.positions).toEqual(range(20, 50));
    expect(Math.max(...first!.batches.map((batch) => batch.events.length))).toBeLessThanOrEqual(7);
    expect(subscriptions).toBe(1);
    await fanOut.close();
  });

  it('a consumer behind the buffer reads the store itself until it reaches it', async () => {
    const store = memoryEventStore();
    const fanOut = fanOutFeed(store, { bufferSize: 5, batchSize: 4 });
    const live = take(fanOut.feed, 0n, 40n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await append(store, 40);
    expect((await live).positions).toEqual(range(0, 40));
    // The buffer now holds 36..40 only.
    expect((await take(fanOut.feed, 3n, 40n)).positions).toEqual(range(3, 40));
    await fanOut.close();
  });

  it('with a linger, appends that arrive close together reach the consumers as one batch', async () => {
    const store = memoryEventStore();
    const fanOut = fanOutFeed(store, { lingerMs: 50 });
    const consumer = take(fanOut.feed, 0n, 11n);
    await new Promise((resolve) => setTimeout(resolve, 20));
    await append(store, 1);
    await new Promise((resolve) => setTimeout(resolve, 10));
    for (let i = 0; i < 10; i++) await append(store, 1);
    const { positions, batches } = await consumer;
    expect(positions).toEqual(range(0, 11));
    expect(batches.map((batch) => batch.events.length)).toEqual([1, 10]);
    await fanOut.close();
  });
});

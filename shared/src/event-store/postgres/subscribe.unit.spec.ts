import { describe, expect, it } from 'vitest';
import type { RecordedEvent } from '../event-store.js';
import { subscribeToAll, type SubscriptionDeps } from './subscribe.js';

// The catch-up subscription's paging, over a store in memory: what it asks the database for, and when.

const event = (position: number): RecordedEvent => ({
  eventId: `e${position}`,
  type: 'StockAdded',
  version: 1,
  streamId: 'product-a',
  revision: position - 1,
  position: BigInt(position),
  recordedAt: new Date(0),
  data: {},
  metadata: {},
});

function storeOf(count: number, failAfter?: bigint) {
  const events = Array.from({ length: count }, (_, i) => event(i + 1));
  const reads: bigint[] = [];
  const closing = new AbortController();
  const deps: SubscriptionDeps = {
    async readAll({ after, limit }) {
      reads.push(after);
      if (failAfter !== undefined && after >= failAfter) throw new Error('the database went away');
      return events.filter((e) => e.position > after).slice(0, limit);
    },
    headPosition: async () => BigInt(count),
    newestPosition: async () => BigInt(count),
    listen: async () => async () => undefined,
    pollIntervalMs: 10,
    closed: closing.signal,
  };
  return { deps, reads, close: () => closing.abort() };
}

describe('subscribeToAll on PostgreSQL', () => {
  it('asks for the next page of a full one before the consumer is done with it', async () => {
    const { deps, reads, close } = storeOf(5);
    const pages = subscribeToAll(deps, { batchSize: 2 })[Symbol.asyncIterator]();
    const first = await pages.next();
    expect(first.value?.map((e: RecordedEvent) => e.position)).toEqual([1n, 2n]);
    // While the consumer holds the first page, the second is already being read.
    expect(reads).toEqual([0n, 2n]);
    expect((await pages.next()).value?.map((e: RecordedEvent) => e.position)).toEqual([3n, 4n]);
    expect(reads).toEqual([0n, 2n, 4n]);
    // A short page: caught up, nothing is read ahead of it.
    expect((await pages.next()).value?.map((e: RecordedEvent) => e.position)).toEqual([5n]);
    expect(reads).toEqual([0n, 2n, 4n]);
    close();
    expect((await pages.next()).done).toBe(true);
  });

  it('reports a read ahead that failed while the consumer worked to the consumer, at its next page', async () => {
    const { deps, close } = storeOf(5, 2n);
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const pages = subscribeToAll(deps, { batchSize: 2 })[Symbol.asyncIterator]();
      await pages.next();
      // The consumer works on the first page while the read of the second fails.
      await new Promise((resolve) => setTimeout(resolve, 20));
      await expect(pages.next()).rejects.toThrow('the database went away');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
      close();
    }
  });
});

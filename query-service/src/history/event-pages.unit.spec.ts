import { memoryEventStore, type EventStore, type NewEvent, type ReadAllOptions } from '@order-engine/shared';
import { describe, expect, it } from 'vitest';
import { pagesOfAll, pagesOfStream, startPages } from './event-pages.js';

const placed = (n: number): NewEvent => ({ type: 'OrderPlaced', version: 1, data: { n } });
const numbers = (pages: { data: unknown }[][]) => pages.map((page) => page.map((e) => (e.data as { n: number }).n));

async function collect<T>(pages: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

/** A memory store that records every readAll it serves. */
function recordingStore() {
  const store = memoryEventStore();
  const reads: ReadAllOptions[] = [];
  const recording: EventStore = { ...store, readAll: (options) => (reads.push(options ?? {}), store.readAll(options)) };
  return { store: recording, reads };
}

describe('pagesOfAll', () => {
  it('reads $all in pages up to the given head, honouring after and limit', async () => {
    const { store, reads } = recordingStore();
    await store.append(
      'order-1',
      Array.from({ length: 10 }, (_, i) => placed(i + 1)),
    );
    expect(numbers(await collect(pagesOfAll(store, {}, { upTo: 10n, pageSize: 4 })))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
      [9, 10],
    ]);
    expect(numbers(await collect(pagesOfAll(store, {}, { upTo: 8n, pageSize: 4 })))).toEqual([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    expect(numbers(await collect(pagesOfAll(store, { after: 2n, limit: 5 }, { upTo: 10n, pageSize: 2 })))).toEqual([
      [3, 4],
      [5, 6],
      [7],
    ]);
    expect(reads.at(-1)).toMatchObject({ after: 6n, limit: 1, to: 10n });
  });

  it('passes type, stream and time filters to the store', async () => {
    const { store, reads } = recordingStore();
    const from = new Date('2026-01-01T00:00:00Z');
    const to = new Date('2026-02-01T00:00:00Z');
    await collect(pagesOfAll(store, { types: ['OrderPaid'], streamPrefix: 'order-', from, to }, { upTo: 5n }));
    expect(reads).toEqual([
      {
        after: 0n,
        to: 5n,
        limit: 500,
        filter: { types: ['OrderPaid'], streamPrefix: 'order-' },
        recordedFrom: from,
        recordedBefore: to,
      },
    ]);
  });

  it('reads the next page while the caller handles the current one, and no further when the caller stops', async () => {
    const { store, reads } = recordingStore();
    await store.append(
      'order-1',
      Array.from({ length: 10 }, (_, i) => placed(i + 1)),
    );
    const pages = pagesOfAll(store, {}, { upTo: 10n, pageSize: 2 });
    await pages.next();
    expect(reads).toHaveLength(2); // the first page, and the next one ahead
    await pages.return(undefined);
    expect(reads).toHaveLength(2);
  });

  it('does not report a failed read ahead that nobody waits for', async () => {
    const store = memoryEventStore();
    await store.append('order-1', [placed(1), placed(2)]);
    let calls = 0;
    const failing: EventStore = {
      ...store,
      readAll: (options) => (++calls === 2 ? Promise.reject(new Error('down')) : store.readAll(options)),
    };
    const pages = pagesOfAll(failing, {}, { upTo: 2n, pageSize: 1 });
    await pages.next();
    await pages.return(undefined);
    await new Promise((resolve) => setTimeout(resolve, 10)); // an unhandled rejection would fail the run here
    expect(calls).toBe(2);
  });
});

describe('pagesOfStream', () => {
  it('reads one stream in revision order, in pages', async () => {
    const store = memoryEventStore();
    await store.append('order-1', [placed(1), placed(2), placed(3)]);
    await store.append('order-2', [placed(9)]);
    await store.append('order-1', [placed(4)]);
    expect(numbers(await collect(pagesOfStream(store, 'order-1', 2)))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await collect(pagesOfStream(store, 'order-3', 2))).toEqual([]);
  });

  it('reads a page of a stream: from a revision, at most a number of events', async () => {
    const store = memoryEventStore();
    await store.append('order-1', [placed(1), placed(2), placed(3), placed(4), placed(5)]);
    expect(numbers(await collect(pagesOfStream(store, 'order-1', 2, { from: 1, limit: 3 })))).toEqual([[2, 3], [4]]);
    expect(numbers(await collect(pagesOfStream(store, 'order-1', 2, { from: 4 })))).toEqual([[5]]);
    expect(await collect(pagesOfStream(store, 'order-1', 2, { from: 5 }))).toEqual([]);
  });
});

describe('startPages', () => {
  it('reads the first page before handing the pages over, and says when there is none', async () => {
    const store = memoryEventStore();
    await store.append('order-1', [placed(1), placed(2), placed(3)]);
    const started = await startPages(pagesOfStream(store, 'order-1', 2));
    expect(started.empty).toBe(false);
    expect(numbers(await collect(started.pages))).toEqual([[1, 2], [3]]);
    expect((await startPages(pagesOfStream(store, 'order-9', 2))).empty).toBe(true);
    await expect(
      startPages(pagesOfStream({ ...store, readStream: () => Promise.reject(new Error('down')) }, 'order-1')),
    ).rejects.toThrow('down');
  });
});

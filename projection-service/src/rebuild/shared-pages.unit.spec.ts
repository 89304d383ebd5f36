import { describe, expect, it } from 'vitest';
import type { ReadAllOptions, RecordedEvent } from '@order-engine/shared';
import { sharedPages } from './shared-pages.js';

/** A store whose reads are counted, each answering a fresh array (as a real read does), or failing when told to. */
function countingStore() {
  const reads: ReadAllOptions[] = [];
  let failNext = false;
  return {
    reads,
    failNext: () => (failNext = true),
    async readAll(options: ReadAllOptions): Promise<RecordedEvent[]> {
      reads.push(options);
      if (failNext) {
        failNext = false;
        throw new Error('the event store is away');
      }
      return [];
    },
  };
}

const page = (after: bigint, streamPrefix = 'order-'): ReadAllOptions => ({
  after,
  to: 1_000n,
  limit: 10,
  filter: { streamPrefix },
});

/** Resolves with how long `promise` took, in ms. */
const timed = async (promise: Promise<unknown>): Promise<number> => {
  const started = performance.now();
  await promise;
  return performance.now() - started;
};

/** Two replays of pages that keep two: `ahead` has taken the first two pages, `behind` the first only. */
async function oneAheadOfAnother(store = countingStore(), waitMs = 5_000) {
  const pages = sharedPages(store, { keep: 2, waitMs });
  const [ahead, behind] = [pages.join(), pages.join()];
  await behind.read(page(0n));
  await ahead.read(page(0n));
  await ahead.read(page(10n));
  return { ahead, behind };
}

describe('sharedPages', () => {
  it('reads a page once for every replay that asks for the same bounds, in flight or done', async () => {
    const store = countingStore();
    const pages = sharedPages(store);
    const [a, b, c] = [pages.join(), pages.join(), pages.join()];
    const [first, second] = await Promise.all([a.read(page(0n)), b.read(page(0n))]);
    const third = await c.read(page(0n));
    expect(store.reads).toHaveLength(1);
    expect(second).toBe(first);
    expect(third).toBe(first);
  });

  it('reads pages with other bounds or another filter on their own', async () => {
    const store = countingStore();
    const pages = sharedPages(store);
    const [a, b, c, d] = [pages.join(), pages.join(), pages.join(), pages.join()];
    await a.read(page(0n));
    await b.read(page(0n, 'product-'));
    await c.read({ ...page(0n), to: 1_001n });
    await d.read({ ...page(0n), limit: 11 });
    expect(store.reads).toHaveLength(4);
  });

  it('drops a page once every replay has passed it: a replay that joins later reads it again', async () => {
    const store = countingStore();
    const pages = sharedPages(store);
    const [a, b] = [pages.join(), pages.join()];
    await a.read(page(0n));
    await b.read(page(0n));
    await a.read(page(10n));
    await b.read(page(10n));
    expect(store.reads).toHaveLength(2);
    const late = pages.join();
    await late.read(page(0n));
    expect(store.reads).toHaveLength(3);
  });

  it('does not keep a failed read: the next replay to ask reads it again', async () => {
    const store = countingStore();
    const pages = sharedPages(store);
    const [a, b] = [pages.join(), pages.join()];
    store.failNext();
    await expect(a.read(page(0n))).rejects.toThrow('the event store is away');
    await expect(b.read(page(0n))).resolves.toEqual([]);
    expect(store.reads).toHaveLength(2);
  });

  it('holds a replay ahead while the pages kept are still to be taken by one following, until it reads', async () => {
    const store = countingStore();
    const { ahead, behind } = await oneAheadOfAnother(store);
    let third = false;
    const waiting = ahead.read(page(20n)).then(() => (third = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(third).toBe(false);
    expect(store.reads).toHaveLength(2);

    await behind.read(page(10n));
    await waiting;
    expect(store.reads).toHaveLength(3);
  });

  it('lets the replay ahead go on when the one following leaves, or after the wait', async () => {
    const { ahead, behind } = await oneAheadOfAnother();
    const waiting = ahead.read(page(20n));
    setTimeout(() => behind.leave(), 50);
    expect(await timed(waiting)).toBeLessThan(2_000);

    const bounded = await oneAheadOfAnother(countingStore(), 100);
    const waited = await timed(bounded.ahead.read(page(20n)));
    expect(waited).toBeGreaterThanOrEqual(90);
    expect(waited).toBeLessThan(2_000);
  });

  it('holds nobody up for a replay far behind the pages kept: it reads its own', async () => {
    const store = countingStore();
    const pages = sharedPages(store, { keep: 2, waitMs: 5_000 });
    const [ahead, far] = [pages.join(), pages.join()];
    await ahead.read(page(500n));
    await ahead.read(page(510n));
    await far.read(page(0n));
    expect(await timed(ahead.read(page(520n)))).toBeLessThan(1_000);
    expect(store.reads).toHaveLength(4);
  });
});

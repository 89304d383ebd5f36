import { describe, expect, it } from 'vitest';
import type { CheckpointWaiter, WaitResult } from './checkpoint-waiter.js';
import { readYourWrites } from './read-your-writes.js';

// Read-your-writes across a rebuild's switch, with a scripted waiter and registry.

/** A waiter answering from a script, and recording each wait. */
const scripted = (results: WaitResult[]) => {
  const waits: bigint[] = [];
  const waiter: CheckpointWaiter = {
    waitFor: async (_projection, minPosition) => (
      waits.push(minPosition),
      results.shift() ?? { position: 0n, reached: false }
    ),
    advanced: () => undefined,
    close: () => undefined,
  };
  return { waiter, waits };
};

describe('read-your-writes', () => {
  it('waits again when the live version changed during the wait: the old one may have passed a position the new one has not', async () => {
    const { waiter, waits } = scripted([
      { position: 12n, reached: true }, // catalog_v1's checkpoint, read just before the switch was seen
      { position: 11n, reached: false }, // catalog_v2, not there within the time left
    ]);
    const live = ['catalog_v1', 'catalog_v2', 'catalog_v2', 'catalog_v2'];
    const read = await readYourWrites(waiter, 1_000, false, async () => live.shift()!).waitFor('catalog', 12n);
    expect(waits).toEqual([12n, 12n]);
    expect(read).toEqual({ position: 11n, stale: true });
  });

  it('waits once when the live version stays the same', async () => {
    const { waiter, waits } = scripted([{ position: 12n, reached: true }]);
    const read = await readYourWrites(waiter, 1_000, false, async () => 'catalog_v1').waitFor('catalog', 12n);
    expect(waits).toEqual([12n]);
    expect(read).toEqual({ position: 12n, stale: false });
  });
});

import { describe, expect, it } from 'vitest';
import { streamBatcher } from './stream-batcher.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

describe('streamBatcher', () => {
  it('runs an item alone at once; items that arrive meanwhile go together in the next run, in arrival order', async () => {
    const runs: string[][] = [];
    const batcher = streamBatcher<string, string>(async (_key, items) => {
      runs.push([...items]);
      await tick();
      return items.map((item) => item.toUpperCase());
    });
    const results = await Promise.all(['a', 'b', 'c', 'd'].map((item) => batcher('s', item)));
    expect(results).toEqual(['A', 'B', 'C', 'D']);
    expect(runs).toEqual([['a'], ['b', 'c', 'd']]);
  });

  it('never runs two batches of one key at once, and runs different keys side by side', async () => {
    const log: string[] = [];
    const batcher = streamBatcher<string, void>(async (key, items) => {
      log.push(`start ${key}:${items.join('')}`);
      await tick();
      log.push(`end ${key}:${items.join('')}`);
      return items.map(() => undefined);
    });
    await Promise.all([batcher('s1', 'a'), batcher('s2', 'x'), batcher('s1', 'b'), batcher('s1', 'c')]);
    expect(log.slice(0, 2)).toEqual(['start s1:a', 'start s2:x']);
    expect(log.indexOf('start s1:bc')).toBeGreaterThan(log.indexOf('end s1:a'));
  });

  it('an Error outcome fails its own caller only', async () => {
    const batcher = streamBatcher<string, string>(async (_key, items) =>
      items.map((item) => (item === 'bad' ? new Error(`refused ${item}`) : item)),
    );
    const outcomes = await Promise.allSettled([batcher('s', 'first'), batcher('s', 'bad'), batcher('s', 'good')]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toEqual(new Error('refused bad'));
  });

  it('a run that fails as a whole fails its callers, and the items queued behind it still run', async () => {
    let calls = 0;
    const batcher = streamBatcher<string, string>(async (_key, items) => {
      calls += 1;
      await tick();
      if (calls === 1) throw new Error('outage');
      return [...items];
    });
    const first = batcher('s', 'a');
    const next = batcher('s', 'b');
    await expect(first).rejects.toThrow('outage');
    await expect(next).resolves.toBe('b');
  });

  it('splits a long queue into runs of at most maxBatch', async () => {
    const sizes: number[] = [];
    const batcher = streamBatcher<number, number>(
      async (_key, items) => {
        sizes.push(items.length);
        await tick();
        return [...items];
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((item) => batcher('s', item)));
    expect(sizes).toEqual([1, 2, 2]);
  });
});

import { silentLogger } from '@order-engine/shared';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { checkpointWaiter, type CheckpointWaiter } from './checkpoint-waiter.js';

describe('checkpoint waiter', () => {
  let positions: Map<string, bigint>;
  let reads: number;
  let waiter: CheckpointWaiter;
  let failNext = 0;

  const start = (pollIntervalMs = 5) => {
    positions = new Map();
    reads = 0;
    failNext = 0;
    waiter = checkpointWaiter({
      logger: silentLogger,
      pollIntervalMs,
      readCheckpoint: async (projection) => {
        reads += 1;
        if (failNext > 0 && failNext--) throw new Error('database hiccup');
        return positions.get(projection) ?? 0n;
      },
    });
  };

  afterEach(() => waiter.close());

  it('answers at once when the checkpoint is already there', async () => {
    start();
    positions.set('catalog_v1', 9n);
    expect(await waiter.waitFor('catalog_v1', 9n, 1_000)).toEqual({ position: 9n, reached: true });
    expect(await waiter.waitFor('orders_v1', 0n, 0)).toEqual({ position: 0n, reached: true });
    expect(reads).toBe(2);
  });

  it('resolves waiters as the checkpoint passes their positions, with one poll for all of them', async () => {
    start(20);
    positions.set('catalog_v1', 1n);
    const settled: string[] = [];
    const waits = [3n, 5n, 3n].map((min, i) =>
      waiter.waitFor('catalog_v1', min, 2_000).then((r) => settled.push(`${i}:${r.position}:${r.reached}`)),
    );
    await sleep(5);
    positions.set('catalog_v1', 4n);
    const readsBefore = reads;
    await sleep(30);
    expect(reads - readsBefore).toBeLessThanOrEqual(2);
    expect(settled.sort()).toEqual(['0:4:true', '2:4:true']);
    positions.set('catalog_v1', 6n);
    await Promise.all(waits);
    expect(settled.sort()).toEqual(['0:4:true', '1:6:true', '2:4:true']);
  });

  it('answers waiting requests as soon as an advance is reported, without waiting for the poll', async () => {
    start(60_000);
    const started = performance.now();
    const waiting = waiter.waitFor('catalog_v1', 5n, 5_000);
    await sleep(10);
    waiter.advanced('catalog_v1', 4n);
    waiter.advanced('orders_v1', 9n);
    await sleep(10);
    waiter.advanced('catalog_v1', 5n);
    expect(await waiting).toEqual({ position: 5n, reached: true });
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(reads).toBe(1); // the one up front
  });

  it('lets a request that arrives while others wait join the poller instead of reading on its own', async () => {
    start(20);
    positions.set('catalog_v1', 1n);
    const first = waiter.waitFor('catalog_v1', 3n, 2_000);
    await sleep(1);
    expect(reads).toBe(1);
    const others = [2n, 3n, 1n].map((min) => waiter.waitFor('catalog_v1', min, 2_000));
    expect(reads).toBe(1);
    positions.set('catalog_v1', 3n);
    expect(await Promise.all([first, ...others])).toEqual(
      [3n, 2n, 3n, 1n].map(() => ({ position: 3n, reached: true })),
    );
    expect(reads).toBe(2); // the first request's, then one poll for all four
  });

  it('keeps projections apart', async () => {
    start();
    positions.set('orders_v1', 10n);
    expect(await waiter.waitFor('catalog_v1', 5n, 30)).toEqual({ position: 0n, reached: false });
  });

  it('gives up after the timeout with the last position it saw, and stops polling', async () => {
    start();
    positions.set('sales_v1', 2n);
    const wait = waiter.waitFor('sales_v1', 3n, 40);
    await sleep(10);
    positions.set('sales_v1', 2n);
    expect(await wait).toEqual({ position: 2n, reached: false });
    const readsAfter = reads;
    await sleep(30);
    expect(reads).toBe(readsAfter);
  });

  it('keeps polling through a failed read', async () => {
    start();
    const wait = waiter.waitFor('catalog_v1', 1n, 1_000);
    failNext = 2;
    await sleep(5);
    positions.set('catalog_v1', 1n);
    expect(await wait).toEqual({ position: 1n, reached: true });
  });

  it('releases waiting requests as not reached when closed', async () => {
    start();
    const wait = waiter.waitFor('catalog_v1', 1n, 10_000);
    await sleep(5);
    waiter.close();
    expect(await wait).toEqual({ position: 0n, reached: false });
  });
});

import { describe, expect, it } from 'vitest';
import { handoff } from './handoff.js';

const live = () => new AbortController().signal;

describe('handoff between eachBatch and the feed', () => {
  it('settles a delivery as pulled once the consumer asks past it', async () => {
    const batches = handoff<string>();
    const first = batches.offer('a');
    const taken = await batches.take(live());
    expect(taken?.map((delivery) => delivery.item)).toEqual(['a']);
    taken![0]!.pulled();
    expect(await first.outcome).toBe(true);
  });

  it('wakes a waiting taker when a batch arrives, and answers undefined on abort', async () => {
    const batches = handoff<string>();
    const waiting = batches.take(live());
    batches.offer('b');
    expect((await waiting)?.map((delivery) => delivery.item)).toEqual(['b']);
    const controller = new AbortController();
    const aborted = batches.take(controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
  });

  it("hands over together what was offered in one turn (a fetch's partitions), and what comes later apart", async () => {
    const batches = handoff<string>();
    const waiting = batches.take(live());
    batches.offer('p0');
    batches.offer('p1');
    await Promise.resolve();
    batches.offer('p2');
    expect((await waiting)?.map((delivery) => delivery.item)).toEqual(['p0', 'p1', 'p2']);
    const next = batches.take(live());
    await new Promise((resolve) => setTimeout(resolve, 5));
    batches.offer('p3');
    expect((await next)?.map((delivery) => delivery.item)).toEqual(['p3']);
  });

  it('skips deliveries abandoned before anyone took them (given up in a rebalance)', async () => {
    const batches = handoff<string>();
    batches.offer('stale').abandon();
    batches.offer('fresh');
    expect((await batches.take(live()))?.map((delivery) => delivery.item)).toEqual(['fresh']);
  });

  it('abandons queued and in-hand deliveries on close, and fails the taker with the close error', async () => {
    const batches = handoff<string>();
    const inHand = batches.offer('a');
    await batches.take(live());
    const queued = batches.offer('b');
    batches.close(new Error('consumer crashed'));
    expect(await inHand.outcome).toBe(false);
    expect(await queued.outcome).toBe(false);
    inHand.pulled(); // too late: stays abandoned
    expect(inHand.abandoned).toBe(true);
    await expect(batches.take(live())).rejects.toThrow('consumer crashed');
    expect(await batches.offer('c').outcome).toBe(false);
  });
});

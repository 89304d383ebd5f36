import { describe, expect, it } from 'vitest';
import { handoff } from './handoff.js';

const live = () => new AbortController().signal;

describe('handoff between eachBatch and the feed', () => {
  it('settles a delivery as pulled once the consumer asks past it', async () => {
    const batches = handoff<string>();
    const first = batches.offer('a');
    const taken = await batches.take(live());
    expect(taken?.item).toBe('a');
    taken!.pulled();
    expect(await first.outcome).toBe(true);
  });

  it('wakes a waiting taker when a batch arrives, and answers undefined on abort', async () => {
    const batches = handoff<string>();
    const waiting = batches.take(live());
    batches.offer('b');
    expect((await waiting)?.item).toBe('b');
    const controller = new AbortController();
    const aborted = batches.take(controller.signal);
    controller.abort();
    expect(await aborted).toBeUndefined();
  });

  it('skips deliveries abandoned before anyone took them (given up in a rebalance)', async () => {
    const batches = handoff<string>();
    batches.offer('stale').abandon();
    batches.offer('fresh');
    expect((await batches.take(live()))?.item).toBe('fresh');
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

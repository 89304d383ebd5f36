import { describe, expect, it } from 'vitest';
import { coalescer } from './coalescer.js';

// The coalescer's rules: runs in flight are capped, calls that wait are coalesced into the next run in arrival order,
// and every caller gets its own outcome. append-batching.int.spec.ts runs it under the event store on PostgreSQL.

class Outage extends Error {}

/** A fake run that records its batches and completes when told to; items named in `refuse` get an Error each. */
function fakeRun(refuse: readonly string[] = []) {
  const calls: { items: string[]; finish(error?: unknown): void }[] = [];
  const run = (items: readonly string[]) =>
    new Promise<(string | Error)[]>((resolve, reject) => {
      calls.push({
        items: [...items],
        finish: (error) =>
          error
            ? reject(error)
            : resolve(items.map((item) => (refuse.includes(item) ? new Error(`refused ${item}`) : `done ${item}`))),
      });
    });
  return { run, calls };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));
const notAnOutage = (error: unknown) => !(error instanceof Outage);

describe('coalescer', () => {
  it('sends a lone call at once, alone', async () => {
    const { run, calls } = fakeRun();
    const done = coalescer(run)('a');
    expect(calls.map((c) => c.items)).toEqual([['a']]);
    calls[0]!.finish();
    expect(await done).toBe('done a');
  });

  it('coalesces the calls that wait for a free slot into one run, in arrival order', async () => {
    const { run, calls } = fakeRun();
    const call = coalescer(run, { maxInFlight: 2 });
    const done = ['a', 'b', 'c', 'd', 'e'].map(call);
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b']]);
    calls[0]!.finish();
    await settle();
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    calls[1]!.finish();
    calls[2]!.finish();
    expect(await Promise.all(done)).toEqual(['done a', 'done b', 'done c', 'done d', 'done e']);
  });

  it('caps a run at maxBatch calls', async () => {
    const { run, calls } = fakeRun();
    const call = coalescer(run, { maxInFlight: 1, maxBatch: 2 });
    const done = ['a', 'b', 'c', 'd'].map(call);
    for (let i = 0; i < 3; i++) {
      calls[i]!.finish();
      await settle();
    }
    expect(calls.map((c) => c.items)).toEqual([['a'], ['b', 'c'], ['d']]);
    await Promise.all(done);
  });

  it('rejects only the caller whose outcome is an Error', async () => {
    const { run, calls } = fakeRun(['b']);
    const call = coalescer(run, { maxInFlight: 1 });
    const [a, b, c] = ['a', 'b', 'c'].map(call);
    calls[0]!.finish();
    await settle();
    calls[1]!.finish();
    await expect(a).resolves.toBe('done a');
    await expect(b).rejects.toThrow('refused b');
    await expect(c).resolves.toBe('done c');
  });

  it('with retryAlone, sends each call of a failed run again alone, so a fault fails only its own caller', async () => {
    const { run, calls } = fakeRun();
    const call = coalescer(run, { maxInFlight: 1, retryAlone: notAnOutage });
    const [a, b, c] = ['a', 'b', 'c'].map(call);
    calls[0]!.finish();
    await settle();
    calls[1]!.finish(new Error('duplicate key value violates unique constraint "events_event_id_key"'));
    await settle();
    expect(calls.slice(2).map((c) => c.items)).toEqual([['b'], ['c']]);
    calls[2]!.finish();
    calls[3]!.finish(new Error('duplicate event id'));
    await expect(a).resolves.toBe('done a');
    await expect(b).resolves.toBe('done b');
    await expect(c).rejects.toThrow('duplicate event id');
  });

  it('rejects every caller of a run that failed when retryAlone says no (an outage), without resending', async () => {
    for (const options of [{ maxInFlight: 1, retryAlone: notAnOutage }, { maxInFlight: 1 }]) {
      const { run, calls } = fakeRun();
      const call = coalescer(run, options);
      const done = ['a', 'b', 'c'].map(call);
      calls[0]!.finish();
      await settle();
      const failure = 'retryAlone' in options ? new Outage('connection refused') : new Error('anything');
      calls[1]!.finish(failure);
      await expect(done[1]).rejects.toBe(failure);
      await expect(done[2]).rejects.toBe(failure);
      expect(calls).toHaveLength(2);
    }
  });
});

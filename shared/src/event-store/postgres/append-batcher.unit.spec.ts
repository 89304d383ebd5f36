import { describe, expect, it } from 'vitest';
import { EventStoreUnavailable, WrongExpectedRevision } from '../errors.js';
import type { AppendResult } from '../event-store.js';
import type { AppendOutcome, AppendRequest } from './append.js';
import { appendBatcher } from './append-batcher.js';

// The batcher's rules without a database: calls in flight are capped, appends that wait are coalesced into the next
// call in arrival order, and every caller gets its own outcome. append-batching.int.spec.ts runs it on PostgreSQL.

const request = (streamId: string): AppendRequest => ({ streamId, events: [{ type: 'OrderPlaced', version: 1, data: {} }], expectedRevision: 'any' });
const result = (streamId: string): AppendResult => ({ nextExpectedRevision: 0, position: 1n, events: [{ streamId } as AppendResult['events'][number]] });

/** A fake append call that records its batches and completes when told to. */
function fakeRun(outcome: (request: AppendRequest) => AppendOutcome = (r) => result(r.streamId)) {
  const calls: { streamIds: string[]; finish(error?: unknown): void }[] = [];
  const run = (requests: readonly AppendRequest[]) =>
    new Promise<AppendOutcome[]>((resolve, reject) => {
      calls.push({ streamIds: requests.map((r) => r.streamId), finish: (error) => (error ? reject(error) : resolve(requests.map(outcome))) });
    });
  return { run, calls };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('appendBatcher', () => {
  it('sends a lone append at once, alone', async () => {
    const { run, calls } = fakeRun();
    const appended = appendBatcher(run).append(request('a'));
    expect(calls.map((c) => c.streamIds)).toEqual([['a']]);
    calls[0]!.finish();
    expect((await appended).events[0]!.streamId).toBe('a');
  });

  it('coalesces the appends that wait for a free slot into one call, in arrival order', async () => {
    const { run, calls } = fakeRun();
    const batcher = appendBatcher(run, { maxInFlight: 2 });
    const appended = ['a', 'b', 'c', 'd', 'e'].map((s) => batcher.append(request(s)));
    expect(calls.map((c) => c.streamIds)).toEqual([['a'], ['b']]);
    calls[0]!.finish();
    await settle();
    expect(calls.map((c) => c.streamIds)).toEqual([['a'], ['b'], ['c', 'd', 'e']]);
    calls[1]!.finish();
    calls[2]!.finish();
    expect((await Promise.all(appended)).map((r) => r.events[0]!.streamId)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('caps a call at maxBatch appends', async () => {
    const { run, calls } = fakeRun();
    const batcher = appendBatcher(run, { maxInFlight: 1, maxBatch: 2 });
    const appended = ['a', 'b', 'c', 'd'].map((s) => batcher.append(request(s)));
    for (let i = 0; i < 3; i++) {
      calls[i]!.finish();
      await settle();
    }
    expect(calls.map((c) => c.streamIds)).toEqual([['a'], ['b', 'c'], ['d']]);
    await Promise.all(appended);
  });

  it("rejects only the caller whose append conflicted", async () => {
    const { run, calls } = fakeRun((r) => (r.streamId === 'b' ? new WrongExpectedRevision('b', 'no_stream', 3) : result(r.streamId)));
    const batcher = appendBatcher(run, { maxInFlight: 1 });
    const [a, b, c] = ['a', 'b', 'c'].map((s) => batcher.append(request(s)));
    calls[0]!.finish();
    await settle();
    calls[1]!.finish();
    await expect(a).resolves.toMatchObject({ position: 1n });
    await expect(b).rejects.toMatchObject({ name: 'WrongExpectedRevision', actual: 3 });
    await expect(c).resolves.toMatchObject({ position: 1n });
  });

  it('sends each append of a failed call again alone, so a fault fails only its own caller', async () => {
    const { run, calls } = fakeRun();
    const batcher = appendBatcher(run, { maxInFlight: 1 });
    const [a, b, c] = ['a', 'b', 'c'].map((s) => batcher.append(request(s)));
    calls[0]!.finish();
    await settle();
    calls[1]!.finish(new Error('duplicate key value violates unique constraint "events_event_id_key"'));
    await settle();
    expect(calls.slice(2).map((c) => c.streamIds)).toEqual([['b'], ['c']]);
    calls[2]!.finish();
    calls[3]!.finish(new Error('duplicate event id'));
    await expect(a).resolves.toBeDefined();
    await expect(b).resolves.toBeDefined();
    await expect(c).rejects.toThrow('duplicate event id');
  });

  it('rejects every caller of a call that met an outage, without resending', async () => {
    const { run, calls } = fakeRun();
    const batcher = appendBatcher(run, { maxInFlight: 1 });
    const appended = ['a', 'b', 'c'].map((s) => batcher.append(request(s)));
    calls[0]!.finish();
    await settle();
    calls[1]!.finish(new EventStoreUnavailable('connection refused'));
    await expect(appended[1]).rejects.toBeInstanceOf(EventStoreUnavailable);
    await expect(appended[2]).rejects.toBeInstanceOf(EventStoreUnavailable);
    expect(calls).toHaveLength(2);
  });
});

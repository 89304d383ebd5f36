import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { sleep, untilAborted } from './abortable.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

// A feed that waits for ever and ignores its signal: stop() must still end the runner's read at once.
async function* deaf(): AsyncGenerator<number> {
  yield 1;
  await new Promise(() => {});
}

describe('untilAborted', () => {
  it('holds no item it has passed on: a long-running loop keeps only the round in hand', async () => {
    const passed: WeakRef<object>[] = [];
    async function* rounds() {
      for (let i = 0; i < 50; i++) {
        const round = { events: new Array<number>(10_000).fill(i) };
        passed.push(new WeakRef(round));
        yield round;
      }
    }
    let handled = 0;
    for await (const round of untilAborted(rounds(), new AbortController().signal)) {
      handled += round.events.length > 0 ? 1 : 0;
      if (handled < 50) continue;
      // Still iterating, the signal never aborted: every earlier round must be collectable by now.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      expect(passed.slice(0, 40).filter((ref) => ref.deref() !== undefined)).toHaveLength(0);
    }
    expect(handled).toBe(50);
  });

  it('passes items through until the source ends', async () => {
    async function* three() {
      yield* [1, 2, 3];
    }
    const seen: number[] = [];
    for await (const item of untilAborted(three(), new AbortController().signal)) seen.push(item);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('returns on abort even while the source is stuck waiting, after at most the close grace', async () => {
    const controller = new AbortController();
    const seen: number[] = [];
    const reading = (async () => {
      for await (const item of untilAborted(deaf(), controller.signal, 50)) seen.push(item);
    })();
    await sleep(10, new AbortController().signal);
    const aborted = Date.now();
    controller.abort();
    await reading;
    expect(seen).toEqual([1]);
    expect(Date.now() - aborted).toBeLessThan(1_000);
  });

  it('waits for a source that honours the signal to close (a Kafka consumer leaving its group)', async () => {
    const controller = new AbortController();
    const steps: string[] = [];
    async function* polite(signal: AbortSignal): AsyncGenerator<number> {
      try {
        yield 1;
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      } finally {
        await sleep(30, new AbortController().signal);
        steps.push('closed');
      }
    }
    const reading = (async () => {
      for await (const item of untilAborted(polite(controller.signal), controller.signal)) steps.push(`item ${item}`);
      steps.push('returned');
    })();
    await sleep(10, new AbortController().signal);
    controller.abort();
    await reading;
    expect(steps).toEqual(['item 1', 'closed', 'returned']);
  });

  it('reads nothing when already aborted', async () => {
    const seen: number[] = [];
    for await (const item of untilAborted(deaf(), AbortSignal.abort())) seen.push(item);
    expect(seen).toEqual([]);
  });
});

describe('sleep', () => {
  it('ends early on abort', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

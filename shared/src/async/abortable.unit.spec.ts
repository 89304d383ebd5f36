import { describe, expect, it } from 'vitest';
import { sleep, untilAborted } from './abortable.js';

// A feed that waits for ever and ignores its signal: stop() must still end the runner's read at once.
async function* deaf(): AsyncGenerator<number> {
  yield 1;
  await new Promise(() => {});
}

describe('untilAborted', () => {
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

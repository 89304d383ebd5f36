import type { GlobalPosition, Logger, RecordedEvent } from '@order-engine/shared';
import type { CheckpointStore } from './checkpoints.js';

/**
 * Where events come from: every event after `after`, in position order, in batches. Embedded, the event
 * store's catch-up subscription; distributed, a Kafka consumer. A feed should end when `signal` aborts.
 */
export type EventFeed = (after: GlobalPosition, signal: AbortSignal) => AsyncIterable<RecordedEvent[]>;

export interface ConsumerStatus {
  running: boolean;
  /** Position of the last event handled and checkpointed. */
  position: GlobalPosition;
  lastError?: string;
}

export interface Consumer {
  start(): void;
  /** Ends promptly: the event in hand is finished, nothing more is read. */
  stop(): Promise<void>;
  status(): ConsumerStatus;
}

export interface ConsumerOptions {
  name: string;
  feed: EventFeed;
  checkpoints: CheckpointStore;
  handle: (event: RecordedEvent) => Promise<void>;
  logger: Logger;
  backoff?: { initialMs: number; maxMs: number };
}

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

// A feed that ignores the signal would keep stop() waiting for its next batch: race every read with the abort.
async function* untilAborted<T>(source: AsyncIterable<T>, signal: AbortSignal): AsyncGenerator<T> {
  const iterator = source[Symbol.asyncIterator]();
  const aborted = new Promise<IteratorResult<T>>((resolve) => {
    if (signal.aborted) resolve({ done: true, value: undefined });
    signal.addEventListener('abort', () => resolve({ done: true, value: undefined }), { once: true });
  });
  try {
    for (;;) {
      const next = await Promise.race([iterator.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    void iterator.return?.()?.catch(() => undefined);
  }
}

/** Feeds events to `handle` one at a time and checkpoints after each batch: at-least-once, resumable. */
export function checkpointedConsumer(options: ConsumerOptions): Consumer {
  const { name, feed, checkpoints, handle, logger, backoff = { initialMs: 100, maxMs: 5_000 } } = options;
  let controller: AbortController | undefined;
  let loop: Promise<void> | undefined;
  const state: ConsumerStatus = { running: false, position: 0n };

  async function consume(signal: AbortSignal): Promise<void> {
    let delay = backoff.initialMs;
    while (!signal.aborted) {
      try {
        state.position = await checkpoints.load(name);
        for await (const batch of untilAborted(feed(state.position, signal), signal)) {
          for (const event of batch) {
            if (signal.aborted) return;
            await handle(event);
          }
          const last = batch.at(-1);
          if (last) {
            await checkpoints.save(name, last.position);
            state.position = last.position;
          }
          delay = backoff.initialMs;
          delete state.lastError;
        }
        // A feed that ends without being stopped (a closed Kafka consumer, say) is resumed from the checkpoint.
        if (!signal.aborted) await sleep(delay, signal);
      } catch (error) {
        if (signal.aborted) return;
        // Infrastructure failures pass: resume from the last checkpoint; handled events are repeated, harmlessly.
        state.lastError = String((error as Error)?.message ?? error);
        logger.warn(`${name}: failed, retrying from the last checkpoint`, { error: state.lastError, retryInMs: delay });
        await sleep(delay, signal);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    }
  }

  return {
    start() {
      if (loop) return;
      controller = new AbortController();
      state.running = true;
      loop = consume(controller.signal).finally(() => {
        state.running = false;
      });
    },
    async stop() {
      controller?.abort();
      await loop;
      loop = undefined;
      controller = undefined;
    },
    status: () => ({ ...state }),
  };
}

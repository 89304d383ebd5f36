import type { EventFilter, GlobalPosition, RecordedEvent, SubscribeOptions } from '../event-store.js';

// Catch-up subscription: read pages after the checkpoint; when caught up, sleep until a notification, the poll
// interval or the abort. Every read returns a gap-free prefix of the settled events (read-all.ts), so an unfiltered
// page is one query. A filtered read stops at the head taken just before (every position up to it is settled), so a
// filter that matches nothing still moves the checkpoint past what it has scanned. Events committed but held back by
// a transaction still running anywhere on the server (schema.ts) are looked for again soon, backing off up to the poll
// interval: that transaction's end notifies nobody.

/** The first wait for held-back events; each next one doubles, up to the poll interval. */
const HELD_BACK_RETRY_MS = 5;

export interface SubscriptionDeps {
  readAll(options: {
    after: GlobalPosition;
    to?: GlobalPosition;
    limit: number;
    filter?: EventFilter;
  }): Promise<RecordedEvent[]>;
  headPosition(): Promise<GlobalPosition>;
  /** The newest position committed, settled or not. */
  newestPosition(): Promise<GlobalPosition>;
  listen(onNotify: () => void): Promise<() => Promise<void>>;
  pollIntervalMs: number;
  /** Aborted when the store closes. */
  closed: AbortSignal;
}

const defaultBatchSize = 500;

export async function* subscribeToAll(
  deps: SubscriptionDeps,
  options: SubscribeOptions = {},
): AsyncGenerator<RecordedEvent[]> {
  const signal = options.signal ? AbortSignal.any([options.signal, deps.closed]) : deps.closed;
  if (signal.aborted) return;
  const limit = options.batchSize ?? defaultBatchSize;
  const wakeup = wakeupOn(signal);
  const unlisten = await deps.listen(wakeup.fire);
  let after = options.after ?? 0n;
  let retryMs = HELD_BACK_RETRY_MS;
  /** Nothing new to read: until a notification or the poll, or soon when committed events are held back. */
  const idle = async () => {
    if ((await deps.newestPosition()) <= after) return wakeup.wait(deps.pollIntervalMs);
    await wakeup.wait(Math.min(retryMs, deps.pollIntervalMs));
    retryMs *= 2;
  };
  // The next page of an unfiltered read, asked for while the consumer handles this one: catching up, the database
  // reads while Node decodes and applies, instead of each waiting for the other.
  let ahead: Promise<RecordedEvent[]> | undefined;
  try {
    while (!signal.aborted) {
      wakeup.clear();
      const head = options.filter ? await deps.headPosition() : undefined;
      if (head !== undefined && head <= after) {
        await idle();
        continue;
      }
      const batch = await (ahead ?? deps.readAll({ after, to: head, limit, filter: options.filter }));
      ahead = undefined;
      if (signal.aborted) return;
      if (head === undefined && batch.length === 0) {
        await idle();
        continue;
      }
      retryMs = HELD_BACK_RETRY_MS;
      // A short page means nothing else matches up to head.
      after = batch.length < limit && head !== undefined ? head : batch[batch.length - 1]!.position;
      if (head === undefined && batch.length === limit) {
        ahead = deps.readAll({ after, limit });
        // Handled now, so that a read failing while the consumer works is no unhandled rejection; awaited next page.
        ahead.catch(() => undefined);
      }
      if (batch.length > 0) yield batch;
    }
  } finally {
    await unlisten();
  }
}

/** A latch: fire() before wait() makes the next wait return at once, so a notification during a read is not lost. */
function wakeupOn(signal: AbortSignal) {
  let fired = false;
  let wake: (() => void) | undefined;
  return {
    fire: () => {
      fired = true;
      wake?.();
    },
    clear: () => {
      fired = false;
    },
    wait: (ms: number) =>
      new Promise<void>((resolve) => {
        if (fired || signal.aborted) return resolve();
        const done = () => {
          clearTimeout(timer);
          signal.removeEventListener('abort', done);
          wake = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        signal.addEventListener('abort', done, { once: true });
        wake = done;
      }),
  };
}

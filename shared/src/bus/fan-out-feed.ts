import { sleep } from '../async/abortable.js';
import type { EventStore, GlobalPosition, RecordedEvent } from '../event-store/event-store.js';
import type { EventFeed, FeedRound } from './event-feed.js';

// The embedded fan-out: one catch-up subscription on the event store, shared by every consumer in the process (the
// projection runners and the saga). On PGlite every query waits for the one before it, so four subscriptions asking
// for the same new events after every append cost four times the reads, and each other's latency. The subscription
// keeps the newest events in a buffer; a consumer at the head is served from it, and a consumer further back (just
// started from an old checkpoint, or slower than the buffer is long) reads the store itself until it reaches the
// buffer. Every consumer still gets every event after its own `after`, in order, exactly once per pull.

export interface FanOutOptions {
  /** Newest events kept for consumers near the head. */
  bufferSize?: number;
  /** Largest batch handed to a consumer. */
  batchSize?: number;
  /**
   * Pause after each read of new events, so that appends arriving meanwhile are read (and applied by each consumer)
   * together rather than one read and one transaction per consumer each: a little latency for much less work under
   * load.
   */
  lingerMs?: number;
  /** Delay before the shared subscription starts again after a failure: doubles from initialMs up to maxMs. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface FanOutFeed {
  feed: EventFeed;
  /** Ends the shared subscription; consumers end their own feeds through their signals. */
  close(): Promise<void>;
}

type Store = Pick<EventStore, 'subscribeToAll' | 'readAll' | 'headPosition'>;

export function fanOutFeed(store: Store, options: FanOutOptions = {}): FanOutFeed {
  const { bufferSize = 10_000, batchSize = 500, lingerMs = 0, backoff = { initialMs: 100, maxMs: 5_000 } } = options;
  const closing = new AbortController();
  // Every event with from < position <= through, in order.
  let buffer: RecordedEvent[] = [];
  let from = 0n;
  let through = 0n;
  let started: Promise<void> | undefined;
  let loop: Promise<void> | undefined;
  const waiting = new Set<() => void>();

  const advanced = (signal: AbortSignal): Promise<void> =>
    new Promise((resolve) => {
      const done = () => {
        waiting.delete(done);
        signal.removeEventListener('abort', done);
        closing.signal.removeEventListener('abort', done);
        resolve();
      };
      waiting.add(done);
      signal.addEventListener('abort', done, { once: true });
      closing.signal.addEventListener('abort', done, { once: true });
    });

  const append = (events: readonly RecordedEvent[]) => {
    buffer.push(...events);
    through = events.at(-1)!.position;
    if (buffer.length > bufferSize) {
      const dropped = buffer.length - bufferSize;
      from = buffer[dropped - 1]!.position;
      buffer = buffer.slice(dropped);
    }
    for (const wake of [...waiting]) wake();
  };

  async function follow(): Promise<void> {
    let delay = backoff.initialMs;
    while (!closing.signal.aborted) {
      try {
        for await (const events of store.subscribeToAll({ after: through, signal: closing.signal, batchSize })) {
          if (events.length > 0) append(events);
          delay = backoff.initialMs;
          if (lingerMs > 0) await sleep(lingerMs, closing.signal);
        }
      } catch {
        // Consumers wait at the head meanwhile, or read the store themselves when they are behind.
        await sleep(delay, closing.signal);
        delay = Math.min(delay * 2, backoff.maxMs);
      }
    }
  }

  const start = (): Promise<void> =>
    (started ??= store.headPosition().then(
      (head) => {
        from = through = head;
        loop = follow();
      },
      (error: unknown) => {
        started = undefined; // the next consumer tries again
        throw error;
      },
    ));

  /** Events after position from the buffer, at most batchSize; position must be within [from, through). */
  const fromBuffer = (position: GlobalPosition): RecordedEvent[] => {
    let low = 0;
    let high = buffer.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (buffer[middle]!.position <= position) low = middle + 1;
      else high = middle;
    }
    return buffer.slice(low, low + batchSize);
  };

  async function* feed(after: GlobalPosition, signal: AbortSignal): AsyncGenerator<FeedRound> {
    await start();
    let position = after;
    while (!signal.aborted && !closing.signal.aborted) {
      if (position < from) {
        // Behind the buffer: read the store up to where the buffer begins (settled, the subscription passed it).
        const events = await store.readAll({ after: position, to: from, limit: batchSize });
        position = events.length < batchSize ? from : events.at(-1)!.position;
        if (events.length > 0) yield [{ events, through: events.at(-1)!.position }];
      } else if (position >= through) {
        await advanced(signal);
      } else {
        const events = fromBuffer(position);
        position = events.length < batchSize ? through : events.at(-1)!.position;
        if (events.length > 0) yield [{ events, through: events.at(-1)!.position }];
      }
    }
  }

  return {
    feed,
    async close() {
      closing.abort();
      await loop;
    },
  };
}

import {
  processor,
  projector,
  type BackoffPolicy,
  type EventFeed,
  type EventFilter,
  type EventStore,
  type GlobalPosition,
  type ProcessorStatus,
  type RecordedEvent,
} from '@order-engine/shared';
import { batchApplier, decodeAhead, type BatchTarget } from '../runner/batch.js';
import { readSourceRows } from '../runner/checkpoints.js';
import type { ReadPage, SharedPages } from './shared-pages.js';

// A rebuild's feed: `$all` from the event store (never from Kafka, whose retention may be short) in large pages, one
// round each. Only the projection's own streams are read (the store filters them, so this process never parses
// events it would skip), and the next page is read and decoded while the current one is being written, so the event
// store's reads, this process's decoding and the read model's writes overlap instead of taking turns.

export interface ReplayOptions {
  store: EventStore;
  /** Pages shared with the rebuilds running at once (shared-pages.ts); none: this replay reads its own. */
  pages?: SharedPages;
  pageSize: number;
  filter?: EventFilter;
  /** An upper bound read before each page (a verifying rebuild stays at or below the live version's checkpoint). */
  bound?: () => Promise<GlobalPosition>;
  /**
   * Told once the head (or the bound) read before a page is reached and every page up to it is handled; the feed then
   * waits until it is stopped.
   */
  caughtUp(position: GlobalPosition): void;
  /** Decodes a page as soon as it is read, while the page before it is being written. */
  decode?(events: readonly RecordedEvent[]): void;
}

interface Page {
  events: RecordedEvent[];
  through: GlobalPosition;
  last: boolean;
}

export function replayFeed({ store, pages, pageSize, filter, bound, caughtUp, decode }: ReplayOptions): EventFeed {
  const read = async (readAll: ReadPage, from: GlobalPosition): Promise<Page> => {
    const head = await store.headPosition();
    const limit = bound ? await bound() : head;
    const ceiling = limit < head ? limit : head;
    if (ceiling <= from) return { events: [], through: from, last: true };
    const events = await readAll({ after: from, to: ceiling, limit: pageSize, ...(filter ? { filter } : {}) });
    decode?.(events);
    // A short page holds every matching event up to the ceiling: they were all settled when the head was read, so
    // the filtered-out events up to there are behind us too.
    return events.length < pageSize
      ? { events, through: ceiling, last: true }
      : { events, through: events.at(-1)!.position, last: false };
  };

  return async function* (after, signal) {
    const reader = pages?.join();
    const readAll: ReadPage = reader?.read ?? ((options) => store.readAll(options));
    let cursor = after;
    let next: Promise<Page> | undefined = read(readAll, cursor);
    try {
      while (next && !signal.aborted) {
        const page: Page = await next;
        if (page.through <= cursor) break;
        next = page.last ? undefined : read(readAll, page.through);
        // Pulling the next round means this one is handled: its transaction committed.
        yield [{ events: page.events, through: page.through }];
        cursor = page.through;
      }
      if (signal.aborted) return;
      caughtUp(cursor);
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    } finally {
      // A read still in flight when we stop must not surface as an unhandled rejection.
      next?.catch(() => undefined);
      reader?.leave();
    }
  };
}

export interface ReplayerOptions extends Omit<ReplayOptions, 'caughtUp'> {
  /** The rebuilt version: its schema, checkpoint key and dead letters. */
  target: BatchTarget;
  backoff: BackoffPolicy;
  /** Told the rebuilt version's checkpoint as it moves: read at start, then page by page. */
  onAdvance(position: GlobalPosition): void;
}

export interface Replayer {
  /** Replays pages until caught up: true, or false when stopped first. */
  catchUp(signal: AbortSignal): Promise<boolean>;
  status(): ProcessorStatus;
}

/**
 * The replay is a processor with a projector handler, as a live runner is: each page's rows, dead letters and the
 * version's checkpoint in one transaction, resumed from that checkpoint after a failure or in another process.
 */
export function replayer({ target, backoff, onAdvance, ...feed }: ReplayerOptions): Replayer {
  let caughtUp = () => {};
  const replaying = processor({
    name: target.key,
    feed: replayFeed({
      ...feed,
      caughtUp: () => caughtUp(),
      decode: (events) => decodeAhead(target.projection, events),
    }),
    logger: target.logger,
    backoff,
    onAdvance,
    ...projector({ readRows: (name) => readSourceRows(target.sql, target.admin, name), apply: batchApplier(target) }),
  });
  return {
    async catchUp(signal) {
      const stopped = () => caughtUp();
      const done = new Promise<void>((resolve) => (caughtUp = resolve));
      signal.addEventListener('abort', stopped, { once: true });
      replaying.start();
      try {
        await done;
      } finally {
        signal.removeEventListener('abort', stopped);
        await replaying.stop();
      }
      return !signal.aborted;
    },
    status: () => replaying.status(),
  };
}

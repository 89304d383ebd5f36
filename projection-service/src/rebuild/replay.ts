import type { EventFilter, EventStore, GlobalPosition, RecordedEvent } from '@order-engine/shared';

// Reads `$all` from the event store (never from Kafka, whose retention may be short) in large pages and hands each one
// to `apply`. Only the projection's own streams are read (the store filters them, so this process never parses
// events it would skip), and the next page is read while the current one is being written, so the event store's
// reads, this process's folding and the read model's writes overlap instead of taking turns.

export interface ReplayOptions {
  store: EventStore;
  /** Exclusive start: the rebuild's checkpoint. */
  after: GlobalPosition;
  pageSize: number;
  signal: AbortSignal;
  filter?: EventFilter;
  /** Applies a page; `through` is the position up to which every event of `$all` has now been seen. */
  apply(events: RecordedEvent[], through: GlobalPosition): Promise<void>;
  /** An upper bound read before each page (a verifying rebuild stays at or below the live version's checkpoint). */
  bound?: () => Promise<GlobalPosition>;
}

interface Page {
  events: RecordedEvent[];
  through: GlobalPosition;
  last: boolean;
}

/** Replays until the head (or the bound) read before a page is reached; returns the position applied through. */
export async function replayPages({
  store,
  after,
  pageSize,
  signal,
  filter,
  apply,
  bound,
}: ReplayOptions): Promise<GlobalPosition> {
  const read = async (from: GlobalPosition): Promise<Page> => {
    const head = await store.headPosition();
    const limit = bound ? await bound() : head;
    const ceiling = limit < head ? limit : head;
    if (ceiling <= from) return { events: [], through: from, last: true };
    const events = await store.readAll({ after: from, to: ceiling, limit: pageSize, ...(filter ? { filter } : {}) });
    // A short page holds every matching event up to the ceiling: they were all settled when the head was read, so
    // the filtered-out events up to there are behind us too.
    return events.length < pageSize
      ? { events, through: ceiling, last: true }
      : { events, through: events.at(-1)!.position, last: false };
  };
  let cursor = after;
  let next: Promise<Page> | undefined = read(cursor);
  try {
    while (next && !signal.aborted) {
      const page: Page = await next;
      if (page.through <= cursor) return cursor;
      next = page.last ? undefined : read(page.through);
      await apply(page.events, page.through);
      cursor = page.through;
    }
    return cursor;
  } finally {
    // A read still in flight when we stop must not surface as an unhandled rejection.
    next?.catch(() => undefined);
  }
}

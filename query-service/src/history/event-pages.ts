import type { EventStore, GlobalPosition, RecordedEvent } from '@order-engine/shared';
import type { EventsRange } from './params.js';

// History is read page by page, so memory holds a page or two whatever the size of the store.

// Small pages keep memory flat, not just bounded: a page's rows live until it is written, and a page of 5,000
// outlives V8's young generation, so every page was promoted and collected only by full GCs (a peak RSS of about
// 300 MB exporting 1,000,000 events, against about 200 MB with pages of 500, at the same speed: bench history-export).
export const DEFAULT_PAGE_SIZE = 500;

export interface AllPagesOptions {
  /** Last position to read: the head when the export started, so an export ends even while appends go on. */
  upTo: GlobalPosition;
  pageSize?: number;
}

/**
 * $all in pages, for a range of history. The next page is requested as soon as the previous one arrives, so the
 * store reads while the caller writes: at most two pages are held at once.
 */
export async function* pagesOfAll(
  store: EventStore,
  range: EventsRange,
  options: AllPagesOptions,
): AsyncGenerator<RecordedEvent[]> {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const filter =
    range.types || range.streamPrefix !== undefined
      ? { types: range.types, streamPrefix: range.streamPrefix }
      : undefined;
  const read = (after: GlobalPosition, limit: number) =>
    store.readAll({ after, to: options.upTo, limit, filter, recordedFrom: range.from, recordedBefore: range.to });

  let remaining = range.limit ?? Infinity;
  let asked = Math.min(pageSize, remaining);
  let next: Promise<RecordedEvent[]> | undefined = prefetch(read(range.after ?? 0n, asked));
  while (next) {
    const page: RecordedEvent[] = await next;
    next = undefined;
    remaining -= page.length;
    // A short page means nothing more matches up to upTo.
    if (page.length === asked && remaining > 0) {
      asked = Math.min(pageSize, remaining);
      next = prefetch(read(page[page.length - 1]!.position, asked));
    }
    if (page.length > 0) yield page;
  }
}

/**
 * A read started ahead: if the caller stops first (client gone), nobody awaits it, and its failure must not go
 * unhandled.
 */
function prefetch<T>(read: Promise<T>): Promise<T> {
  read.catch(() => {});
  return read;
}

/** One stream in revision order, in pages. */
export async function* pagesOfStream(
  store: EventStore,
  streamId: string,
  pageSize = DEFAULT_PAGE_SIZE,
  { from = 0, limit = Number.POSITIVE_INFINITY }: { from?: number; limit?: number } = {},
): AsyncGenerator<RecordedEvent[]> {
  for (let fromRevision = from, left = limit; left > 0;) {
    const page = await store.readStream(streamId, { fromRevision, limit: Math.min(pageSize, left) });
    if (page.length > 0) yield page;
    if (page.length < Math.min(pageSize, left)) return;
    fromRevision = page[page.length - 1]!.revision + 1;
    left -= page.length;
  }
}

/**
 * Reads the first page before anything is sent, so that a failing store (or an unknown stream) can still be
 * answered with a problem status; then hands back every page, the first one included.
 */
export async function startPages(
  pages: AsyncGenerator<RecordedEvent[]>,
): Promise<{ empty: boolean; pages: AsyncGenerator<RecordedEvent[]> }> {
  const first = await pages.next();
  async function* all(): AsyncGenerator<RecordedEvent[]> {
    if (first.done) return;
    try {
      yield first.value;
      yield* pages;
    } finally {
      await pages.return(undefined);
    }
  }
  return { empty: first.done === true, pages: all() };
}

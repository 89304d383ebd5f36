import type { EventStore, GlobalPosition, ReadAllOptions, RecordedEvent } from '@order-engine/shared';

// Rebuilds running at once read the same pages of `$all`: three projections follow the order streams, from the same
// checkpoint up to the same head, page for page. A page is fixed by its bounds (every event up to a head read before
// it is settled, so reading it again gives the same events), so each is read, parsed and decoded once and handed to
// every replay that asks for the same bounds. A replay that runs ahead waits (a second at most) while the few pages
// kept are still to be taken by a slower one that follows it, so that the replays go together and the pages stay few;
// one far behind (resumed from elsewhere) reads its own pages and holds nobody up.

export type ReadPage = (options: ReadAllOptions) => Promise<RecordedEvent[]>;

/** One replay's reads: read its pages in order, then leave (or the others wait for it, up to a second a page). */
export interface PageReader {
  read: ReadPage;
  leave(): void;
}

export interface SharedPages {
  join(): PageReader;
}

interface Page {
  after: GlobalPosition;
  events: Promise<RecordedEvent[]>;
  /** The replays that took it. */
  takers: Set<Reader>;
}

interface Reader {
  /** The start of the page it asked for last (set before it joins its group, at its first read). */
  at: GlobalPosition;
}

/** The replays reading the same streams, and the pages some of them are still to take. */
interface Group {
  pages: Map<string, Page>;
  readers: Set<Reader>;
  waiting: Set<() => void>;
}

const streamsOf = ({ filter, recordedFrom, recordedBefore }: ReadAllOptions): string =>
  [filter?.streamPrefix, filter?.types?.join(','), recordedFrom?.getTime(), recordedBefore?.getTime()].join('|');

const boundsOf = ({ after, to, limit }: ReadAllOptions): string => [after, to, limit].join('|');

export function sharedPages(
  store: Pick<EventStore, 'readAll'>,
  { keep = 4, waitMs = 1_000 }: { keep?: number; waitMs?: number } = {},
): SharedPages {
  const groups = new Map<string, Group>();

  const wake = (group: Group) => {
    for (const resume of group.waiting) resume();
    group.waiting.clear();
  };
  // A page stays while some reader has yet to pass it, the oldest going first past `keep`.
  const prune = (group: Group) => {
    for (const [key, page] of group.pages)
      if (![...group.readers].some((reader) => reader.at <= page.after)) group.pages.delete(key);
    while (group.pages.size > keep) group.pages.delete(group.pages.keys().next().value!);
  };
  // A reader behind this one that took a page kept that this one took too: it goes the same way, a few pages back
  // (one far behind, resumed from elsewhere, took pages of its own).
  const followed = (group: Group, reader: Reader) =>
    [...group.pages.values()].some(
      ({ takers }) => takers.has(reader) && [...takers].some((other) => other !== reader && other.at < reader.at),
    );

  return {
    join() {
      const reader: Reader = { at: 0n };
      let group: Group | undefined;
      let streams = '';
      return {
        async read(options) {
          if (!group) {
            streams = streamsOf(options);
            group = groups.get(streams) ?? { pages: new Map(), readers: new Set(), waiting: new Set() };
            groups.set(streams, group);
            group.readers.add(reader);
          }
          const at = options.after ?? 0n;
          reader.at = at;
          prune(group);
          wake(group);
          const key = boundsOf(options);
          const deadline = Date.now() + waitMs;
          while (
            !group.pages.has(key) &&
            group.pages.size >= keep &&
            followed(group, reader) &&
            Date.now() < deadline
          ) {
            const waited = group;
            await new Promise<void>((resume) => {
              const woken = () => {
                clearTimeout(timer);
                resume();
              };
              // A wait that times out takes its callback out of the group's, which only a wake would clear.
              const timer = setTimeout(() => {
                waited.waiting.delete(woken);
                resume();
              }, deadline - Date.now());
              waited.waiting.add(woken);
            });
          }
          const kept = group.pages.get(key);
          if (kept) {
            kept.takers.add(reader);
            return kept.events;
          }
          const events = store.readAll(options);
          const page: Page = { after: at, events, takers: new Set([reader]) };
          group.pages.set(key, page);
          // A failed read is not kept: the next reader to ask reads again.
          events.catch(() => group?.pages.get(key) === page && group.pages.delete(key));
          prune(group);
          return events;
        },
        leave() {
          if (!group) return;
          group.readers.delete(reader);
          prune(group);
          wake(group);
          if (group.readers.size === 0) groups.delete(streams);
        },
      };
    },
  };
}

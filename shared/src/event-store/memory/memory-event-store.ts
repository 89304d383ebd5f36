import { randomUUID } from 'node:crypto';
import { WrongExpectedRevision } from '../errors.js';
import { recordedWithin } from '../recorded-range.js';
import type {
  AppendResult,
  EventFilter,
  EventStore,
  ExpectedRevision,
  GlobalPosition,
  NewEvent,
  ReadAllOptions,
  RecordedEvent,
  SubscribeOptions,
} from '../event-store.js';

// In-process event store for unit tests and demos: same semantics as the PostgreSQL one (the contract suite
// checks both), nothing durable. Appends run synchronously, so they are atomic and positions never commit late.

const defaultBatchSize = 500;

export function memoryEventStore(): EventStore {
  /** `all[i].position === BigInt(i + 1)`: positions are dense here. */
  const all: RecordedEvent[] = [];
  const streams = new Map<string, RecordedEvent[]>();
  const eventIds = new Set<string>();
  const changes = changeSignal();
  const closing = new AbortController();

  function append(
    streamId: string,
    events: readonly NewEvent[],
    options: { expectedRevision?: ExpectedRevision } = {},
  ): AppendResult {
    if (events.length === 0)
      throw new RangeError(`append to ${streamId}: no events (an empty append is refused in every adapter)`);
    const expected = options.expectedRevision ?? 'any';
    const stream = streams.get(streamId) ?? [];
    const actual = stream.length - 1;
    if (!matches(expected, actual)) throw new WrongExpectedRevision(streamId, expected, actual);

    const recordedAt = new Date();
    const recorded = events.map((event, i): RecordedEvent => ({
      eventId: event.eventId ?? randomUUID(),
      type: event.type,
      version: event.version,
      streamId,
      revision: actual + 1 + i,
      position: BigInt(all.length + 1 + i),
      recordedAt,
      // A JSON round trip gives the same data semantics as jsonb and keeps history safe from callers' mutations.
      data: jsonCopy(event.data ?? null),
      metadata: jsonCopy(event.metadata ?? {}),
    }));
    const ids = new Set(recorded.map((e) => e.eventId));
    if (ids.size < recorded.length || recorded.some((e) => eventIds.has(e.eventId))) {
      throw new Error(`append to ${streamId}: duplicate event id`);
    }

    for (const id of ids) eventIds.add(id);
    all.push(...recorded);
    streams.set(streamId, [...stream, ...recorded]);
    changes.fire();
    const last = recorded[recorded.length - 1]!;
    return { nextExpectedRevision: last.revision, position: last.position, events: recorded.map(copyEvent) };
  }

  /** Matching events after `after` up to `limit`, and the last position scanned (so filtered reads can move on). */
  function scan(options: ReadAllOptions): { events: RecordedEvent[]; scannedTo: GlobalPosition } {
    const after = options.after ?? 0n;
    const to = options.to ?? BigInt(all.length);
    const limit = options.limit ?? Infinity;
    const events: RecordedEvent[] = [];
    let scannedTo = after;
    for (let i = Number(after); i < all.length && BigInt(i + 1) <= to && events.length < limit; i++) {
      const event = all[i]!;
      scannedTo = event.position;
      if (passes(event, options.filter) && recordedWithin(event.recordedAt, options)) events.push(copyEvent(event));
    }
    return { events, scannedTo };
  }

  async function* subscribeToAll(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent[]> {
    const signal = options.signal ? AbortSignal.any([options.signal, closing.signal]) : closing.signal;
    let after = options.after ?? 0n;
    while (!signal.aborted) {
      const changed = changes.next();
      const { events, scannedTo } = scan({
        after,
        limit: options.batchSize ?? defaultBatchSize,
        filter: options.filter,
      });
      after = scannedTo;
      if (events.length > 0) yield events;
      else await untilEither(changed, signal);
    }
  }

  return {
    append: async (streamId, events, options) => append(streamId, events, options),
    readStream: async (streamId, options = {}) => {
      const from = options.fromRevision ?? 0;
      const stream = streams.get(streamId) ?? [];
      return stream.slice(from, options.limit === undefined ? undefined : from + options.limit).map(copyEvent);
    },
    readAll: async (options = {}) => scan(options).events,
    subscribeToAll,
    headPosition: async () => BigInt(all.length),
    listStreams: async ({ prefix = '', after, limit }) =>
      [...streams.keys()]
        .filter((id) => id.startsWith(prefix) && (after === undefined || id > after))
        .sort()
        .slice(0, limit)
        .map((streamId) => {
          const last = streams.get(streamId)!.at(-1)!;
          return { streamId, revision: last.revision, position: last.position, recordedAt: last.recordedAt };
        }),
    close: async () => closing.abort(),
  };
}

function matches(expected: ExpectedRevision, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}

function passes(event: RecordedEvent, filter: EventFilter | undefined): boolean {
  if (filter?.types && !filter.types.includes(event.type)) return false;
  if (filter?.streamPrefix !== undefined && !event.streamId.startsWith(filter.streamPrefix)) return false;
  return true;
}

function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function copyEvent(event: RecordedEvent): RecordedEvent {
  return {
    ...event,
    recordedAt: new Date(event.recordedAt),
    data: jsonCopy(event.data),
    metadata: jsonCopy(event.metadata),
  };
}

/**
 * A promise per "generation" that resolves on the next append: a subscriber takes it before reading, so no wake-up is
 * lost.
 */
function changeSignal() {
  let wake!: () => void;
  let next = new Promise<void>((resolve) => (wake = resolve));
  return {
    next: () => next,
    fire() {
      wake();
      next = new Promise<void>((resolve) => (wake = resolve));
    },
  };
}

function untilEither(changed: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    void changed.then(done);
  });
}

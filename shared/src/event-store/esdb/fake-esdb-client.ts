import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import {
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type EventData,
  type Filter,
  type Position,
  type ReadPosition,
} from '@eventstore/db-client';
import type { EsdbClient } from './client.js';

// A stand-in for an EventStoreDB server behind the client, for tests of the adapter's own logic (no server can be
// run here). It models what the adapter relies on, as read in ESDB's source: positions are log offsets with gaps,
// commit = prepare for every event; a forward $all read includes its start position, a backward one and a
// subscription exclude it; system events sit between the application's ($metadata at start, a `$>` link after
// each event, as a running by-category projection writes); a missing stream fails a read with StreamNotFound.
// It checks the adapter, not ESDB: the int spec against a real server is what checks these assumptions.

interface LogRecord {
  id: string;
  type: string;
  streamId: string;
  revision: bigint;
  created: Date;
  isJson: boolean;
  data: string | Uint8Array;
  metadata: string | undefined;
  position: bigint;
}

export interface FakeEsdb {
  client: EsdbClient;
  /** Every later call fails as the client does when the server cannot be reached (a raw gRPC error, code 14). */
  goDown(): void;
  /** Active subscriptions fail with this error. */
  failSubscriptions(error: Error): void;
  /** Subscriptions that have not been unsubscribed. */
  activeSubscriptions(): number;
}

export function fakeEsdbClient(options: { streamReadPositions?: boolean } = {}): FakeEsdb {
  const log: LogRecord[] = [];
  const streams = new Map<string, LogRecord[]>();
  const subscribers = new Set<(record: LogRecord) => void>();
  const subscriptions = new Set<PassThrough>();
  let nextPosition = 1_000n; // the log starts with records that are not events (epoch, ...)
  let down = false;

  function write(
    streamId: string,
    type: string,
    data: string | Uint8Array,
    metadata?: string,
    id: string = randomUUID(),
  ): LogRecord {
    const stream = streams.get(streamId) ?? [];
    const record: LogRecord = {
      id,
      type,
      streamId,
      revision: BigInt(stream.length),
      created: new Date(),
      isJson: typeof data === 'string',
      data,
      metadata,
      position: nextPosition,
    };
    nextPosition += 100n + BigInt(data.length); // a record's size: positions have gaps
    log.push(record);
    streams.set(streamId, [...stream, record]);
    for (const notify of subscribers) notify(record);
    return record;
  }

  function resolved(record: LogRecord, withPosition = true): AllStreamResolvedEvent {
    const position: Position = { commit: record.position, prepare: record.position };
    const event = {
      id: record.id,
      type: record.type,
      streamId: record.streamId,
      revision: record.revision,
      created: record.created,
      isJson: record.isJson,
      data: typeof record.data === 'string' ? (JSON.parse(record.data) as unknown) : record.data,
      metadata: record.metadata === undefined ? undefined : (JSON.parse(record.metadata) as unknown),
      position: withPosition ? position : undefined,
    };
    return { event, commitPosition: record.position } as AllStreamResolvedEvent;
  }

  function checkUp(): void {
    if (down) throw Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
  }

  function appendToStream(
    streamName: string,
    events: EventData[],
    { expectedRevision = 'any' }: { expectedRevision?: AppendExpectedRevision } = {},
  ) {
    return Promise.resolve().then(() => {
      checkUp();
      const stream = streams.get(streamName);
      const current = stream ? BigInt(stream.length - 1) : 'no_stream';
      // ESDB's duplicate check: the events already written right after the expected revision, with these very ids,
      // make the append a repeat, acknowledged with the revision of the first write and writing nothing.
      const after =
        expectedRevision === 'no_stream'
          ? 0
          : typeof expectedRevision === 'bigint'
            ? Number(expectedRevision) + 1
            : undefined;
      const already = after === undefined ? [] : (stream ?? []).slice(after, after + events.length);
      if (already.length === events.length && already.every((record, i) => record.id === events[i]!.id)) {
        const last = already.at(-1)!;
        return {
          success: true,
          nextExpectedRevision: last.revision,
          position: { commit: last.position, prepare: last.position },
        };
      }
      const ok =
        expectedRevision === 'any' ||
        (expectedRevision === 'no_stream' && current === 'no_stream') ||
        (expectedRevision === 'stream_exists' && current !== 'no_stream') ||
        expectedRevision === current;
      if (!ok) throw new WrongExpectedVersionError(undefined, { streamName, expected: expectedRevision, current });
      for (const event of events) {
        const metadata = event.metadata === undefined ? undefined : JSON.stringify(event.metadata);
        const record = write(streamName, event.type, JSON.stringify(event.data), metadata, event.id);
        write(`$ce-${streamName.split('-')[0]}`, '$>', new TextEncoder().encode(`${record.revision}@${streamName}`));
      }
      const last = log.findLast((record) => record.streamId === streamName)!;
      return {
        success: true,
        nextExpectedRevision: last.revision,
        position: { commit: last.position, prepare: last.position },
      };
    });
  }

  function readStream(
    streamName: string,
    {
      fromRevision = 0n,
      maxCount = Number.MAX_SAFE_INTEGER,
    }: { fromRevision?: bigint; maxCount?: number | bigint } = {},
  ) {
    return readable(() => {
      const stream = streams.get(streamName);
      if (!stream) throw new StreamNotFoundError(undefined, streamName);
      return stream
        .slice(Number(fromRevision), Number(fromRevision) + Number(maxCount))
        .map((r) => resolved(r, options.streamReadPositions ?? true));
    });
  }

  function readAll({
    fromPosition = 'start',
    direction = 'forwards',
    maxCount = Number.MAX_SAFE_INTEGER,
  }: { fromPosition?: ReadPosition; direction?: string; maxCount?: number | bigint } = {}) {
    return readable(() => {
      const records =
        direction === 'forwards'
          ? log.filter((r) => fromPosition === 'start' || (fromPosition !== 'end' && r.position >= fromPosition.commit))
          : log
              .filter((r) => fromPosition === 'end' || (fromPosition !== 'start' && r.position < fromPosition.commit))
              .reverse();
      return records.slice(0, Number(maxCount)).map((r) => resolved(r));
    });
  }

  function subscribeToAll({ fromPosition = 'start', filter }: { fromPosition?: ReadPosition; filter?: Filter } = {}) {
    const subscription = Object.assign(new PassThrough({ objectMode: true }), {
      unsubscribe: async () => {
        subscribers.delete(deliver);
        subscriptions.delete(subscription);
      },
    });
    const start = fromPosition === 'start' ? -1n : fromPosition === 'end' ? nextPosition : fromPosition.commit;
    const deliver = (record: LogRecord) => {
      if (record.position > start && matches(filter, record)) subscription.write(resolved(record));
    };
    setImmediate(() => {
      if (down) return void subscription.emit('error', Object.assign(new Error('14 UNAVAILABLE'), { code: 14 }));
      for (const record of log) deliver(record); // catch up, then follow: one synchronous step, so nothing in between
      subscribers.add(deliver);
      subscriptions.add(subscription);
    });
    return subscription;
  }

  const client = { appendToStream, readStream, readAll, subscribeToAll } as unknown as EsdbClient;
  write('$$$settings', '$metadata', '{}');
  write('$stats-127.0.0.1:2113', '$statsCollected', '{"proc-cpu":1}');
  return {
    client,
    goDown: () => void (down = true),
    failSubscriptions: (error) => {
      for (const subscription of subscriptions) subscription.emit('error', error);
    },
    activeSubscriptions: () => subscriptions.size,
  };

  /**
   * A read as the client returns it: a Readable that fails (e.g. stream not found) or yields entries, with cancel().
   */
  function readable(entries: () => AllStreamResolvedEvent[]) {
    let started = false;
    const read = new Readable({
      objectMode: true,
      read() {
        if (started) return;
        started = true;
        try {
          checkUp();
          for (const entry of entries()) this.push(entry);
          this.push(null);
        } catch (error) {
          this.destroy(error as Error);
        }
      },
    });
    return Object.assign(read, { cancel: async () => void read.destroy() });
  }
}

/** The server side of a subscription filter. .NET and JS regexes agree on what filters.ts builds. */
function matches(filter: Filter | undefined, record: LogRecord): boolean {
  if (!filter) return true;
  const subject = filter.filterOn === 'eventType' ? record.type : record.streamId;
  return 'regex' in filter
    ? new RegExp(filter.regex).test(subject)
    : filter.prefixes.some((prefix) => subject.startsWith(prefix));
}

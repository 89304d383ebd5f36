import { coalescer } from '../../async/coalescer.js';
import { assertIdentifier, type Sql } from '../../sql/sql.js';
import type { AppendResult, EventStore, RecordedEvent } from '../event-store.js';
import { appendBatch, type AppendRequest } from './append.js';
import { EventStoreUnavailable } from '../errors.js';
import { toEventStoreError } from './errors.js';
import { eventsOfIdempotencyKey } from './events-of-key.js';
import { headPosition, newestPosition } from './head-position.js';
import { heldBack } from './held-back.js';
import { listStreams } from './list-streams.js';
import { channelOf, notifier } from './notify.js';
import { readAll } from './read-all.js';
import { readStreams, type StreamRead } from './read-stream.js';
import { migrateEventStore } from './schema.js';
import { subscribeToAll } from './subscribe.js';

export interface PostgresEventStoreOptions {
  /** Schema holding the store's tables (default `eventstore`). */
  schema?: string;
  /** How often a caught-up subscription looks for new events when no notification arrives (default 250 ms). */
  pollIntervalMs?: number;
  /** Append calls in flight at once; appends beyond them are coalesced into the next call (default 2, 1 on PGlite). */
  appendConcurrency?: number;
  /**
   * Every writer and subscriber of this database is this store object, in this process (PGlite, which one process
   * owns): subscribers are only woken in process, with no NOTIFY per append nor LISTEN (default false).
   */
  singleProcess?: boolean;
  /**
   * Only reads (the query service, the CLI): never migrates, so it works with a role that may only SELECT, and
   * refuses appends. A schema that is not there yet is reported as EventStoreUnavailable, which names the migration.
   * Default false: the writers (command service, projection service, embedded engine) migrate on first use.
   */
  readOnly?: boolean;
}

// SQLSTATEs of a store whose schema or tables are not there: undefined_table, invalid_schema_name.
const MISSING_SCHEMA = new Set(['42P01', '3F000']);

/**
 * The event store on PostgreSQL, over pg or PGlite. It migrates its schema on first use (or call
 * migrateEventStore first), unless it is readOnly. close() ends its subscriptions; the Sql belongs to the caller and
 * stays open.
 */
export function postgresEventStore(sql: Sql, options: PostgresEventStoreOptions = {}): EventStore {
  const schema = assertIdentifier(options.schema ?? 'eventstore');
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const singleProcess = options.singleProcess ?? false;
  const notify = notifier(singleProcess ? undefined : sql, channelOf(schema));
  const closing = new AbortController();
  // Concurrent appends share calls of append_events (group commit, see async/coalescer.ts). A call that fails as a
  // whole (a duplicate event id, say) is sent again append by append, unless the database is away.
  const appendNow = coalescer<AppendRequest, AppendResult>((requests) => appendBatch(sql, schema, requests), {
    maxInFlight: options.appendConcurrency ?? Math.min(2, sql.parallelism),
    retryAlone: (error) => !(error instanceof EventStoreUnavailable),
  });

  // Stream reads too (command handlers reading the streams they decide on): those asked for while the reads in flight
  // run go together in the next statement.
  const readStreamNow = coalescer<StreamRead, RecordedEvent[]>((reads) => readStreams(sql, schema, reads), {
    maxInFlight: Math.min(2, sql.parallelism),
  });

  const readOnly = options.readOnly ?? false;
  let migrated: Promise<void> | undefined;
  async function ready(): Promise<void> {
    if (readOnly) return;
    migrated ??= migrateEventStore(sql, schema).catch((error: unknown) => {
      migrated = undefined; // let the next call try again
      throw toEventStoreError(error);
    });
    return migrated;
  }

  /** Runs a read after migration, with outages reported as EventStoreUnavailable. */
  async function read<T>(fn: () => Promise<T>): Promise<T> {
    await ready();
    return fn().catch((error: unknown) => {
      if (readOnly && MISSING_SCHEMA.has((error as { code?: unknown })?.code as string)) {
        throw new EventStoreUnavailable(
          `the event store schema ${schema} is not set up: the command service creates it at start, or run ` +
            `npm run cli -- migrate`,
          { cause: error },
        );
      }
      throw toEventStoreError(error);
    });
  }

  return {
    async append(streamId, events, appendOptions) {
      if (readOnly) throw new Error(`append to ${streamId}: this event store was opened read-only`);
      if (events.length === 0)
        throw new RangeError(`append to ${streamId}: no events (an empty append is refused in every adapter)`);
      await ready();
      const result = await appendNow({ streamId, events, expectedRevision: appendOptions?.expectedRevision ?? 'any' });
      notify.poke();
      return result;
    },
    readStream: (streamId, readOptions) => read(() => readStreamNow({ ...readOptions, streamId })),
    readAll: (readOptions) => read(() => readAll(sql, schema, readOptions)),
    headPosition: () => read(() => headPosition(sql, schema)),
    heldBack: (after) => read(() => heldBack(sql, schema, after)),
    listStreams: (query) => read(() => listStreams(sql, schema, query)),
    eventsOfIdempotencyKey: (key, since) => read(() => eventsOfIdempotencyKey(sql, schema, key, since)),
    async *subscribeToAll(subscribeOptions) {
      await ready();
      yield* subscribeToAll(
        {
          readAll: (page) => read(() => readAll(sql, schema, page)),
          headPosition: () => read(() => headPosition(sql, schema)),
          newestPosition: () => read(() => newestPosition(sql, schema)),
          listen: async (onNotify) => {
            const stopLocal = notify.onLocalAppend(onNotify);
            if (singleProcess) return async () => stopLocal();
            const unlisten = await read(() => sql.listen(channelOf(schema), onNotify)).catch((error: unknown) => {
              stopLocal();
              throw error;
            });
            return async () => {
              stopLocal();
              await unlisten();
            };
          },
          pollIntervalMs,
          closed: closing.signal,
        },
        subscribeOptions,
      );
    },
    async close() {
      closing.abort();
      await notify.drain();
    },
  };
}

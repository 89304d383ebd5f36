import type { EventStore } from '../event-store.js';
import { appendEvents } from './append.js';
import type { EsdbClient } from './client.js';
import { headPosition, readAll } from './read-all.js';
import { readStream } from './read-stream.js';
import { subscribeToAll } from './subscribe.js';

export { connectEsdb } from './client.js';

// The EventStore port on EventStoreDB (22.6 or later: stream reads must carry $all positions). What maps to what:
// - events are JSON events; the schema version travels in the ESDB metadata (event-mapping.ts);
// - a position is the event's commit position, which equals its prepare position (positions.ts explains why);
// - the port's filters become server-side filters for subscriptions and are applied client-side (filters.ts);
// - ESDB's system events (`$` types and streams) are never returned, and the head is the newest other event;
// - WrongExpectedVersion becomes WrongExpectedRevision, outages EventStoreUnavailable (errors.ts).
// The client belongs to the caller: close() ends this store's subscriptions, the caller disposes the client.

export interface EsdbEventStoreOptions {
  /**
   * Entries per $all page in readAll (system events count too); headPosition reads at most 64 at a time. Default 500.
   */
  pageSize?: number;
}

export function esdbEventStore(client: EsdbClient, options: EsdbEventStoreOptions = {}): EventStore {
  // Two at least: a forward page starts with the event it starts from, which is skipped.
  const pageSize = Math.max(2, options.pageSize ?? 500);
  // The newest application event is usually among the last few entries (projections add a link or two per event).
  const headPageSize = Math.min(pageSize, 64);
  const closing = new AbortController();
  return {
    append: (streamId, events, appendOptions) =>
      appendEvents(client, streamId, events, appendOptions?.expectedRevision),
    readStream: (streamId, readOptions) => readStream(client, streamId, readOptions),
    readAll: (readOptions = {}) => readAll(client, readOptions, pageSize),
    subscribeToAll: (subscribeOptions = {}) => subscribeToAll(client, subscribeOptions, closing.signal),
    headPosition: () => headPosition(client, headPageSize),
    close: async () => closing.abort(),
  };
}

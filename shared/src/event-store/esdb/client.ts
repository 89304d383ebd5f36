import { EventStoreDBClient, type StreamingRead } from '@eventstore/db-client';
import { toEventStoreError } from './errors.js';

/** The part of the client the adapter uses (what a test double has to provide). */
export type EsdbClient = Pick<EventStoreDBClient, 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll'>;

/** A client for `esdb://host:2113?tls=false` style URLs. It connects lazily; dispose() it when done. */
export function connectEsdb(url: string): EventStoreDBClient {
  return EventStoreDBClient.connectionString(url);
}

/** Drains a bounded read (every read here passes maxCount) into an array, with client errors converted. */
export async function collect<T>(read: StreamingRead<T>): Promise<T[]> {
  const items: T[] = [];
  try {
    for await (const item of read) items.push(item);
  } catch (error) {
    throw toEventStoreError(error);
  }
  return items;
}

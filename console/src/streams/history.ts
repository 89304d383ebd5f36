import type { QueryClient, QueryComponents } from '@order-engine/client';
import { call, type Endpoint } from '../shared/api.js';
import { parseNdjson } from './ndjson.js';
import type { StreamEntity } from './stream-entity.js';

// The query API's history routes, read straight from the event store: stream search, a stream's events, and an
// order or product as it was at a revision or a time.

export type EventEnvelope = QueryComponents['schemas']['EventEnvelope'];
export type StreamSummary = QueryComponents['schemas']['StreamSummary'];
export type EntityAt = QueryComponents['schemas']['OrderAt'] | QueryComponents['schemas']['ProductAt'];

type Query = Endpoint<QueryClient>;

export const PAGE_SIZE = 50;

export const searchStreams = (query: Query, prefix: string, signal: AbortSignal): Promise<StreamSummary[]> =>
  call(query, (client) =>
    client.GET('/history/streams', {
      params: { query: { ...(prefix && { prefix }), limit: String(PAGE_SIZE) } },
      signal,
    }),
  ).then((answer) => answer.items);

/** One page of a stream's events, from revision `from` on. */
export async function streamPage(
  query: Query,
  streamId: string,
  from: number,
  signal: AbortSignal,
): Promise<EventEnvelope[]> {
  const text = await call(query, (client) =>
    client.GET('/history/streams/{streamId}', {
      params: { path: { streamId }, query: { from: String(from), limit: String(PAGE_SIZE) } },
      parseAs: 'text',
      signal,
    }),
  );
  // The page is cut here too, so an API that sends the whole stream still pages right.
  return (parseNdjson(text) as EventEnvelope[]).filter((event) => event.revision >= from).slice(0, PAGE_SIZE);
}

/** As it was after the event of this revision, or as it was at this time (ISO 8601). */
export type PointInHistory = { revision: number } | { at: string };

const pointQuery = (point: PointInHistory) =>
  'revision' in point ? { revision: String(point.revision) } : { at: point.at };

export function entityAt(
  query: Query,
  entity: StreamEntity,
  point: PointInHistory,
  signal: AbortSignal,
): Promise<EntityAt> {
  if (entity.kind === 'order')
    return call(query, (client) =>
      client.GET('/history/orders/{orderId}', {
        params: { path: { orderId: entity.orderId }, query: pointQuery(point) },
        signal,
      }),
    );
  return call(query, (client) =>
    client.GET('/history/products/{sku}', { params: { path: { sku: entity.sku }, query: pointQuery(point) }, signal }),
  );
}

import {
  Cents,
  Currency,
  EventEnvelope,
  CustomerId,
  HoldId,
  OrderId,
  OrderLine,
  OrderStatus,
  Sku,
  header,
  type ApiOperation,
  type HeaderObject,
} from '@order-engine/shared';
import { ProductStatus } from '@order-engine/shared/read-models/catalog';
import { z } from 'zod';
import { EventsFilters, PointFields, StreamQuery, StreamsQuery, streamIdParam } from './params.js';
import type { OrderView, ProductView } from './time-travel.js';

// History's routes, read from the event store: what they parse and what they answer. Exports stream NDJSON or CSV;
// time travel answers an entity's state as its decider folded it.

export const StreamParams = z.object({ streamId: streamIdParam });
export const OrderParams = z.object({ orderId: OrderId });
export const ProductParams = z.object({ sku: Sku });

const count = () => z.int().min(0);

const OrderState = z
  .object({
    status: OrderStatus,
    orderId: OrderId,
    customerId: CustomerId,
    lines: z.array(OrderLine),
    currency: Currency,
    totalCents: Cents,
    placedAt: z.iso.datetime(),
    reserved: z.array(Sku).meta({ description: 'The skus whose stock is reserved.' }),
  })
  .meta({ id: 'OrderState', description: "An order's state, as its decider folds its events." });

const ProductState = z
  .object({
    status: ProductStatus,
    sku: Sku,
    name: z.string(),
    category: z.string(),
    priceCents: Cents,
    currency: Currency,
    onHand: count(),
    reservations: z.record(OrderId, z.int().min(1)).meta({ description: 'Order id → reserved quantity.' }),
    reserved: count(),
    holds: z
      .record(HoldId, z.object({ quantity: z.int().min(1), reason: z.string() }))
      .meta({ description: 'Hold id → held quantity and reason.' }),
    held: count(),
    available: count().meta({ description: 'on hand − reserved − held' }),
  })
  .meta({ id: 'ProductState', description: "A product's state, as its decider folds its events." });

// The states are the deciders' (time-travel.ts): the compiler keeps their schemas in step with them.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const _statesInStep: Same<z.infer<typeof OrderState>, OrderView> & Same<z.infer<typeof ProductState>, ProductView> =
  true;

const entityAt = (state: z.ZodType, id: string) =>
  z
    .object({
      streamId: z.string(),
      revision: count().meta({ description: 'The revision of the last event folded.' }),
      position: z.string().regex(/^\d+$/).meta({ description: 'Its global position, in decimal.' }),
      recordedAt: z.iso.datetime().meta({ description: 'When it was recorded.' }),
      state,
    })
    .meta({ id });

const StreamSummary = z
  .object({
    streamId: z.string(),
    revision: count().meta({ description: 'The revision of its last event.' }),
    position: z.string().regex(/^\d+$/).meta({ description: "Its last event's global position, in decimal." }),
    recordedAt: z.iso.datetime().meta({ description: 'When its last event was recorded.' }),
  })
  .meta({ id: 'StreamSummary' });

const tag = 'history';
const noStore: Record<string, HeaderObject> = { 'Cache-Control': header('no-store: an export is never cached.') };
const exported = {
  description:
    'The events, streamed. NDJSON: one EventEnvelope per line (the schema is that of one line). CSV: a header ' +
    'row, then one row per event with the same columns, data and metadata as JSON text in their cells.',
  bodies: { 'application/x-ndjson': EventEnvelope, 'text/csv': z.string() },
};
const point = {
  400:
    'A malformed query: a time without a zone, both at and revision, or a revision past the last (`errors` ' +
    'says which).',
};

export const historyApi: readonly ApiOperation[] = [
  {
    method: 'get',
    path: '/history/events',
    operationId: 'exportEvents',
    summary: 'Export events of all streams, in global order',
    description:
      'Read from the event store itself, up to the newest event when the export starts (X-Head-Position): ' +
      'resume with after= it for what came later. A failure once the body has started cuts it off (an incomplete ' +
      'chunked answer), never a short one that looks whole.',
    tag,
    query: EventsFilters,
    answers: {
      200: {
        ...exported,
        headers: {
          ...noStore,
          'X-Head-Position': {
            ...header('The position of the newest event the export covers.', { type: 'string', pattern: '^\\d+$' }),
            required: true,
          },
        },
      },
    },
    refusals: { 400: 'A malformed filter: an unknown event type, a time without a zone, from not before to, ...' },
  },
  {
    method: 'get',
    path: '/history/streams',
    operationId: 'listStreams',
    summary: 'Find streams by id prefix, in id order',
    tag,
    query: StreamsQuery,
    answers: { 200: { description: 'A page of streams.', body: z.object({ items: z.array(StreamSummary) }) } },
    refusals: { 400: 'A malformed query.', 501: 'The event store cannot list its streams (EventStoreDB).' },
  },
  {
    method: 'get',
    path: '/history/streams/:streamId',
    operationId: 'exportStream',
    summary: 'Export the events of one stream, in revision order',
    tag,
    params: StreamParams,
    query: StreamQuery,
    answers: { 200: { ...exported, headers: noStore } },
    refusals: { 404: 'The stream has no events (from that revision on).' },
  },
  {
    method: 'get',
    path: '/history/orders/:orderId',
    operationId: 'orderAt',
    summary: 'An order as it was: at a time, after a revision, or now',
    tag,
    params: OrderParams,
    query: PointFields,
    answers: { 200: { description: 'The order then.', body: entityAt(OrderState, 'OrderAt') } },
    refusals: { ...point, 404: 'The order does not exist, or did not exist yet at that time.' },
  },
  {
    method: 'get',
    path: '/history/products/:sku',
    operationId: 'productAt',
    summary: 'A product as it was: at a time, after a revision, or now',
    tag,
    params: ProductParams,
    query: PointFields,
    answers: { 200: { description: 'The product then.', body: entityAt(ProductState, 'ProductAt') } },
    refusals: { ...point, 404: 'The product does not exist, or did not exist yet at that time.' },
  },
];

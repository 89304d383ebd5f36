import {
  availableOf,
  decodeEvent,
  orderDecider,
  OrderEvent,
  orderStream,
  productDecider,
  ProductEvent,
  productStream,
  UnreadableEvent,
  type Decider,
  type EventStore,
  type Order,
  type Product,
  type RecordedEvent,
} from '@order-engine/shared';
import type { PointInHistory } from './params.js';

// An entity as it was: its stream folded by the decider's own evolve (after upcasting), up to a time or a revision.
// The stream is read in pages, so a product with a long history does not have to fit in memory.
//
// "At a time" folds the longest prefix of the stream whose events were all recorded by then. Within a stream,
// recorded times can be out of revision order by the time an append waited for the one before it; a prefix is
// a state the entity really had, where skipping one event and applying the next would not be.

const PAGE_SIZE = 1_000;

/** The state after the last event folded, and where that event sits. */
export interface EntityAt<View> {
  streamId: string;
  revision: number;
  position: string;
  recordedAt: string;
  state: View;
}

export type TimeTravel<View> =
  | { found: true; entity: EntityAt<View> }
  /** unknown: the stream has no events; not-yet: none recorded by that time; beyond: the revision is past the end. */
  | { found: false; reason: 'unknown' | 'not-yet' }
  | { found: false; reason: 'beyond'; lastRevision: number };

export type OrderView = Exclude<Order, { status: 'none' }>;

/** The product's state, without the bookkeeping of settled orders, and with the figures the catalog shows. */
export type ProductView = Omit<Exclude<Product, { status: 'none' }>, 'settledOrders' | 'reservations' | 'holds'> & {
  /** orderId → reserved quantity */
  reservations: Record<string, number>;
  /** holdId → held quantity and reason */
  holds: Record<string, { quantity: number; reason: string }>;
  available: number;
};

export const orderAt = (store: EventStore, orderId: string, point: PointInHistory): Promise<TimeTravel<OrderView>> =>
  travel(
    store,
    orderStream(orderId),
    orderDecider,
    OrderEvent.options.map((o) => o.shape.type.value),
    point,
    (state) => (state.status === 'none' ? undefined : state),
  );

export const productAt = (store: EventStore, sku: string, point: PointInHistory): Promise<TimeTravel<ProductView>> =>
  travel(
    store,
    productStream(sku),
    productDecider,
    ProductEvent.options.map((o) => o.shape.type.value),
    point,
    (state) => {
      if (state.status === 'none') return undefined;
      const { settledOrders: _settled, reservations, holds, ...rest } = state;
      return { ...rest, reservations: reservations.toObject(), holds: holds.toObject(), available: availableOf(state) };
    },
  );

async function travel<S, E extends { type: string }, View>(
  store: EventStore,
  streamId: string,
  decider: Pick<Decider<S, never, E>, 'initialState' | 'evolve'>,
  eventTypes: readonly string[],
  point: PointInHistory,
  view: (state: S) => View | undefined,
): Promise<TimeTravel<View>> {
  let state = decider.initialState;
  let last: RecordedEvent | undefined;
  let lastRevision = -1;
  for (let fromRevision = 0, done = false; !done;) {
    const page = await store.readStream(streamId, { fromRevision, limit: PAGE_SIZE });
    for (const event of page) {
      lastRevision = event.revision;
      if (isPast(event, point)) {
        done = true;
        break;
      }
      state = decider.evolve(state, decode<E>(event, eventTypes));
      last = event;
    }
    if (page.length < PAGE_SIZE) done = true;
    fromRevision = lastRevision + 1;
  }
  if (lastRevision < 0) return { found: false, reason: 'unknown' };
  if ('revision' in point && point.revision > lastRevision) return { found: false, reason: 'beyond', lastRevision };
  const shown = last && view(state);
  if (!last || !shown) return { found: false, reason: 'not-yet' };
  const { revision, position, recordedAt } = last;
  return {
    found: true,
    entity: { streamId, revision, position: position.toString(), recordedAt: recordedAt.toISOString(), state: shown },
  };
}

function isPast(event: RecordedEvent, point: PointInHistory): boolean {
  if ('at' in point) return event.recordedAt.getTime() > point.at.getTime();
  if ('revision' in point) return event.revision > point.revision;
  return false;
}

/** Upcasts and validates; an event of another entity's type in this stream is a corrupt history, not a 404. */
function decode<E>(event: RecordedEvent, eventTypes: readonly string[]): E {
  if (!eventTypes.includes(event.type))
    throw new UnreadableEvent(event.eventId, event.type, `does not belong in ${event.streamId}`);
  return decodeEvent(event) as E;
}

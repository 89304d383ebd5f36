import type { z } from 'zod';
import type { EventMetadata, NewEvent, RecordedEvent } from '../event-store/event-store.js';
import * as product from './product/events.js';
import * as order from './order/events.js';

// Every event type with its current schema version. Stored events keep the version they were written with;
// reading upcasts them step by step (v1 → v2 → ...) to the current shape, then validates with the schema.

export type DomainEvent = product.ProductEvent | order.OrderEvent;
export type DomainEventType = DomainEvent['type'];

type Data = Record<string, unknown>;
/** upcasters[v] turns data of version v into version v + 1. */
type Upcasters = Partial<Record<number, (data: Data) => Data>>;

interface EventDefinition {
  version: number;
  schema: z.ZodType;
  upcasters?: Upcasters;
}

const v1 = (schema: z.ZodType): EventDefinition => ({ version: 1, schema });

export const eventRegistry: Record<DomainEventType, EventDefinition> = {
  // v1 had no category: products registered before categories existed read as 'uncategorized'.
  ProductRegistered: {
    version: 2,
    schema: product.ProductRegistered,
    upcasters: { 1: (data) => ({ category: 'uncategorized', ...data }) },
  },
  PriceChanged: v1(product.PriceChanged),
  StockAdded: v1(product.StockAdded),
  StockReserved: v1(product.StockReserved),
  StockReservationRejected: v1(product.StockReservationRejected),
  StockReleased: v1(product.StockReleased),
  StockShipped: v1(product.StockShipped),
  StockHeld: v1(product.StockHeld),
  StockHoldReleased: v1(product.StockHoldReleased),
  ProductDiscontinued: v1(product.ProductDiscontinued),
  OrderPlaced: v1(order.OrderPlaced),
  OrderLineReserved: v1(order.OrderLineReserved),
  OrderConfirmed: v1(order.OrderConfirmed),
  OrderRejected: v1(order.OrderRejected),
  OrderPaid: v1(order.OrderPaid),
  OrderShipped: v1(order.OrderShipped),
  OrderDelivered: v1(order.OrderDelivered),
  OrderCancelled: v1(order.OrderCancelled),
};

export const domainEventTypes = Object.keys(eventRegistry) as DomainEventType[];

export function isDomainEventType(type: string): type is DomainEventType {
  return Object.hasOwn(eventRegistry, type);
}

/** A stored event decoded into the domain's current shape. */
export type RecordedDomainEvent<E extends DomainEvent = DomainEvent> = Omit<RecordedEvent, 'type' | 'data'> & E;

export class UnreadableEvent extends Error {
  constructor(
    readonly eventId: string,
    readonly eventType: string,
    reason: string,
  ) {
    super(`event ${eventId} (${eventType}): ${reason}`);
    this.name = 'UnreadableEvent';
  }
}

export function encodeEvent(event: DomainEvent, metadata: EventMetadata = {}): NewEvent {
  return { type: event.type, version: eventRegistry[event.type].version, data: event.data, metadata };
}

export function upcast(type: DomainEventType, version: number, data: Data): Data {
  const definition = eventRegistry[type];
  let current = data;
  for (let v = version; v < definition.version; v++) {
    const step = definition.upcasters?.[v];
    if (!step) throw new Error(`${type}: no upcaster from version ${v}`);
    current = step(current);
  }
  return current;
}

export function decodeEvent(recorded: RecordedEvent): RecordedDomainEvent {
  const { type, version } = recorded;
  if (!isDomainEventType(type)) throw new UnreadableEvent(recorded.eventId, type, 'unknown event type');
  const definition = eventRegistry[type];
  if (version > definition.version)
    throw new UnreadableEvent(
      recorded.eventId,
      type,
      `version ${version} is newer than this code knows (${definition.version})`,
    );
  let data: Data;
  try {
    data = upcast(type, version, recorded.data as Data);
  } catch (error) {
    throw new UnreadableEvent(recorded.eventId, type, (error as Error).message);
  }
  const parsed = definition.schema.safeParse({ type, data });
  if (!parsed.success) throw new UnreadableEvent(recorded.eventId, type, parsed.error.message);
  return { ...recorded, ...(parsed.data as DomainEvent), version: definition.version };
}

import { describe, expect, it } from 'vitest';
import type { NewEvent, RecordedEvent } from '../event-store/event-store.js';
import {
  type DomainEvent,
  type DomainEventType,
  decodeEvent,
  domainEventTypes,
  encodeEvent,
  eventRegistry,
  UnreadableEvent,
} from './event-registry.js';

type SampleOf = { [K in DomainEventType]: Extract<DomainEvent, { type: K }> };

// One sample per event type: a new event type fails to compile here until it has a round-trip sample.
const samples: SampleOf = {
  ProductRegistered: {
    type: 'ProductRegistered',
    data: { sku: 'SKU-1', name: 'Kettle', category: 'kitchen', priceCents: 2_500, currency: 'EUR' },
  },
  PriceChanged: { type: 'PriceChanged', data: { sku: 'SKU-1', priceCents: 2_999, previousPriceCents: 2_500 } },
  StockAdded: { type: 'StockAdded', data: { sku: 'SKU-1', quantity: 10 } },
  StockReserved: { type: 'StockReserved', data: { sku: 'SKU-1', orderId: 'o-1', quantity: 2 } },
  StockReservationRejected: {
    type: 'StockReservationRejected',
    data: { sku: 'SKU-1', orderId: 'o-1', requested: 5, available: 2, reason: 'insufficient_stock' },
  },
  StockReleased: { type: 'StockReleased', data: { sku: 'SKU-1', orderId: 'o-1', quantity: 2 } },
  StockShipped: { type: 'StockShipped', data: { sku: 'SKU-1', orderId: 'o-1', quantity: 2 } },
  StockHeld: { type: 'StockHeld', data: { sku: 'SKU-1', holdId: 'h-1', quantity: 3, reason: 'damaged in store' } },
  StockHoldReleased: { type: 'StockHoldReleased', data: { sku: 'SKU-1', holdId: 'h-1', quantity: 3 } },
  ProductDiscontinued: { type: 'ProductDiscontinued', data: { sku: 'SKU-1' } },
  OrderPlaced: {
    type: 'OrderPlaced',
    data: {
      orderId: 'o-1',
      customerId: 'c-1',
      lines: [{ sku: 'SKU-1', quantity: 2, unitPriceCents: 2_500 }],
      currency: 'EUR',
      totalCents: 5_000,
      placedAt: '2026-01-15T10:00:00.000Z',
    },
  },
  OrderLineReserved: { type: 'OrderLineReserved', data: { orderId: 'o-1', sku: 'SKU-1', quantity: 2 } },
  OrderConfirmed: { type: 'OrderConfirmed', data: { orderId: 'o-1' } },
  OrderRejected: { type: 'OrderRejected', data: { orderId: 'o-1', reason: 'insufficient stock', sku: 'SKU-1' } },
  OrderPaid: { type: 'OrderPaid', data: { orderId: 'o-1', amountCents: 5_000, currency: 'EUR' } },
  OrderShipped: { type: 'OrderShipped', data: { orderId: 'o-1', carrier: 'DHL', trackingNumber: 'T-1' } },
  OrderDelivered: { type: 'OrderDelivered', data: { orderId: 'o-1' } },
  OrderCancelled: { type: 'OrderCancelled', data: { orderId: 'o-1', reason: 'changed my mind' } },
};

/** What the store hands back for an appended event, as it would be read from storage (JSON). */
const recorded = (event: NewEvent, overrides: Partial<RecordedEvent> = {}): RecordedEvent => ({
  eventId: 'event-1',
  type: event.type,
  version: event.version,
  streamId: 'stream-1',
  revision: 0,
  position: 1n,
  recordedAt: new Date('2026-01-15T10:00:00.000Z'),
  data: JSON.parse(JSON.stringify(event.data)),
  metadata: event.metadata ?? {},
  ...overrides,
});

const readFailure = (event: RecordedEvent): unknown => {
  try {
    decodeEvent(event);
  } catch (error) {
    return error;
  }
  return undefined;
};

describe('event registry', () => {
  it('has a sample for every registered event type', () => {
    expect(Object.keys(samples).sort()).toEqual([...domainEventTypes].sort());
  });

  it.each(domainEventTypes)('%s survives encode then decode unchanged', (type) => {
    const event = samples[type];
    const encoded = encodeEvent(event, { correlationId: 'corr-1' });
    expect(encoded).toEqual({
      type,
      version: eventRegistry[type].version,
      data: event.data,
      metadata: { correlationId: 'corr-1' },
    });

    const decoded = decodeEvent(recorded(encoded));
    expect(decoded).toMatchObject({
      eventId: 'event-1',
      streamId: 'stream-1',
      position: 1n,
      metadata: { correlationId: 'corr-1' },
    });
    expect({ type: decoded.type, data: decoded.data }).toEqual(event);
    expect(decoded.version).toBe(eventRegistry[type].version);
  });

  it('upcasts ProductRegistered v1 (no category) to v2 with category "uncategorized"', () => {
    const v1 = recorded({
      type: 'ProductRegistered',
      version: 1,
      data: { sku: 'SKU-1', name: 'Kettle', priceCents: 2_500, currency: 'EUR' },
    });
    const decoded = decodeEvent(v1);
    expect(decoded.version).toBe(2);
    expect(decoded.data).toEqual({
      sku: 'SKU-1',
      name: 'Kettle',
      category: 'uncategorized',
      priceCents: 2_500,
      currency: 'EUR',
    });
  });

  it('reads ProductRegistered v2 as written', () => {
    const decoded = decodeEvent(recorded(encodeEvent(samples.ProductRegistered)));
    expect(decoded.data).toMatchObject({ category: 'kitchen' });
  });

  it('an unknown event type is unreadable', () => {
    const error = readFailure(recorded({ type: 'OrderTeleported', version: 1, data: { orderId: 'o-1' } }));
    expect(error).toBeInstanceOf(UnreadableEvent);
    expect(error).toMatchObject({ eventId: 'event-1', eventType: 'OrderTeleported' });
  });

  it('a version newer than this code knows is unreadable', () => {
    const error = readFailure(
      recorded({ type: 'ProductRegistered', version: 3, data: samples.ProductRegistered.data }),
    );
    expect(error).toBeInstanceOf(UnreadableEvent);
    expect(error).toMatchObject({ eventType: 'ProductRegistered' });
  });

  it('a version older than any upcaster is unreadable', () => {
    const error = readFailure(recorded({ type: 'StockAdded', version: 0, data: samples.StockAdded.data }));
    expect(error).toBeInstanceOf(UnreadableEvent);
  });

  it.each([
    ['a negative quantity', 'StockAdded', { sku: 'SKU-1', quantity: -1 }],
    ['a missing field', 'OrderPaid', { orderId: 'o-1', amountCents: 5_000 }],
    ['fractional cents', 'PriceChanged', { sku: 'SKU-1', priceCents: 9.99, previousPriceCents: 1_000 }],
    [
      'an unknown reason',
      'StockReservationRejected',
      { sku: 'SKU-1', orderId: 'o-1', requested: 1, available: 0, reason: 'lost' },
    ],
    ['no data at all', 'OrderConfirmed', null],
  ] as const)('bad data (%s) is unreadable', (_why, type, data) => {
    const error = readFailure(recorded({ type, version: eventRegistry[type].version, data }));
    expect(error).toBeInstanceOf(UnreadableEvent);
    expect(error).toMatchObject({ eventType: type });
  });
});

import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../domain/index.js';
import { eventRecorder } from '../../testing/recorded.js';
import { orderView, projectOrder, type OrderDomainEvent, type OrderRow } from './orders.js';

const fold = (events: readonly OrderDomainEvent[], from?: OrderRow) =>
  events.reduce<OrderRow | undefined>(projectOrder, from);

const placed: OrderEvent = {
  type: 'OrderPlaced',
  data: {
    orderId: 'o1',
    customerId: 'c1',
    lines: [
      { sku: 'SKU-1', quantity: 2, unitPriceCents: 1000 },
      { sku: 'SKU-2', quantity: 1, unitPriceCents: 250 },
    ],
    currency: 'EUR',
    totalCents: 2250,
    placedAt: '2026-03-01T09:59:59Z',
  },
};

const lifecycle: OrderEvent[] = [
  placed,
  { type: 'OrderLineReserved', data: { orderId: 'o1', sku: 'SKU-1', quantity: 2 } },
  { type: 'OrderLineReserved', data: { orderId: 'o1', sku: 'SKU-2', quantity: 1 } },
  { type: 'OrderConfirmed', data: { orderId: 'o1' } },
  { type: 'OrderPaid', data: { orderId: 'o1', amountCents: 2250, currency: 'EUR' } },
  { type: 'OrderShipped', data: { orderId: 'o1', carrier: 'DHL', trackingNumber: 'TR-1' } },
  { type: 'OrderDelivered', data: { orderId: 'o1' } },
];

const history = (events: readonly OrderEvent[]) => {
  const record = eventRecorder(new Date('2026-03-01T10:00:00.000Z'), 60_000);
  return events.map((event) => record(event));
};

describe('orders projection', () => {
  it('places an order with line totals and a first timeline entry', () => {
    expect(orderView(fold(history([placed]))!)).toEqual({
      orderId: 'o1',
      customerId: 'c1',
      status: 'placed',
      lines: [
        { sku: 'SKU-1', quantity: 2, unitPriceCents: 1000, lineTotalCents: 2000 },
        { sku: 'SKU-2', quantity: 1, unitPriceCents: 250, lineTotalCents: 250 },
      ],
      totalCents: 2250,
      currency: 'EUR',
      placedAt: '2026-03-01T09:59:59.000Z',
      history: [{ status: 'placed', at: '2026-03-01T10:00:00.000Z' }],
      revision: 0,
    });
  });

  it('follows the order to delivery, with the shipment and one timeline entry per status', () => {
    const row = fold(history(lifecycle))!;
    expect(row.status).toBe('delivered');
    expect(row.revision).toBe(6);
    expect(row.shipment).toEqual({ carrier: 'DHL', trackingNumber: 'TR-1' });
    expect(row.history).toEqual([
      { status: 'placed', at: '2026-03-01T10:00:00.000Z' },
      { status: 'confirmed', at: '2026-03-01T10:03:00.000Z' },
      { status: 'paid', at: '2026-03-01T10:04:00.000Z' },
      { status: 'shipped', at: '2026-03-01T10:05:00.000Z' },
      { status: 'delivered', at: '2026-03-01T10:06:00.000Z' },
    ]);
  });

  it('moves only the revision on a reserved line', () => {
    const events = history(lifecycle.slice(0, 2));
    const before = fold(events.slice(0, 1))!;
    expect(fold(events)).toEqual({ ...before, revision: 1, position: 2n, updatedAt: '2026-03-01T10:01:00.000Z' });
  });

  it('records the reason of a rejection and of a cancellation', () => {
    const rejected = fold(
      history([placed, { type: 'OrderRejected', data: { orderId: 'o1', reason: 'insufficient_stock', sku: 'SKU-2' } }]),
    )!;
    expect(rejected.status).toBe('rejected');
    expect(rejected.history.at(-1)).toEqual({
      status: 'rejected',
      at: '2026-03-01T10:01:00.000Z',
      reason: 'insufficient_stock',
    });
    const cancelled = fold(
      history([
        ...lifecycle.slice(0, 5),
        { type: 'OrderCancelled', data: { orderId: 'o1', reason: 'changed my mind' } },
      ]),
    )!;
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.history.at(-1)).toMatchObject({ status: 'cancelled', reason: 'changed my mind' });
  });

  it('ignores events of an order it has never seen placed', () => {
    const record = eventRecorder();
    expect(projectOrder(undefined, record({ type: 'OrderConfirmed', data: { orderId: 'o9' } }))).toBeUndefined();
  });

  it('apply twice, same result: events at or below the applied revision change nothing', () => {
    const events = history(lifecycle);
    const once = fold(events);
    expect(fold(events, once)).toBe(once);
    expect(fold(events.flatMap((event) => [event, event]))).toEqual(once);
  });
});

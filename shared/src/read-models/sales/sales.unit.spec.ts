import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../domain/index.js';
import type { OrderDomainEvent } from '../orders/orders.js';
import { eventRecorder } from '../../testing/recorded.js';
import { projectSalesOrder, salesDeltas, salesOf, type SalesOrderRow } from './sales.js';

const fold = (events: readonly OrderDomainEvent[], from?: SalesOrderRow) =>
  events.reduce<SalesOrderRow | undefined>(projectSalesOrder, from);

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
    placedAt: '2026-03-01T23:58:00.000Z',
  },
};
const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { orderId: 'o1' } };
const paid: OrderEvent = { type: 'OrderPaid', data: { orderId: 'o1', amountCents: 2250, currency: 'EUR' } };
const cancelled: OrderEvent = { type: 'OrderCancelled', data: { orderId: 'o1', reason: 'refund' } };

// Each event one minute later, from 23:58 UTC: the payment lands on the next UTC day.
const history = (events: readonly OrderEvent[]) => {
  const record = eventRecorder(new Date('2026-03-01T23:58:00.000Z'), 60_000);
  return events.map((event) => record(event));
};

describe('sales projection', () => {
  it('counts nothing before payment', () => {
    expect(salesOf(fold(history([placed, confirmed])))).toEqual([]);
  });

  it('counts an order on the UTC day of its OrderPaid', () => {
    const row = fold(history([placed, confirmed, paid]))!;
    expect(row.paidDay).toBe('2026-03-02');
    expect(salesOf(row)).toEqual([
      { day: '2026-03-02', sku: 'SKU-1', currency: 'EUR', units: 2, revenueCents: 2000 },
      { day: '2026-03-02', sku: 'SKU-2', currency: 'EUR', units: 1, revenueCents: 250 },
    ]);
  });

  it('takes a paid order back off its paid day when it is cancelled', () => {
    const events = history([placed, confirmed, paid, cancelled]);
    const paidRow = fold(events.slice(0, 3))!;
    const cancelledRow = fold(events)!;
    expect(salesDeltas([{ before: paidRow, after: cancelledRow }])).toEqual([
      { day: '2026-03-02', sku: 'SKU-1', currency: 'EUR', units: -2, revenueCents: -2000 },
      { day: '2026-03-02', sku: 'SKU-2', currency: 'EUR', units: -1, revenueCents: -250 },
    ]);
  });

  it('adds nothing for a batch that places, pays and cancels an order', () => {
    const after = fold(history([placed, confirmed, paid, cancelled]))!;
    expect(salesDeltas([{ before: undefined, after }])).toEqual([]);
  });

  it('sums the deltas of several orders per day, sku and currency', () => {
    const record = eventRecorder(new Date('2026-03-05T12:00:00.000Z'), 1_000);
    const order = (orderId: string, currency: string) => [
      record({
        type: 'OrderPlaced',
        data: { ...placed.data, orderId, currency } as Extract<OrderEvent, { type: 'OrderPlaced' }>['data'],
      }),
      record({ type: 'OrderPaid', data: { orderId, amountCents: 2250, currency } }),
    ];
    const rows = [order('a', 'EUR'), order('b', 'EUR'), order('c', 'USD')].map((events) => fold(events)!);
    expect(salesDeltas(rows.map((after) => ({ before: undefined, after })))).toEqual([
      { day: '2026-03-05', sku: 'SKU-1', currency: 'EUR', units: 4, revenueCents: 4000 },
      { day: '2026-03-05', sku: 'SKU-2', currency: 'EUR', units: 2, revenueCents: 500 },
      { day: '2026-03-05', sku: 'SKU-1', currency: 'USD', units: 2, revenueCents: 2000 },
      { day: '2026-03-05', sku: 'SKU-2', currency: 'USD', units: 1, revenueCents: 250 },
    ]);
  });

  it('apply twice, same result: a replayed payment is not counted again', () => {
    const events = history([placed, confirmed, paid]);
    const once = fold(events)!;
    const twice = fold(events, once)!;
    expect(twice).toBe(once);
    expect(salesDeltas([{ before: once, after: twice }])).toEqual([]);
    expect(fold(events.flatMap((event) => [event, event]))).toEqual(once);
  });
});

import { describe, expect, it } from 'vitest';
import type { OrderEvent } from '../../domain/index.js';
import { eventRecorder } from '../../testing/recorded.js';
import type { OrderDomainEvent } from '../orders/orders.js';
import { foldRows } from '../projection.js';
import { customerDeltas, projectCustomerOrder, type CustomerDelta, type CustomerOrderRow } from './customers.js';

type Summary = Omit<CustomerDelta, 'paidCents'> & { paidCents: Record<string, number> };

// The writer's arithmetic in memory: order rows folded per batch, summaries moved by each batch's deltas.
function project(batches: readonly (readonly OrderDomainEvent[])[]) {
  let rows = new Map<string, CustomerOrderRow>();
  const summaries = new Map<string, Summary>();
  for (const batch of batches) {
    const changed = foldRows(rows, batch, (event) => event.data.orderId, projectCustomerOrder);
    for (const delta of customerDeltas([...changed].map(([id, after]) => ({ before: rows.get(id), after })))) {
      const none = { placed: 0, confirmed: 0, cancelled: 0, events: 0, paidCents: {} as Record<string, number> };
      const summary = summaries.get(delta.customerId) ?? { ...delta, ...none };
      const paidCents = { ...summary.paidCents };
      for (const [currency, cents] of delta.paidCents) paidCents[currency] = (paidCents[currency] ?? 0) + cents;
      for (const [currency, cents] of Object.entries(paidCents)) if (cents === 0) delete paidCents[currency];
      summaries.set(delta.customerId, {
        customerId: delta.customerId,
        placed: summary.placed + delta.placed,
        confirmed: summary.confirmed + delta.confirmed,
        cancelled: summary.cancelled + delta.cancelled,
        lastOrderAt: delta.lastOrderAt > summary.lastOrderAt ? delta.lastOrderAt : summary.lastOrderAt,
        events: summary.events + delta.events,
        paidCents,
      });
    }
    rows = new Map([...rows, ...changed]);
  }
  return { rows, summaries };
}

const placed = (orderId: string, customerId: string, totalCents: number, placedAt: string, currency = 'EUR') =>
  ({
    type: 'OrderPlaced',
    data: {
      orderId,
      customerId,
      lines: [{ sku: 'SKU-1', quantity: 1, unitPriceCents: totalCents }],
      currency,
      totalCents,
      placedAt,
    },
  }) satisfies OrderEvent;
const confirmed = (orderId: string): OrderEvent => ({ type: 'OrderConfirmed', data: { orderId } });
const paid = (orderId: string, amountCents: number, currency = 'EUR'): OrderEvent => ({
  type: 'OrderPaid',
  data: { orderId, amountCents, currency },
});
const cancelled = (orderId: string): OrderEvent => ({ type: 'OrderCancelled', data: { orderId, reason: 'no' } });
const shipped = (orderId: string): OrderEvent => ({
  type: 'OrderShipped',
  data: { orderId, carrier: 'DHL', trackingNumber: 'T1' },
});

const recorded = (...events: OrderEvent[]) => {
  const record = eventRecorder();
  return events.map((event) => record(event));
};

const history = recorded(
  placed('o1', 'alice', 1_000, '2026-03-01T10:00:00Z'),
  placed('o2', 'alice', 2_500, '2026-03-02T10:00:00.000Z'),
  placed('o3', 'bob', 700, '2026-03-01T12:00:00.000Z'),
  placed('o4', 'alice', 9_900, '2026-03-01T11:00:00.000Z', 'USD'),
  confirmed('o1'),
  confirmed('o2'),
  confirmed('o4'),
  paid('o1', 1_000),
  paid('o2', 2_500),
  paid('o4', 9_900, 'USD'),
  shipped('o1'),
  cancelled('o2'),
  cancelled('o3'),
);

describe('customers projection', () => {
  it('counts orders placed, confirmed and cancelled, paid revenue per currency and the last order time', () => {
    const { summaries } = project([history]);
    expect(summaries.get('alice')).toEqual({
      customerId: 'alice',
      placed: 3,
      confirmed: 3,
      cancelled: 1,
      // o2 was paid, then cancelled: refunded, so it no longer counts (as in /stats/sales).
      paidCents: { EUR: 1_000, USD: 9_900 },
      lastOrderAt: '2026-03-02T10:00:00.000Z',
      events: 4 + 3 + 4,
    });
    expect(summaries.get('bob')).toMatchObject({ placed: 1, confirmed: 0, cancelled: 1, paidCents: {} });
  });

  it('gives the same summaries one event at a time as in one batch', () => {
    expect(project(history.map((event) => [event])).summaries).toEqual(project([history]).summaries);
  });

  it('apply twice, same result: redelivered events change neither rows nor summaries', () => {
    const once = project([history]);
    expect(project([history, history])).toEqual(once);
    expect(project([history.flatMap((event) => [event, event])])).toEqual(once);
    expect(project([history.slice(0, 8), history.slice(4), history])).toEqual(once);
  });

  it('ignores events of an order it has never seen placed', () => {
    const [event] = recorded(paid('o9', 100));
    expect(projectCustomerOrder(undefined, event!)).toBeUndefined();
  });

  it('takes an order out entirely when it is forgotten', () => {
    const { rows } = project([history]);
    const deltas = customerDeltas([{ before: rows.get('o4'), after: undefined }]);
    expect(deltas).toEqual([
      {
        customerId: 'alice',
        placed: -1,
        confirmed: -1,
        cancelled: 0,
        lastOrderAt: '2026-03-01T11:00:00.000Z',
        events: -3,
        paidCents: new Map([['USD', -9_900]]),
      },
    ]);
  });

  it('adds up amounts exactly at the bounds: many orders of the largest total', () => {
    const max = 10 ** 11;
    const orders = Array.from({ length: 500 }, (_, i) => [
      placed(`m${i}`, 'whale', max, '2026-03-01T10:00:00.000Z'),
      paid(`m${i}`, max),
    ]).flat();
    expect(project([recorded(...orders)]).summaries.get('whale')?.paidCents).toEqual({ EUR: 500 * max });
  });
});

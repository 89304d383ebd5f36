import type { OrderDomainEvent } from '../orders/orders.js';

// Per customer: orders placed, confirmed and cancelled, revenue paid, last order time. Order events carry the order
// id only (OrderPlaced the customer too), so each order's row says what it adds to its customer; an event changes
// that contribution and the customer's totals move by the difference, whichever worker applies it. Pure.

export interface CustomerOrderRow {
  orderId: string;
  customerId: string;
  currency: string;
  placedAt: string;
  confirmed: boolean;
  cancelled: boolean;
  /** The OrderPaid amount; it stops counting once the order is cancelled (refunded), as in /stats/sales. */
  paidCents: number;
  revision: number;
}

export function projectCustomerOrder(
  row: CustomerOrderRow | undefined,
  event: OrderDomainEvent,
): CustomerOrderRow | undefined {
  // Delivery is at least once: an event at or below the applied revision has been counted already.
  if (row && event.revision <= row.revision) return row;
  if (event.type === 'OrderPlaced') {
    const { orderId, customerId, currency, placedAt } = event.data;
    return {
      orderId,
      customerId,
      currency,
      placedAt: new Date(placedAt).toISOString(),
      confirmed: false,
      cancelled: false,
      paidCents: 0,
      revision: event.revision,
    };
  }
  if (!row) return undefined;
  switch (event.type) {
    case 'OrderConfirmed':
      return { ...row, confirmed: true, revision: event.revision };
    case 'OrderPaid':
      return { ...row, paidCents: event.data.amountCents, revision: event.revision };
    case 'OrderCancelled':
      return { ...row, cancelled: true, revision: event.revision };
    default:
      return { ...row, revision: event.revision };
  }
}

/** What a batch changes in one customer's summary; revenue per currency. */
export interface CustomerDelta {
  customerId: string;
  placed: number;
  confirmed: number;
  cancelled: number;
  /** The latest placedAt among the orders the batch touched (the summary keeps the greatest it has seen). */
  lastOrderAt: string;
  /** Events of the customer's orders, added or taken away: the summary's revision. */
  events: number;
  paidCents: Map<string, number>;
}

const sign = (flag: boolean): number => (flag ? 1 : 0);

/**
 * Adds up the change of each order's contribution (after − before) per customer. A missing `after` takes the order
 * out (a dead-letter retry forgets it before folding it again).
 */
export function customerDeltas(
  changes: Iterable<{ before: CustomerOrderRow | undefined; after: CustomerOrderRow | undefined }>,
): CustomerDelta[] {
  const deltas = new Map<string, CustomerDelta>();
  const add = (row: CustomerOrderRow, by: 1 | -1) => {
    const delta = deltas.get(row.customerId) ?? {
      customerId: row.customerId,
      placed: 0,
      confirmed: 0,
      cancelled: 0,
      lastOrderAt: row.placedAt,
      events: 0,
      paidCents: new Map<string, number>(),
    };
    delta.placed += by;
    delta.confirmed += by * sign(row.confirmed);
    delta.cancelled += by * sign(row.cancelled);
    delta.events += by * (row.revision + 1);
    if (row.placedAt > delta.lastOrderAt) delta.lastOrderAt = row.placedAt;
    const paid = row.cancelled ? 0 : row.paidCents;
    if (paid !== 0) delta.paidCents.set(row.currency, (delta.paidCents.get(row.currency) ?? 0) + by * paid);
    deltas.set(row.customerId, delta);
  };
  for (const { before, after } of changes) {
    if (before) add(before, -1);
    if (after) add(after, 1);
  }
  return [...deltas.values()];
}

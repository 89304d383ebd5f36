import type { OrderLine } from '../../domain/index.js';
import type { SalesDayView } from './sales-view.js';
import type { OrderDomainEvent } from '../orders/orders.js';

// Sales per UTC day of payment and sku. A sales_orders row remembers each order's lines and the day it counts on,
// so what a day holds is always "the sum of the orders counted there": an event changes an order's contribution,
// and the daily totals move by the difference. Pure.

export interface SalesOrderRow {
  orderId: string;
  lines: OrderLine[];
  currency: string;
  /** UTC day (YYYY-MM-DD) of the OrderPaid the order counts on; null until paid and again once cancelled. */
  paidDay: string | null;
  revision: number;
}

export function projectSalesOrder(row: SalesOrderRow | undefined, event: OrderDomainEvent): SalesOrderRow | undefined {
  // Delivery is at least once: an event at or below the applied revision has been counted already.
  if (row && event.revision <= row.revision) return row;
  if (event.type === 'OrderPlaced') {
    const { orderId, lines, currency } = event.data;
    return {
      orderId,
      lines: lines.map(({ sku, quantity, unitPriceCents }) => ({ sku, quantity, unitPriceCents })),
      currency,
      paidDay: null,
      revision: event.revision,
    };
  }
  if (!row) return undefined;
  switch (event.type) {
    case 'OrderPaid':
      return { ...row, paidDay: event.recordedAt.toISOString().slice(0, 10), revision: event.revision };
    case 'OrderCancelled':
      // A refund: the order stops counting on the day it was paid.
      return { ...row, paidDay: null, revision: event.revision };
    default:
      return { ...row, revision: event.revision };
  }
}

/** What one order adds to sales_daily: nothing until paid. */
export function salesOf(row: SalesOrderRow | undefined): SalesDayView[] {
  if (!row || row.paidDay === null) return [];
  const day = row.paidDay;
  return row.lines.map((line) => ({
    day,
    sku: line.sku,
    currency: row.currency,
    units: line.quantity,
    revenueCents: line.quantity * line.unitPriceCents,
  }));
}

const dayKey = (sale: SalesDayView): string => JSON.stringify([sale.day, sale.sku, sale.currency]);

/**
 * Adds up the change of each order's contribution (after − before) per day, sku and currency; zero changes drop out.
 */
export function salesDeltas(
  changes: Iterable<{ before: SalesOrderRow | undefined; after: SalesOrderRow }>,
): SalesDayView[] {
  const totals = new Map<string, SalesDayView>();
  const add = (sale: SalesDayView, sign: 1 | -1) => {
    const key = dayKey(sale);
    const total = totals.get(key) ?? { ...sale, units: 0, revenueCents: 0 };
    totals.set(key, {
      ...total,
      units: total.units + sign * sale.units,
      revenueCents: total.revenueCents + sign * sale.revenueCents,
    });
  };
  for (const { before, after } of changes) {
    for (const sale of salesOf(before)) add(sale, -1);
    for (const sale of salesOf(after)) add(sale, 1);
  }
  return [...totals.values()].filter((delta) => delta.units !== 0 || delta.revenueCents !== 0);
}

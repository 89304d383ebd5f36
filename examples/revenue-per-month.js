// @ts-check
// Revenue per calendar month (UTC) and currency, counted as the sales read model counts it: an order counts in the
// month it was paid, and a cancellation after payment (a refund) takes it out of that month again.
//
//   npm run cli -- replay --reducer examples/revenue-per-month.js [--from 2026-01-01] [--to 2027-01-01]
//
// Result: [{ month: '2026-03', currency: 'EUR', orders: 12, revenueCents: 123400 }, ...], oldest month first.

/** @typedef {import('../cli/replay/reducer.js').HistoryEvent} HistoryEvent */
/** @typedef {{ month: string, currency: string, orders: number, revenueCents: number }} MonthRevenue */
/**
 * @typedef {object} Accumulator
 * @property {Map<string, MonthRevenue>} months by month and currency
 * @property {Map<string, { key: string, amountCents: number }>} refundable paid orders that may still be cancelled
 */

/** The store hands over only these types. */
export const types = ['OrderPaid', 'OrderCancelled', 'OrderShipped'];

/** @returns {Accumulator} */
export function init() {
  return { months: new Map(), refundable: new Map() };
}

/**
 * @param {Accumulator} totals
 * @param {HistoryEvent} event
 * @returns {Accumulator}
 */
export function reduce(totals, event) {
  switch (event.type) {
    case 'OrderPaid': {
      const { orderId, amountCents, currency } = event.data;
      const month = event.recordedAt.toISOString().slice(0, 7);
      const key = `${month} ${currency}`;
      add(totals, key, { month, currency, orders: 1, revenueCents: amountCents });
      totals.refundable.set(orderId, { key, amountCents });
      break;
    }
    case 'OrderCancelled': {
      const paid = totals.refundable.get(event.data.orderId);
      if (paid) add(totals, paid.key, { orders: -1, revenueCents: -paid.amountCents });
      totals.refundable.delete(event.data.orderId);
      break;
    }
    case 'OrderShipped':
      // A shipped order can no longer be cancelled: forgetting it keeps memory to the orders still open.
      totals.refundable.delete(event.data.orderId);
      break;
  }
  return totals;
}

/**
 * @param {Accumulator} totals
 * @returns {MonthRevenue[]}
 */
export function done(totals) {
  return [...totals.months.values()]
    .filter((month) => month.orders !== 0 || month.revenueCents !== 0)
    .sort((a, b) => a.month.localeCompare(b.month) || a.currency.localeCompare(b.currency));
}

/**
 * @param {Accumulator} totals
 * @param {string} key
 * @param {Partial<MonthRevenue> & { orders: number, revenueCents: number }} change
 */
function add(totals, key, change) {
  const [month = '', currency = ''] = key.split(' ');
  const current = totals.months.get(key) ?? { month, currency, orders: 0, revenueCents: 0 };
  totals.months.set(key, {
    ...current,
    orders: current.orders + change.orders,
    revenueCents: current.revenueCents + change.revenueCents,
  });
}

// @ts-check
// The ten best-selling products: units and revenue per sku over paid orders, less those cancelled after payment
// (refunds), most units first (then most revenue, then sku).
//
//   npm run cli -- replay --reducer examples/top-selling-products.js [--from 2026-01-01] [--to 2026-04-01]
//
// Result: [{ sku: 'kettle', units: 40, revenueCents: 236000, currency: 'EUR' }, ...]
// A time range counts the payments and cancellations inside it; an order placed before --from is not known then.

/** @typedef {import('../cli/replay/reducer.js').HistoryEvent} HistoryEvent */
/** @typedef {{ sku: string, quantity: number, unitPriceCents: number }} Line */
/** @typedef {{ sku: string, units: number, revenueCents: number, currency: string }} ProductSales */
/**
 * @typedef {object} Accumulator
 * @property {Map<string, { lines: Line[], currency: string }>} placed orders placed and not yet paid
 * @property {Map<string, { lines: Line[], currency: string }>} paid paid orders that may still be cancelled
 * @property {Map<string, ProductSales>} sales by sku and currency
 */

export const TOP = 10;

export const types = ['OrderPlaced', 'OrderPaid', 'OrderRejected', 'OrderCancelled', 'OrderShipped'];

/** @returns {Accumulator} */
export function init() {
  return { placed: new Map(), paid: new Map(), sales: new Map() };
}

/**
 * @param {Accumulator} state
 * @param {HistoryEvent} event
 * @returns {Accumulator}
 */
export function reduce(state, event) {
  switch (event.type) {
    case 'OrderPlaced':
      state.placed.set(event.data.orderId, { lines: event.data.lines, currency: event.data.currency });
      break;
    case 'OrderPaid': {
      const order = state.placed.get(event.data.orderId);
      state.placed.delete(event.data.orderId);
      if (!order) break; // placed before the replayed range
      count(state, order, 1);
      state.paid.set(event.data.orderId, order);
      break;
    }
    case 'OrderCancelled': {
      const refunded = state.paid.get(event.data.orderId);
      if (refunded) count(state, refunded, -1);
      state.placed.delete(event.data.orderId);
      state.paid.delete(event.data.orderId);
      break;
    }
    case 'OrderRejected':
      state.placed.delete(event.data.orderId);
      break;
    case 'OrderShipped':
      // A shipped order can no longer be cancelled: forgetting it keeps memory to the orders still open.
      state.paid.delete(event.data.orderId);
      break;
  }
  return state;
}

/**
 * @param {Accumulator} state
 * @returns {ProductSales[]}
 */
export function done(state) {
  return [...state.sales.values()]
    .filter((sales) => sales.units > 0)
    .sort((a, b) => b.units - a.units || b.revenueCents - a.revenueCents || a.sku.localeCompare(b.sku))
    .slice(0, TOP);
}

/**
 * @param {Accumulator} state
 * @param {{ lines: Line[], currency: string }} order
 * @param {1 | -1} sign
 */
function count(state, order, sign) {
  for (const line of order.lines) {
    const key = `${line.sku} ${order.currency}`;
    const sales = state.sales.get(key) ?? { sku: line.sku, units: 0, revenueCents: 0, currency: order.currency };
    state.sales.set(key, {
      ...sales,
      units: sales.units + sign * line.quantity,
      revenueCents: sales.revenueCents + sign * line.quantity * line.unitPriceCents,
    });
  }
}

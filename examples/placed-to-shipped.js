// @ts-check
// How long orders take from placed to shipped: the average, fastest and slowest over every order shipped in the
// replayed history (times are the events' recorded times).
//
//   npm run cli -- replay --reducer examples/placed-to-shipped.js [--from 2026-01-01]
//
// Result: { orders: 120, averageMs: 97200000, averageHours: 27, fastestHours: 2.5, slowestHours: 96 }
// (the figures are null when no order was shipped). Orders placed before --from are not counted.

/** @typedef {import('../cli/replay/reducer.js').HistoryEvent} HistoryEvent */
/**
 * @typedef {object} Accumulator
 * @property {Map<string, number>} placedAt open orders: placed time in ms since the epoch
 * @property {number} orders shipped orders counted
 * @property {number} totalMs
 * @property {number} fastestMs
 * @property {number} slowestMs
 */

export const types = ['OrderPlaced', 'OrderShipped', 'OrderRejected', 'OrderCancelled'];

/** @returns {Accumulator} */
export function init() {
  return { placedAt: new Map(), orders: 0, totalMs: 0, fastestMs: Infinity, slowestMs: 0 };
}

/**
 * @param {Accumulator} state
 * @param {HistoryEvent} event
 * @returns {Accumulator}
 */
export function reduce(state, event) {
  switch (event.type) {
    case 'OrderPlaced':
      state.placedAt.set(event.data.orderId, event.recordedAt.getTime());
      break;
    case 'OrderShipped': {
      const placedAt = state.placedAt.get(event.data.orderId);
      state.placedAt.delete(event.data.orderId);
      if (placedAt === undefined) break; // placed before the replayed range
      const took = event.recordedAt.getTime() - placedAt;
      state.orders += 1;
      state.totalMs += took;
      state.fastestMs = Math.min(state.fastestMs, took);
      state.slowestMs = Math.max(state.slowestMs, took);
      break;
    }
    case 'OrderRejected':
    case 'OrderCancelled':
      // Never shipped: forgetting it keeps memory to the orders still open.
      state.placedAt.delete(event.data.orderId);
      break;
  }
  return state;
}

/** @param {Accumulator} state */
export function done(state) {
  if (state.orders === 0)
    return { orders: 0, averageMs: null, averageHours: null, fastestHours: null, slowestHours: null };
  const averageMs = Math.round(state.totalMs / state.orders);
  return {
    orders: state.orders,
    averageMs,
    averageHours: hours(averageMs),
    fastestHours: hours(state.fastestMs),
    slowestHours: hours(state.slowestMs),
  };
}

/** @param {number} ms */
const hours = (ms) => Math.round((ms / 3_600_000) * 100) / 100;

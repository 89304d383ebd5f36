import type { Row } from '../../sql/sql.js';
import type { OrderHistoryEntry, OrderLineView, OrderView } from '../views.js';

// The orders row ↔ view codec, once for the writer (projection service) and the readers (query service).

// The orders table has no shipment column: the shipment rides on the timeline's `shipped` entry
// ({status, at, carrier, trackingNumber}), and orderViewFromRow takes it back out.
type StoredHistoryEntry = OrderHistoryEntry & { carrier?: string; trackingNumber?: string };

/** The history column of an order: its timeline with the shipment on the `shipped` entry. */
export const storedOrderHistory = (order: OrderView): StoredHistoryEntry[] =>
  order.history.map((entry) =>
    entry.status === 'shipped' && order.shipment ? { ...entry, ...order.shipment } : entry,
  );

// jsonb comes back parsed from both drivers; accept text too, in case an adapter leaves it raw.
const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

/** The view from an orders row whose placed_at is ISO text (or a Date). */
export function orderViewFromRow(row: Row): OrderView {
  const stored = json<StoredHistoryEntry[]>(row.history);
  const history = stored.map(({ carrier: _carrier, trackingNumber: _tracking, ...entry }) => entry);
  const shipped = stored.findLast((entry) => entry.status === 'shipped' && entry.carrier !== undefined);
  const view: OrderView = {
    orderId: row.order_id as string,
    customerId: row.customer_id as string,
    status: row.status as OrderView['status'],
    lines: json<OrderLineView[]>(row.lines),
    totalCents: Number(row.total_cents),
    currency: row.currency as string,
    placedAt: row.placed_at instanceof Date ? row.placed_at.toISOString() : (row.placed_at as string),
    history,
    revision: Number(row.revision),
  };
  return shipped?.carrier === undefined
    ? view
    : { ...view, shipment: { carrier: shipped.carrier, trackingNumber: shipped.trackingNumber ?? '' } };
}
